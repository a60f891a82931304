"""Sub-commands of ``python -m loader``."""

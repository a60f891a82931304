"""Entry point: ``python -m loader <command> ...``."""

from loader.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

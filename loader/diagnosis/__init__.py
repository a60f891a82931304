"""Data diagnosis: classify, count and sample a tracking-log dataset.

A *diagnosis* (MOOCdb thesis §4.1.2) summarizes the complexity of a dataset:
the event classes it holds — one per ``(event_type, event_source)`` pair,
which fixes both the meaning and the JSON syntax of an event — ordered by
frequency, a few anonymized sample events per class, and general facts
(files, lines, time range, courses, malformed lines by reason). It is a small
folder of CSV/JSON files and a human summary, shareable publicly, and several
diagnoses merge into one synthesis (§4.2.2).

Modules: ``classify`` (the class of one event, mirroring the staging model),
``anonymize`` (samples made shareable), ``diagnose`` (the streaming pass and
the folder), ``merge`` (several folders into one).
"""

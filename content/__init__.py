"""The content library: what `make validate`, `make review` and the content studio share.

checks/ (the content checks, one module per subject), conversations.py (the conversations of the
running setup, read through Rasa's tracker store), masking.py (personal data out of every message
shown or written), missed.py (what the assistant missed, grouped by likely intent) and
yaml_files.py (round-trip edits of the content files: comments, order and quoting kept). A server
may import it: nothing here imports tools/ or tests/.
"""

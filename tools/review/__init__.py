"""`make review`: the content team learns from real conversations without exposing anyone (CONTENT.md
"Review loop").

The content library (content/, which the studio shares) reads the tracker store into turns
(conversations.py), masks personal data (masking.py), groups what was missed (missed.py) and appends
the chosen messages to data/nlu/ (training_data.py). Here: report.py writes results/review/report.md
and report.html; editor.py asks the editor, in a terminal, which intent each missed message belongs
to; command.py is the command.
"""

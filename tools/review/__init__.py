"""`make review`: the content team learns from real conversations without exposing anyone (CONTENT.md
"Review loop").

conversations.py reads the tracker store into turns; masking.py masks personal data; report.py groups
what was missed and writes results/review/report.md and report.html; editor.py asks the editor, in a
terminal, which intent each missed message belongs to; training_data.py appends the chosen ones to
data/nlu/; command.py is the command.
"""

"""The clinical core: what both servers, the spaCy pipeline and the tools share, with no Rasa import.

settings.py    the hospital settings (phones, fever threshold), read once, failing with a fix
vocabulary.py  every name the urgent path is built from (intents, labels, verdicts, decisions, replies)
temperature.py a temperature read from what a parent typed
mentions.py    which urgent mentions count for triage
triage.py      what a parent must do now: one decision per message, then per turn

`make lint` (import-linter, pyproject.toml) keep it free
of Rasa, rasa_sdk, the servers' packages and the tools.
"""

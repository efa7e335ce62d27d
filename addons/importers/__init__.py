"""Training data importers of config.yml `importers:` (run by `rasa train`)."""

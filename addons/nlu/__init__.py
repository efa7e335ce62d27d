"""NLU components of config.yml's pipeline (Rasa's GraphComponent API)."""

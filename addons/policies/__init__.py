"""Dialogue policies of config.yml (Rasa's Policy API)."""

"""Custom actions of the neutropenia parent assistant (served by `rasa run actions`)."""

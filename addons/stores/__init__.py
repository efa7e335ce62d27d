"""The tracker- and lock-store behaviour of endpoints.yml and endpoints.production.yml."""

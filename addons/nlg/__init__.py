"""The response generator endpoints.yml names (`nlg:`)."""

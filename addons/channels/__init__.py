"""The input channels credentials.yml names: the input guard every channel goes through
(input_guard.py) and the messaging providers' connectors."""

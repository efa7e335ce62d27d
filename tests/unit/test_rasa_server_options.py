"""The Rasa server is locked down by default: API off, CORS to the configured origins only."""
import pytest

from scripts.rasa_server_options import UnsafeSetting, server_options


def test_default_is_api_off_and_local_web_chat_origin_only():
    options = server_options({})
    assert "--enable-api" not in options
    assert options == ["--cors", "http://localhost:8080", "http://127.0.0.1:8080"]


def test_configured_origins():
    assert server_options({"ALLOWED_ORIGINS": "https://www.example.org"}) == ["--cors", "https://www.example.org"]


@pytest.mark.parametrize("origins", ["*", "", "www.example.org", "https://a.org *"])
def test_wildcard_or_bad_origins_are_refused(origins):
    with pytest.raises(UnsafeSetting, match="ALLOWED_ORIGINS"):
        server_options({"ALLOWED_ORIGINS": origins})


def test_api_needs_a_secret():
    with pytest.raises(UnsafeSetting, match="neither RASA_AUTH_TOKEN nor RASA_JWT_SECRET"):
        server_options({"RASA_ENABLE_API": "true"})
    with pytest.raises(UnsafeSetting, match="shorter than 32"):
        server_options({"RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": "secret"})


def test_api_with_token_or_jwt():
    token = "t" * 40
    assert server_options({"RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": token})[-3:] == ["--enable-api", "--auth-token", token]
    options = server_options({"RASA_ENABLE_API": "1", "RASA_JWT_SECRET": "j" * 40})
    assert options[-5:] == ["--enable-api", "--jwt-secret", "j" * 40, "--jwt-method", "HS256"]

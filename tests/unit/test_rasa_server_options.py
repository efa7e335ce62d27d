"""The Rasa server is locked down by default: API off, CORS to the configured origins only;
a production server refuses to start without the hospital's origins."""

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.rasa_server_options import UnsafeSetting, server_options

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://www.example-hospital.org"


def test_default_is_api_off_and_local_web_chat_origin_only():
    options = server_options({})
    assert "--enable-api" not in options
    assert options == ["--cors", "http://localhost:8080", "http://127.0.0.1:8080"]


def test_configured_origins():
    assert server_options({"ALLOWED_ORIGINS": "https://www.example.org"}) == ["--cors", "https://www.example.org"]


@pytest.mark.parametrize(
    "origins", ["*", "", " ", "www.example.org", "https://a.org *", "https://a.org/chat", "https://user@a.org"]
)
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
    assert server_options({"RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": token})[-2:] == [
        "--enable-api",
        f"--auth-token={token}",
    ]
    options = server_options({"RASA_ENABLE_API": "1", "RASA_JWT_SECRET": "j" * 40})
    assert options[-4:] == ["--enable-api", f"--jwt-secret={'j' * 40}", "--jwt-method", "HS256"]


def test_a_secret_that_starts_with_a_dash_is_passed_as_its_option_s_value():
    """secrets.token_urlsafe() starts with "-" one time in 64: `rasa run -t -abc` would be an error."""
    import argparse

    token = "-" + "a" * 39
    options = server_options({"RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": token})
    parser = argparse.ArgumentParser()
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("-t", "--auth-token")
    assert parser.parse_args(options[-2:]).auth_token == token


# the web chat's session secret a production server needs as well (webchat/session_ids.py)
SECRET = {"WEBCHAT_SESSION_SECRET": "a-long-random-session-secret-0123456789"}


def test_production_needs_the_origins_set():
    with pytest.raises(UnsafeSetting, match="ALLOWED_ORIGINS is not set"):
        server_options(SECRET, production=True)
    with pytest.raises(UnsafeSetting, match="ALLOWED_ORIGINS is empty"):
        server_options({**SECRET, "ALLOWED_ORIGINS": ""}, production=True)
    assert server_options({**SECRET, "ALLOWED_ORIGINS": "https://www.example-hospital.org"}, production=True) == [
        "--cors",
        "https://www.example-hospital.org",
    ]


def test_production_needs_a_long_session_secret_development_does_not_ask_here():
    origins = {"ALLOWED_ORIGINS": "https://www.example-hospital.org"}
    with pytest.raises(UnsafeSetting, match="WEBCHAT_SESSION_SECRET is not set"):
        server_options(origins, production=True)
    with pytest.raises(UnsafeSetting, match="WEBCHAT_SESSION_SECRET is shorter than 32 characters"):
        server_options({**origins, "WEBCHAT_SESSION_SECRET": "short"}, production=True)
    # `make run` makes one in development; the channel itself refuses to start without it
    assert server_options(origins) == ["--cors", "https://www.example-hospital.org"]
    refused = run_script(["--production"], {"PATH": "/usr/bin:/bin", **origins})
    assert refused.returncode == 1 and "WEBCHAT_SESSION_SECRET is not set" in refused.stderr
    assert "secrets.token_urlsafe(32)" in refused.stderr  # how to make one


def run_script(args, env):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "rasa_server_options.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_script_refuses_to_start_production_without_origins_and_names_the_variable():
    refused = run_script(["--production"], {"PATH": "/usr/bin:/bin"})
    assert refused.returncode == 1 and refused.stdout == ""
    assert "ALLOWED_ORIGINS is not set" in refused.stderr and "Traceback" not in refused.stderr
    empty = run_script([], {"PATH": "/usr/bin:/bin", "ALLOWED_ORIGINS": ""})
    assert empty.returncode == 1 and "ALLOWED_ORIGINS is empty" in empty.stderr
    started = run_script(
        ["--production"], {"PATH": "/usr/bin:/bin", "ALLOWED_ORIGINS": "https://www.example-hospital.org", **SECRET}
    )
    assert started.returncode == 0 and started.stdout.split() == ["--cors", "https://www.example-hospital.org"]


def test_production_origins_include_the_web_chat_page_itself():
    page = "https://chat.example-hospital.org/"
    with pytest.raises(UnsafeSetting, match="does not list https://chat.example-hospital.org,"):
        server_options({**SECRET, "ALLOWED_ORIGINS": "https://www.example-hospital.org"}, production=True, page=page)
    both = "https://chat.example-hospital.org https://www.example-hospital.org"
    assert server_options({**SECRET, "ALLOWED_ORIGINS": both}, production=True, page=page)[1:] == both.split()
    refused = run_script(["--production", "--page", page], {"PATH": "/usr/bin:/bin", "ALLOWED_ORIGINS": SITE, **SECRET})
    assert refused.returncode == 1 and "does not list https://chat.example-hospital.org" in refused.stderr

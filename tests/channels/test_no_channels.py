"""With no channel variables set, the server starts with rest and socketio only."""

import subprocess
import sys

import pytest
import requests

from tests.live.conftest import ROOT, TEST_CARE_TEAM_PHONE, Servers

MESSAGING = ["twilio", "facebook", "telegram", "slack"]


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    with Servers(tmp_path_factory.mktemp("no-channels")) as servers:
        yield servers


def test_the_render_script_turns_on_only_rest_and_socketio(tmp_path):
    out = tmp_path / "credentials.yml"
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_credentials.py"), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[0] == "channels on: rest, socketio"
    assert "channels off (their variables are not set): twilio, facebook, telegram, slack" in result.stdout
    rendered = out.read_text()
    assert not any(f"addons.channels.{channel}." in rendered for channel in MESSAGING) and "${" not in rendered
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_server_starts_and_serves_rest_and_socketio_only(plain):
    assert plain.channels_summary[0] == "channels on: rest, socketio"
    base = f"http://127.0.0.1:{plain.rasa_port}"
    assert requests.get(f"{base}/webhooks/rest/", timeout=10).status_code == 200
    handshake = requests.get(f"{base}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert handshake.status_code == 200 and '"sid"' in handshake.text
    for channel in MESSAGING:
        assert requests.post(f"{base}/webhooks/{channel}/webhook", data={"Body": "hi"}, timeout=10).status_code == 404
    reply = plain.say("parent-no-channels", "she has a fever of 101.5")
    assert reply.startswith("Call now") and TEST_CARE_TEAM_PHONE in reply

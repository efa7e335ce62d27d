"""The web chat site nginx serves in a deployment (webchat/site.py): the page, its config and its
headers are the development server's, and it refuses to run without the public origin and the
numbers."""

from __future__ import annotations

import pytest

from tests.unit.deploy_files import ROOT


@pytest.fixture()
def webchat_site():
    import importlib.util

    spec = importlib.util.spec_from_file_location("webchat_site", ROOT / "webchat" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_webchat_site_writes_the_page_config_and_headers_as_the_dev_server_does(webchat_site, tmp_path):
    import shutil

    from clinical.settings import load_settings
    from webchat.server import PUBLIC, config_script, security_headers

    public = tmp_path / "public-src"
    shutil.copytree(PUBLIC, public, ignore=shutil.ignore_patterns("vendor"))
    (public / "vendor").mkdir()
    (public / "vendor" / "socket.io.min.js").write_text("/* socket.io */")
    env = {
        "WEBCHAT_RASA_URL": "https://chat.example.org",
        "HOSPITAL_CARE_TEAM_PHONE": "+1 555 010 0100",
        "HOSPITAL_AFTER_HOURS_PHONE": "+1 555 010 0101",
    }
    out = tmp_path / "site"
    webchat_site.write_site(out, env, public=public)
    webchat_site.write_site(out, env, public=public)  # a restart replaces the site
    assert (out / "public" / "index.html").read_text() == (PUBLIC / "index.html").read_text()
    assert (out / "public" / "vendor" / "socket.io.min.js").is_file()
    config = (out / "public" / "config.js").read_bytes()
    assert config == config_script("https://chat.example.org", load_settings(environ=env))
    assert b"+1 555 010 0100" in config
    headers = (out / "security-headers.conf").read_text()
    for name, value in security_headers("https://chat.example.org").items():
        assert f'add_header {name} "{value}" always;' in headers
    assert "wss://chat.example.org" in headers
    assert not (out / ".public.new").exists()


def test_webchat_site_refuses_to_run_without_the_public_origin_and_the_numbers(
    webchat_site, monkeypatch, tmp_path, capsys
):
    for name in webchat_site.REQUIRED:
        monkeypatch.delenv(name, raising=False)
    assert webchat_site.main(["--out", str(tmp_path / "site")]) == 1
    error = capsys.readouterr().err
    assert "WEBCHAT_RASA_URL is not set" in error and "HOSPITAL_CARE_TEAM_PHONE is not set" in error
    assert not (tmp_path / "site").exists()

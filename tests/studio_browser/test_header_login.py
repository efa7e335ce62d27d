"""The studio behind the hospital's login (deploy/README.md "Content studio"): a second
`python -m studio` with STUDIO_TRUSTED_USER_HEADER, as the deployments run it behind oauth2-proxy.
The person the header names is signed in with their roles from the accounts file; a name with no
account, or no header, gets no access; the password form is off; the roles still hold (403)."""

import os
import subprocess
import sys

import pytest
import requests

from scripts.model_servers import free_port, wait_until_up
from scripts.process_group import start_in_own_group, stop_group
from studio.accounts import Accounts
from tests.conftest import ROOT

HEADER = "X-Forwarded-User"


@pytest.fixture(scope="module")
def behind_login(tmp_path_factory, studio_server):
    tmp = tmp_path_factory.mktemp("studio-header")
    state = tmp / "state"
    accounts = Accounts(state / "accounts.yml")
    accounts.save("ana@hospital.example.org", "Ana Editor", "ana@hospital.example.org", ["editor"], "")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STUDIO_REPO": str(studio_server.repo),
        "STUDIO_STATE_DIR": str(state),
        "STUDIO_PORT": str(port),
        "STUDIO_TRUSTED_USER_HEADER": HEADER,
        "STUDIO_TRUSTED_PROXIES": "127.0.0.1",
        "STUDIO_ENDPOINTS": str(tmp / "no-conversations.yml"),
        "PYTHONWARNINGS": "ignore",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    (tmp / "no-conversations.yml").write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: absent.db\n")
    log = tmp / "studio.log"
    with open(log, "w") as output:
        process = start_in_own_group(
            [sys.executable, "-m", "studio"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log, timeout=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(process, grace=30)


def test_the_person_the_proxy_names_is_signed_in_with_their_roles(behind_login):
    person = requests.Session()
    page = person.get(behind_login + "/", headers={HEADER: "Ana@Hospital.example.org"}, timeout=30)
    assert page.status_code == 200 and "Ana Editor" in page.text and "Sign out" not in page.text
    assert "httponly" in page.headers["Set-Cookie"].lower() and "samesite=strict" in page.headers["Set-Cookie"].lower()
    # the password form is off: the hospital's login is the only way in
    assert person.get(behind_login + "/login", headers={HEADER: "ana@hospital.example.org"}, timeout=30).url.endswith(
        "/"
    )
    # the roles still hold: an editor's publish is refused by the server
    inbox = person.get(behind_login + "/inbox", headers={HEADER: "ana@hospital.example.org"}, timeout=30)
    csrf = inbox.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    refused = person.post(
        behind_login + "/review/ana@hospital.example.org/publish",
        data={"csrf": csrf},
        headers={HEADER: "ana@hospital.example.org"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403 and "needs the clinical reviewer or translator role" in refused.text


def test_a_name_without_an_account_or_no_header_gets_no_access(behind_login):
    for headers in ({HEADER: "mallory@elsewhere.example.org"}, {}):
        page = requests.get(behind_login + "/inbox", headers=headers, allow_redirects=False, timeout=30)
        assert page.status_code == 403 and "no content studio role" in page.text

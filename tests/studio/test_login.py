"""Who may use the studio: accounts with scrypt-hashed passwords (make studio-user), sessions that
end, the CSRF token, the login's rate limit, the settings' plain refusals, and the trusted proxy."""

import os
import subprocess
import sys

import pytest
import yaml

from studio.accounts import AccountError, Accounts, hash_password, verify_password
from studio.sessions import FAILED_LOGINS, LOCKOUT_SECONDS, MAX_SESSION_SECONDS, Sessions
from studio.settings import SettingsError, StudioSettings, load_settings, trusted
from tests.conftest import ROOT


def test_a_password_is_stored_as_a_salted_scrypt_hash_and_checked():
    stored = hash_password("a long enough secret")
    assert stored.startswith("scrypt$16384$8$1$") and "a long enough secret" not in stored
    assert hash_password("a long enough secret") != stored  # a salt of its own each time
    assert verify_password("a long enough secret", stored)
    assert not verify_password("a long enough secreT", stored)
    assert not verify_password("anything", "not a hash")


def test_the_accounts_file_holds_hashes_only_readable_by_its_owner(tmp_path):
    accounts = Accounts(tmp_path / "accounts.yml")
    accounts.save("ana.ruiz", "Ana Ruiz", "ana@hospital.example.org", ["editor", "translator"], "first password!")
    text = (tmp_path / "accounts.yml").read_text()
    assert "first password!" not in text
    assert oct(os.stat(tmp_path / "accounts.yml").st_mode & 0o777) == "0o600"
    assert accounts.authenticate("ana.ruiz", "first password!").roles == ("editor", "translator")
    assert accounts.authenticate("ana.ruiz", "wrong password") is None
    assert accounts.authenticate("nobody", "first password!") is None
    # a change of roles without a password keeps the password
    accounts.save("ana.ruiz", "Ana Ruiz", "ana@hospital.example.org", ["clinical_reviewer"], None)
    assert accounts.authenticate("ana.ruiz", "first password!").roles == ("clinical_reviewer",)


@pytest.mark.parametrize(
    "user, email, roles, password, says",
    [
        ("Ana Ruiz", "ana@x.org", ["editor"], "long enough pw", "user name"),
        ("ana", "not an address", ["editor"], "long enough pw", "is not an e-mail address"),
        ("ana", "ana@x.org", ["admin"], "long enough pw", "choose from editor, clinical_reviewer, translator"),
        ("ana", "ana@x.org", ["editor"], "short", "shorter than 10 characters"),
    ],
)
def test_a_bad_account_is_refused_with_what_to_do(tmp_path, user, email, roles, password, says):
    with pytest.raises(AccountError, match=says):
        Accounts(tmp_path / "accounts.yml").save(user, "Ana", email, roles, password)
    assert not (tmp_path / "accounts.yml").exists()


def test_make_studio_user_adds_an_account_without_a_terminal(tmp_path):
    state = tmp_path / "state"
    done = subprocess.run(
        [sys.executable, "-m", "studio.accounts", "--user", "rita", "--name", "Rita Reviewer", "--email"]
        + ["rita@hospital.example.org", "--roles", "clinical_reviewer", "--password-stdin"],
        input="a password for rita\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "STUDIO_STATE_DIR": str(state), "STUDIO_REPO": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "rita (Rita Reviewer, clinical reviewer) saved" in done.stdout
    saved = yaml.safe_load((state / "accounts.yml").read_text())["users"]["rita"]
    assert verify_password("a password for rita", saved["password"])


def test_a_session_ends_after_the_idle_time_and_at_most_twelve_hours_after_login():
    now = [1000.0]
    sessions = Sessions(idle_minutes=30, clock=lambda: now[0])
    session = sessions.start("ana")
    now[0] += 29 * 60
    assert sessions.get(session.token) is session  # used: the idle time starts again
    now[0] += 31 * 60
    assert sessions.get(session.token) is None
    steady = sessions.start("ana")
    for _ in range(int(MAX_SESSION_SECONDS / (20 * 60)) + 1):
        now[0] += 20 * 60
        sessions.get(steady.token)
    assert sessions.get(steady.token) is None
    assert sessions.get("made-up-token") is None


def test_the_csrf_token_must_be_the_sessions_own():
    sessions = Sessions(idle_minutes=30)
    ana, ben = sessions.start("ana"), sessions.start("ben")
    assert Sessions.csrf_ok(ana, ana.csrf)
    assert not Sessions.csrf_ok(ana, ben.csrf)
    assert not Sessions.csrf_ok(ana, None) and not Sessions.csrf_ok(None, ana.csrf)


def test_five_failed_logins_wait_a_minute():
    now = [0.0]
    sessions = Sessions(idle_minutes=30, clock=lambda: now[0])
    for _ in range(FAILED_LOGINS):
        assert not sessions.locked("user:ana", "ip:127.0.0.1")
        sessions.failed("user:ana", "ip:127.0.0.1")
    assert sessions.locked("user:ana") and sessions.locked("ip:127.0.0.1")
    now[0] += LOCKOUT_SECONDS + 1
    assert not sessions.locked("user:ana", "ip:127.0.0.1")


def test_the_studio_listens_on_loopback_unless_told_otherwise():
    settings = load_settings({"STUDIO_REPO": str(ROOT)})
    assert settings.host == "127.0.0.1" and settings.loopback and settings.url == "http://127.0.0.1:8090/"
    assert settings.publish_branch == "content/studio" and settings.trusted_user_header is None
    assert not load_settings({"STUDIO_REPO": str(ROOT), "STUDIO_HOST": "0.0.0.0"}).loopback


@pytest.mark.parametrize(
    "variable, value, says",
    [
        ("STUDIO_PORT", "80a", "STUDIO_PORT is '80a': set it to a whole number from 1 to 65535"),
        ("STUDIO_PUBLISH_BRANCH", "../main", "which is not a git branch name"),
        ("STUDIO_TRUSTED_USER_HEADER", "X User", "set it to a header name such as X-Forwarded-User"),
        ("STUDIO_TRUSTED_PROXIES", "the proxy", "list IP addresses or networks"),
        ("STUDIO_SESSION_MINUTES", "0", "from 1 to 1440"),
    ],
)
def test_a_bad_setting_stops_the_studio_naming_it(variable, value, says):
    with pytest.raises(SettingsError, match=says.replace("(", r"\(").replace(")", r"\)")):
        load_settings({"STUDIO_REPO": str(ROOT), variable: value})


def test_a_folder_that_is_not_a_git_repository_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="not a git repository"):
        load_settings({"STUDIO_REPO": str(tmp_path)})


def test_the_user_header_is_believed_from_the_trusted_proxies_only():
    settings = StudioSettings(trusted_proxies=frozenset({"10.0.0.0/8", "127.0.0.1"}))
    assert trusted(settings, "10.2.3.4") and trusted(settings, "127.0.0.1")
    assert not trusted(settings, "192.168.1.5") and not trusted(settings, "not an address")

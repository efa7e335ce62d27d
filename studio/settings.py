"""The studio's settings, from STUDIO_* environment variables (deploy/README.md lists them). A bad
value stops the studio at start with a message that names the variable and the fix.

  STUDIO_HOST, STUDIO_PORT     where it listens: 127.0.0.1:8090 by default (loopback only unless set)
  STUDIO_REPO                  the git repository of the content (default: this project)
  STUDIO_STATE_DIR             drafts, accounts, work trees, candidate models (default run/studio)
  STUDIO_PUBLISH_BRANCH        the branch publishing commits to (default content/studio)
  STUDIO_BASE_BRANCH           where a new publish branch starts (default: the repository's branch)
  STUDIO_PUSH_REMOTE           a git remote each publish is pushed to (e.g. origin); none if empty
  STUDIO_ACCOUNTS              the accounts file (default STUDIO_STATE_DIR/accounts.yml)
  STUDIO_TRUSTED_USER_HEADER   the reverse proxy's user header (e.g. X-Forwarded-User); off if empty
  STUDIO_TRUSTED_PROXIES       the addresses the header is believed from (default 127.0.0.1 ::1)
  STUDIO_SESSION_MINUTES       a session ends after this long without a request (default 60)
  STUDIO_SECURE_COOKIES        1 behind HTTPS: the session cookie is sent over HTTPS only
  STUDIO_REVIEW_INTERVAL_DAYS  an answer is due for review this long after its review date (365)
  STUDIO_ENDPOINTS             the endpoints file whose tracker store holds the conversations
                               (default $RASA_ENDPOINTS, else endpoints.yml: the SQLite of make run)
  STUDIO_CURRENT_MODEL         the model parents talk to now (default models/neutropenia-assistant.tar.gz)
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import FrozenSet, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 8090
BRANCH = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,100}(?<![/.])$")
HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class SettingsError(SystemExit):
    """A setting that cannot work: its message names the variable and the fix."""


@dataclass(frozen=True)
class StudioSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    repo: Path = ROOT
    state: Path = ROOT / "run" / "studio"
    publish_branch: str = "content/studio"
    base_branch: str = "main"
    push_remote: Optional[str] = None
    accounts_file: Path = ROOT / "run" / "studio" / "accounts.yml"
    trusted_user_header: Optional[str] = None
    trusted_proxies: FrozenSet[str] = field(default_factory=lambda: frozenset({"127.0.0.1", "::1"}))
    session_minutes: int = 60
    secure_cookies: bool = False
    review_interval_days: int = 365
    endpoints: Path = ROOT / "endpoints.yml"
    current_model: Path = ROOT / "models" / "neutropenia-assistant.tar.gz"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"


def _number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} is {raw!r}: set it to a whole number from {low} to {high} (default {default}).")
    return int(raw)


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = (env.get(name) or "").strip()
    path = Path(raw) if raw else default
    return path if path.is_absolute() else (ROOT / path)


def current_branch(repo: Path) -> Optional[str]:
    done = subprocess.run(
        ["git", "-C", str(repo), "symbolic-ref", "--quiet", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or None if done.returncode == 0 else None


def load_settings(env: Optional[Mapping[str, str]] = None) -> StudioSettings:
    env = os.environ if env is None else env
    host = (env.get("STUDIO_HOST") or "127.0.0.1").strip()
    port = _number(env, "STUDIO_PORT", DEFAULT_PORT, 1, 65535)
    repo = _path(env, "STUDIO_REPO", ROOT)
    if not (repo / ".git").exists():
        raise SettingsError(
            f"STUDIO_REPO is {repo}, which is not a git repository: the studio publishes content as git "
            f"commits. Set STUDIO_REPO to a clone of the assistant's repository."
        )
    state = _path(env, "STUDIO_STATE_DIR", ROOT / "run" / "studio")
    branch = (env.get("STUDIO_PUBLISH_BRANCH") or "content/studio").strip()
    base = str(env.get("STUDIO_BASE_BRANCH") or current_branch(repo) or "main").strip()
    for name, value in (("STUDIO_PUBLISH_BRANCH", branch), ("STUDIO_BASE_BRANCH", base)):
        if not BRANCH.match(value):
            raise SettingsError(f"{name} is {value!r}, which is not a git branch name: e.g. content/studio or main.")
    push_remote = (env.get("STUDIO_PUSH_REMOTE") or "").strip() or None
    if push_remote and not re.match(r"^[A-Za-z0-9._-]{1,64}$", push_remote):
        raise SettingsError(f"STUDIO_PUSH_REMOTE is {push_remote!r}: set it to the name of a git remote, e.g. origin.")
    user_header = (env.get("STUDIO_TRUSTED_USER_HEADER") or "").strip() or None
    if user_header and not HEADER.match(user_header):
        raise SettingsError(
            f"STUDIO_TRUSTED_USER_HEADER is {user_header!r}: set it to a header name such as X-Forwarded-User."
        )
    proxies = frozenset((env.get("STUDIO_TRUSTED_PROXIES") or "127.0.0.1 ::1").split())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(
                f"STUDIO_TRUSTED_PROXIES has {proxy!r}: list IP addresses or networks (10.0.0.0/8), space-separated."
            ) from None
    endpoints_default = Path(env.get("RASA_ENDPOINTS") or "endpoints.yml")
    return StudioSettings(
        host=host,
        port=port,
        repo=repo,
        state=state,
        publish_branch=branch,
        base_branch=base,
        push_remote=push_remote,
        accounts_file=_path(env, "STUDIO_ACCOUNTS", state / "accounts.yml"),
        trusted_user_header=user_header,
        trusted_proxies=proxies,
        session_minutes=_number(env, "STUDIO_SESSION_MINUTES", 60, 1, 24 * 60),
        secure_cookies=(env.get("STUDIO_SECURE_COOKIES") or "").strip().lower() in ("1", "true", "yes"),
        review_interval_days=_number(env, "STUDIO_REVIEW_INTERVAL_DAYS", 365, 1, 3650),
        endpoints=_path(env, "STUDIO_ENDPOINTS", endpoints_default),
        current_model=_path(env, "STUDIO_CURRENT_MODEL", ROOT / "models" / "neutropenia-assistant.tar.gz"),
    )


def trusted(settings: StudioSettings, address: str) -> bool:
    """Whether a request from `address` may name its user in the trusted header."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(proxy, strict=False) for proxy in settings.trusted_proxies)

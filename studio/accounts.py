"""The studio's accounts: a YAML file (STUDIO_ACCOUNTS, default run/studio/accounts.yml, never in the
repository) with each person's name, e-mail, roles and password hash. `make studio-user` adds or
changes one:

  python -m studio.accounts [--user ana --name "Ana Ruiz" --email ana@hospital.org --roles editor,translator]
                            [--password-stdin | --no-password]

Passwords are hashed with the standard library's scrypt (n=2**14, r=8, p=1, a 16-byte salt each)
and compared in constant time; the file is written readable by its owner only. Behind the hospital's
login (STUDIO_TRUSTED_USER_HEADER) people have no password here: the file gives their roles
(--no-password). The roles:

  editor             the inbox, answers, new topics, try it (drafts only: cannot publish)
  clinical_reviewer  signs off answer changes, new topics and urgent phrases; publishes
  translator         edits Spanish answers, signs off translations; publishes translation-only changes
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

EDITOR, CLINICAL_REVIEWER, TRANSLATOR = "editor", "clinical_reviewer", "translator"
ROLES = (EDITOR, CLINICAL_REVIEWER, TRANSLATOR)
ROLE_NAMES = {EDITOR: "editor", CLINICAL_REVIEWER: "clinical reviewer", TRANSLATOR: "translator"}
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 10


class AccountError(ValueError):
    """A bad account value, with what to do instead."""


@dataclass(frozen=True)
class Account:
    user: str
    name: str
    email: str
    roles: Tuple[str, ...]
    password_hash: str = field(default="", repr=False)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def role_names(self) -> str:
        return ", ".join(ROLE_NAMES[r] for r in self.roles)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    encode = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


def check_account(user: str, name: str, email: str, roles: Sequence[str]) -> None:
    if not USER_NAME.match(user or ""):
        raise AccountError(f"user name {user!r}: lower-case letters, digits and . _ @ - only (e.g. ana.ruiz)")
    if not name.strip() or len(name) > 100 or re.search(r"[<>\n\r]", name):
        raise AccountError("the full name is empty, too long or has < > or a line break")
    if not EMAIL.match(email or ""):
        raise AccountError(f"e-mail {email!r} is not an e-mail address (it becomes the commits' author)")
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise AccountError(f"roles {', '.join(unknown) or '(none)'}: choose from {', '.join(ROLES)}")


class Accounts:
    """The accounts file, read again whenever it changes (`make studio-user` while the studio runs)."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: Optional[Tuple[float, int]] = None
        self._accounts: Dict[str, Account] = {}

    def _load(self) -> Dict[str, Account]:
        if not self.path.exists():
            self._accounts, self._stamp = {}, None
            return self._accounts
        stat = self.path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        if stamp != self._stamp:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            accounts = {}
            for user, entry in (data.get("users") or {}).items():
                accounts[str(user)] = Account(
                    user=str(user),
                    name=str(entry.get("name") or user),
                    email=str(entry.get("email") or ""),
                    roles=tuple(r for r in entry.get("roles") or [] if r in ROLES),
                    password_hash=str(entry.get("password") or ""),
                )
            self._accounts, self._stamp = accounts, stamp
        return self._accounts

    def get(self, user: str) -> Optional[Account]:
        return self._load().get(user)

    def all(self) -> List[Account]:
        return sorted(self._load().values(), key=lambda a: a.user)

    def authenticate(self, user: str, password: str) -> Optional[Account]:
        account = self.get(user)
        if account is None or not account.password_hash:
            # the same work as a real check, so a wrong user name takes as long as a wrong password
            verify_password(password, hash_password("not an account"))
            return None
        return account if verify_password(password, account.password_hash) else None

    def save(self, user: str, name: str, email: str, roles: Sequence[str], password: Optional[str]) -> Account:
        """Adds or changes one account; password None keeps the stored one, "" removes it."""
        check_account(user, name, email, roles)
        if password and len(password) < MIN_PASSWORD:
            raise AccountError(f"the password is shorter than {MIN_PASSWORD} characters")
        data = yaml.safe_load(self.path.read_text(encoding="utf-8")) if self.path.exists() else None
        users = (data or {}).get("users") or {}
        entry = {"name": name.strip(), "email": email.strip(), "roles": list(roles)}
        if password:
            entry["password"] = hash_password(password)
        elif password is None and users.get(user, {}).get("password"):
            entry["password"] = users[user]["password"]
        users[user] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            "# The content studio's accounts (make studio-user). Passwords are scrypt hashes; keep this\n"
            "# file out of the repository, readable by the studio's user only.\n"
            + yaml.safe_dump({"users": users}, allow_unicode=True, sort_keys=True)
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
        self._stamp = None
        account = self.get(user)
        assert account is not None
        return account


def _ask(prompt: str, default: str = "") -> str:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    answer = input(shown).strip()
    return answer or default


def main(argv: Optional[Sequence[str]] = None) -> int:
    from studio.settings import SettingsError, load_settings

    parser = argparse.ArgumentParser(prog="make studio-user", description="Add or change a content studio account.")
    parser.add_argument("--user", help="the login name, e.g. ana.ruiz")
    parser.add_argument("--name", help="the full name, as commits and sign-offs show it")
    parser.add_argument("--email", help="the e-mail address (the commits' author)")
    parser.add_argument("--roles", help=f"comma-separated: {', '.join(ROLES)}")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    secret.add_argument("--no-password", action="store_true", help="no password: behind the hospital's login only")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    accounts = Accounts(settings.accounts_file)
    first = not accounts.all()
    try:
        user = args.user or _ask("login name (lower case, e.g. ana.ruiz)")
        existing = accounts.get(user)
        name = args.name or _ask("full name", existing.name if existing else "")
        email = args.email or _ask("e-mail", existing.email if existing else "")
        default_roles = ",".join(existing.roles) if existing else (",".join(ROLES) if first else EDITOR)
        roles = [r.strip() for r in (args.roles or _ask(f"roles ({', '.join(ROLES)})", default_roles)).split(",")]
        password: Optional[str]
        if args.no_password:
            password = ""
        elif args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password (at least {MIN_PASSWORD} characters): ")
            if password != getpass.getpass("the same password again: "):
                print("The two passwords differ: nothing was changed.", file=sys.stderr)
                return 1
        account = accounts.save(user, name, email, roles, password)
    except AccountError as error:
        print(f"Not saved: {error}.", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("\nCancelled: nothing was changed.", file=sys.stderr)
        return 130
    print(f"{account.user} ({account.name}, {account.role_names}) saved in {settings.accounts_file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

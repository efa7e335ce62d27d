"""Prints the `rasa run` options that lock the Rasa server down, one per line, from the environment.

* The HTTP API (--enable-api: read and change any conversation, replace the model) is off unless
  RASA_ENABLE_API=true, and then only with RASA_AUTH_TOKEN or RASA_JWT_SECRET (32+ characters).
  There is no default secret.
* CORS allows the site origins in ALLOWED_ORIGINS (space-separated), never "*" and never empty
  (webchat/origins.py: the rule the chat socket applies too). Unset, it is the local web chat
  page http://localhost:8080 (development); with --production it must be set.
* With --production, WEBCHAT_SESSION_SECRET (32+ characters, webchat/session_ids.py) must be set:
  the web chat signs its session ids with it. (`make run` makes one in development; the socketio
  channel itself refuses to start without it either way.)

    python scripts/rasa_server_options.py [--production] [--page ORIGIN]

--production: a server on endpoints.production.yml (scripts/run_assistant.sh with that file,
deploy/rasa-serve.sh always): ALLOWED_ORIGINS and WEBCHAT_SESSION_SECRET must be set.
--page: the origin the web chat page is served on (deploy/rasa-serve.sh: WEBCHAT_RASA_URL, where
nginx serves the page and the socket together); ALLOWED_ORIGINS must list it, because browsers
send an Origin header on the page's own socket too.

Used by scripts/run_assistant.sh and deploy/rasa-serve.sh; exits 1 with a message saying what to
set when a setting is missing or unsafe.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Mapping, Optional

from webchat.origins import OriginsError, allowed_origins
from webchat.session_ids import SessionSecretError, session_secret

MIN_SECRET_LENGTH = 32


class UnsafeSetting(ValueError):
    pass


def server_options(environ: Mapping[str, str], production: bool = False, page: Optional[str] = None) -> List[str]:
    try:
        origins = allowed_origins(environ, required=production)
    except OriginsError as error:
        raise UnsafeSetting(str(error)) from None
    if production:
        try:
            session_secret(environ)
        except SessionSecretError as error:
            raise UnsafeSetting(str(error)) from None
    page = (page or "").strip().rstrip("/")
    if page and page not in origins:
        raise UnsafeSetting(
            f"ALLOWED_ORIGINS does not list {page}, the origin of the web chat page itself (WEBCHAT_RASA_URL): "
            "add it, or the page's chat could not connect."
        )
    options = ["--cors", *origins]
    if environ.get("RASA_ENABLE_API", "false").strip().lower() in ("1", "true", "yes", "on"):
        token, jwt = environ.get("RASA_AUTH_TOKEN", ""), environ.get("RASA_JWT_SECRET", "")
        if not token and not jwt:
            raise UnsafeSetting(
                "RASA_ENABLE_API is on but neither RASA_AUTH_TOKEN nor RASA_JWT_SECRET is set: the HTTP API "
                "would let anyone read every conversation. Set one, or leave the API off."
            )
        for name, value in (("RASA_AUTH_TOKEN", token), ("RASA_JWT_SECRET", jwt)):
            if value and len(value) < MIN_SECRET_LENGTH:
                raise UnsafeSetting(f"{name} is shorter than {MIN_SECRET_LENGTH} characters; use a long random value.")
        options.append("--enable-api")
        # "--option=value": a secret that starts with "-" would otherwise be read as an option
        if token:
            options.append(f"--auth-token={token}")
        if jwt:
            options += [f"--jwt-secret={jwt}", "--jwt-method", environ.get("RASA_JWT_METHOD", "HS256")]
    return options


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--production",
        action="store_true",
        help="a production server: ALLOWED_ORIGINS and WEBCHAT_SESSION_SECRET must be set",
    )
    parser.add_argument("--page", metavar="ORIGIN", help="the web chat page's origin: ALLOWED_ORIGINS must list it")
    args = parser.parse_args(argv)
    try:
        print("\n".join(server_options(os.environ, production=args.production, page=args.page)))
    except UnsafeSetting as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Prints the `rasa run` options that lock the Rasa server down, one per line, from the environment.

* The HTTP API (--enable-api: read and change any conversation, replace the model) is off unless
  RASA_ENABLE_API=true, and then only with RASA_AUTH_TOKEN or RASA_JWT_SECRET (32+ characters).
  There is no default secret.
* CORS allows the site origins in ALLOWED_ORIGINS (space-separated; default the local web chat
  page http://localhost:8080), never "*".

Used by scripts/run_assistant.sh; exits 1 with a message saying what to set when a setting is unsafe.
"""
from __future__ import annotations

import os
import sys
from typing import List, Mapping

DEFAULT_ORIGINS = "http://localhost:8080 http://127.0.0.1:8080"
MIN_SECRET_LENGTH = 32


class UnsafeSetting(ValueError):
    pass


def server_options(environ: Mapping[str, str]) -> List[str]:
    origins = environ.get("ALLOWED_ORIGINS", DEFAULT_ORIGINS).split()
    if not origins or any(o == "*" or not o.startswith(("http://", "https://")) for o in origins):
        raise UnsafeSetting(
            f"ALLOWED_ORIGINS is {environ.get('ALLOWED_ORIGINS')!r}: list the site origins that embed the chat, "
            "e.g. 'https://www.example-hospital.org' (never '*')."
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
        if token:
            options += ["--auth-token", token]
        if jwt:
            options += ["--jwt-secret", jwt, "--jwt-method", environ.get("RASA_JWT_METHOD", "HS256")]
    return options


def main() -> int:
    try:
        print("\n".join(server_options(os.environ)))
    except UnsafeSetting as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

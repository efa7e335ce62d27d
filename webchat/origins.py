"""The site origins allowed to open the chat socket (and, with `--cors`, to call the HTTP routes).

ALLOWED_ORIGINS lists them, space-separated: the origins of the pages that embed the chat, e.g.
"https://www.example-hospital.org https://chat.example-hospital.org". Unset, it is the local web
chat page of `make run` (development); a production server must set it
(scripts/rasa_server_options.py --production). It is never "*", and an empty value is refused
rather than read as "no check": python-engineio takes an empty list as "no CORS handling", which
would let any web page open a chat socket.

Read by the Rasa server's socketio channel (webchat/socketio_channel.py) and by
scripts/rasa_server_options.py, so both apply the same rule with the same message.
"""

from __future__ import annotations

from typing import List, Mapping

VARIABLE = "ALLOWED_ORIGINS"
DEFAULT_ORIGINS = "http://localhost:8080 http://127.0.0.1:8080"
EXAMPLE = "https://www.example-hospital.org"


class OriginsError(ValueError):
    pass


def _is_origin(value: str) -> bool:
    scheme, _, rest = value.partition("://")
    # an origin is scheme://host[:port], without a path, query or credentials
    return scheme in ("http", "https") and bool(rest) and not any(c in rest for c in "/?#@*")


def allowed_origins(environ: Mapping[str, str], required: bool = False) -> List[str]:
    """The origins ALLOWED_ORIGINS names; raises OriginsError, naming the variable, when it is
    unset and `required` (production), empty, "*", or not a list of origins."""
    if VARIABLE not in environ:
        if required:
            raise OriginsError(
                f"{VARIABLE} is not set: a production server needs the origins of the hospital's pages "
                f"that embed the chat, space-separated, e.g. {EXAMPLE!r}."
            )
        return DEFAULT_ORIGINS.split()
    value = environ[VARIABLE]
    origins = value.split()
    if not origins:
        raise OriginsError(
            f"{VARIABLE} is empty: list the origins of the pages that embed the chat, e.g. {EXAMPLE!r} "
            "(an empty list would let any web page open a chat socket)."
        )
    bad = [o for o in origins if not _is_origin(o.rstrip("/"))]
    if bad:
        raise OriginsError(
            f"{VARIABLE} has {' '.join(repr(o) for o in bad)}: list the origins of the pages that embed the chat "
            f"(scheme://host[:port], no path), e.g. {EXAMPLE!r} (never '*')."
        )
    # a browser's Origin header never ends with "/"
    return [o.rstrip("/") for o in origins]

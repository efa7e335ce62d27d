"""The web chat's session ids: issued by the server, signed with its secret, never chosen by a client.

A web chat conversation is found by its session id, which the page keeps (localStorage) so that
a reload continues the conversation. Older versions took any well-formed id a client
sent, so a client could choose another browser's id and read and write that parent's conversation.
Now an id is

    <32 hex digits, random>.<43 characters: HMAC-SHA256 of them under WEBCHAT_SESSION_SECRET, base64url>

Only the server can make one; the socketio channel (webchat/socketio_channel.py) replaces any other
id a client sends with a new one, and stores the conversation under the random part. The
standard library's `hmac` does the signing (compared in constant time); the ids need no expiry
of their own: the widget forgets its id after 24 hours without a message, and retention deletes
old conversations (scripts/delete_old_conversations.py).

WEBCHAT_SESSION_SECRET: at least 32 characters, the same on every replica and Sanic worker (a
session signed by one must be read by another). `make run` generates one and keeps it in
run/webchat-session-secret; a deployment must set it (deploy/README.md). Changing it makes every
open page start a new conversation (nothing else is lost).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Any, Mapping, Optional, Tuple

VARIABLE = "WEBCHAT_SESSION_SECRET"
MIN_SECRET_CHARACTERS = 32
HOW_TO_MAKE_ONE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
# what the signature covers besides the id: a secret reused elsewhere cannot sign a session id
PURPOSE = b"neutropenia-assistant web chat session id\x00"
SIGNED_SESSION_ID = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_-]{43})")


class SessionSecretError(ValueError):
    pass


def session_secret(environ: Mapping[str, str]) -> bytes:
    """WEBCHAT_SESSION_SECRET as bytes; raises SessionSecretError, naming the variable, when it is
    unset or shorter than MIN_SECRET_CHARACTERS."""
    value = environ.get(VARIABLE, "").strip()
    if not value:
        raise SessionSecretError(
            f"{VARIABLE} is not set: the web chat signs its session ids with it, so that no client can "
            f"choose another parent's conversation. Set it to a long random value, the same on every "
            f"replica, e.g. from {HOW_TO_MAKE_ONE} (`make run` makes one itself)."
        )
    if len(value) < MIN_SECRET_CHARACTERS:
        raise SessionSecretError(
            f"{VARIABLE} is shorter than {MIN_SECRET_CHARACTERS} characters; use a long random value, "
            f"e.g. from {HOW_TO_MAKE_ONE}."
        )
    return value.encode("utf-8")


class SessionIds:
    """Issues signed session ids and reads them back."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_CHARACTERS:
            raise SessionSecretError(f"the session secret must be at least {MIN_SECRET_CHARACTERS} characters")
        self._secret = secret

    def _signature(self, conversation: str) -> str:
        digest = hmac.new(self._secret, PURPOSE + conversation.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def issue(self) -> Tuple[str, str]:
        """A new session: (its id, a random conversation id and its signature; the conversation id)."""
        conversation = secrets.token_hex(16)
        return f"{conversation}.{self._signature(conversation)}", conversation

    def conversation_of(self, session_id: Any) -> Optional[str]:
        """The conversation id (the random part) of a session id this server signed, else None."""
        match = SIGNED_SESSION_ID.fullmatch(session_id) if isinstance(session_id, str) else None
        if match is None:
            return None
        conversation, signature = match.groups()
        return conversation if hmac.compare_digest(signature, self._signature(conversation)) else None

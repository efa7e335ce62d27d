"""webchat/session_ids.py: the web chat's session ids are the server's, signed with its secret:
one a client made up, changed or signed with another secret reads as none."""

import re

import pytest

from webchat.session_ids import SIGNED_SESSION_ID, SessionIds, SessionSecretError, session_secret

SECRET = b"unit-test-session-secret-0123456789abcdef"


def test_an_issued_id_reads_back_as_its_conversation():
    ids = SessionIds(SECRET)
    session_id, conversation = ids.issue()
    assert SIGNED_SESSION_ID.fullmatch(session_id) and re.fullmatch(r"[0-9a-f]{32}", conversation)
    assert session_id.startswith(conversation + ".")
    assert ids.conversation_of(session_id) == conversation
    assert SessionIds(SECRET).conversation_of(session_id) == conversation  # another worker, the same secret
    assert len({ids.issue()[1] for _ in range(1000)}) == 1000


def test_an_id_the_server_did_not_sign_reads_as_none():
    ids = SessionIds(SECRET)
    session_id, conversation = ids.issue()
    other_conversation = ids.issue()[1]
    forged = [
        conversation,
        f"{other_conversation}.{session_id.split('.')[1]}",  # another id with this signature
        session_id[:-1] + ("A" if session_id[-1] != "A" else "B"),
        session_id.upper(),
        session_id + "x",
        " " + session_id,
        SessionIds(b"another-secret-of-another-server-0123456").issue()[0],
        "aaaaaaaaaaaaaaaa",
        None,
        42,
        [session_id],
    ]
    assert [ids.conversation_of(value) for value in forged] == [None] * len(forged)


@pytest.mark.parametrize("environ", [{}, {"WEBCHAT_SESSION_SECRET": ""}, {"WEBCHAT_SESSION_SECRET": "x" * 31}])
def test_a_missing_or_short_secret_is_refused_naming_the_variable(environ):
    with pytest.raises(SessionSecretError, match="WEBCHAT_SESSION_SECRET"):
        session_secret(environ)


def test_a_long_secret_is_used_as_it_is():
    assert session_secret({"WEBCHAT_SESSION_SECRET": " " + "s" * 32 + "\n"}) == b"s" * 32

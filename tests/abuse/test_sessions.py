"""A chat session belongs to the socket that opened it, against `make run`:
the take-over of the issue fails in both directions, an id the client chose is replaced by a
signed one, a socket that never asked for a session cannot post into one, and a reload with the
signed id the page kept continues the conversation."""

import time

import pytest

from addons.channels.input_guard import conversation_id
from addons.nlg.hospital_nlg import DISCLAIMER
from tests.abuse.chat_client import ChatClient
from tools.harness import TEST_CARE_TEAM_PHONE
from webchat.session_ids import SIGNED_SESSION_ID

CHOSEN = "aaaaaaaaaaaaaaaa"  # the id the probe chose, accepted as it was before
FEVER = "my daughter has a fever of 39.2"
NOT_BREATHING = "she is not breathing"
SETTLE_SECONDS = 3


@pytest.fixture
def clients(assistant):
    opened = []

    def client():
        opened.append(ChatClient(assistant.url("rasa", ""), assistant.page_origin))
        return opened[-1]

    yield client
    for chat in opened:
        chat.close()


def conversation_of(session_id):
    return conversation_id("socketio", session_id.split(".", 1)[0])


def test_a_client_chosen_id_is_replaced_by_a_signed_one_for_each_socket(assistant, clients):
    first, second = clients(), clients()
    ids = first.request_session(CHOSEN), second.request_session(CHOSEN)
    assert all(SIGNED_SESSION_ID.fullmatch(session_id) for session_id in ids)
    assert CHOSEN not in ids and ids[0] != ids[1]


def test_the_two_socket_take_over_fails_in_both_directions(assistant, clients):
    """The issue's probe: a second socket claims the first parent's id; a third, that never asked
    for a session, posts a 911 sign into it. Then the same from the other side."""
    refused_before = assistant.refusals("socketio", "foreign_session")
    parent, other, intruder = clients(), clients(), clients()
    parents_id, others_id = parent.request_session(CHOSEN), other.request_session(CHOSEN)
    assistant.sent_texts.update({FEVER, NOT_BREATHING})
    parent.say(FEVER)
    parent.wait_for("Call now")
    assert any(TEST_CARE_TEAM_PHONE in reply for reply in parent.replies)
    for sender, victim_id in ((intruder, parents_id), (other, parents_id), (parent, others_id)):
        sender.say(NOT_BREATHING, session_id=victim_id)
    time.sleep(SETTLE_SECONDS)
    # the parent got its own answers only: no "Call 911 now" for a message it never sent (the
    # Call-now reply's own text mentions 911 for those signs)
    assert not any("Call 911 now" in reply for reply in parent.replies + other.replies)
    assert not any("Call now" in reply for reply in other.replies + intruder.replies)
    # each refused sender was told, to itself only, to reload, with the number
    for refused in (intruder, other):
        assert any("reload the page" in r and TEST_CARE_TEAM_PHONE in r for r in refused.replies)
    stored = assistant.conversations()
    assert stored[conversation_of(parents_id)] == [FEVER]
    assert conversation_of(others_id) not in stored  # nothing was ever handled in it
    assert assistant.refusals("socketio", "foreign_session") - refused_before == 3


def test_a_reload_with_the_signed_id_keeps_the_conversation(assistant, clients):
    page = clients()
    session_id = page.request_session()
    first = page.ask("what is neutropenia?")
    assert any("Source:" in reply for reply in first) and any(DISCLAIMER in reply for reply in first)
    page.close()
    reloaded = clients()
    assert reloaded.request_session(session_id) == session_id
    second = reloaded.ask("how is it treated?")
    # the same conversation: a new one would start with the disclaimer again
    assert any("Source:" in reply for reply in second) and not any(DISCLAIMER in reply for reply in second)
    assert assistant.conversations()[conversation_of(session_id)] == ["what is neutropenia?", "how is it treated?"]
    assistant.sent_texts.update({"what is neutropenia?", "how is it treated?"})


def test_an_id_with_a_forged_signature_starts_a_new_conversation(assistant, clients):
    real = clients().request_session()
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert clients().request_session(forged) not in (real, forged)

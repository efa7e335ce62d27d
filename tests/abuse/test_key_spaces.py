"""One key space per channel, against `make run` with every messaging channel
on (providers faked): one id, sent on every channel, makes a conversation of each channel's own;
a message sent under it on one channel never enters, nor answers into, another's; the replies
reach the id each provider knows."""

from types import SimpleNamespace

from addons.channels.input_guard import conversation_id
from tests.abuse.chat_client import ChatClient
from tests.channels.test_facebook_channel import is_message_to, messaging_event, post_events
from tests.channels.test_slack_channel import message_event, post_event, posted_to
from tests.channels.test_telegram_channel import post_update, text_update
from tests.channels.test_twilio_channel import sent_to, text_in
from tools.harness import TEST_CARE_TEAM_PHONE

# a Messenger page-scoped id is digits, like a Telegram chat id: the very id the issue names
SHARED_ID = "2400000000000042"
PHONE = "+15550100777"
MESSENGER_PARENT = "my son has a fever of 39"
INTRUDER = "she is not breathing"
CALL_911 = "Call 911 now"  # the 911 reply's start (Call now's own text mentions 911 for those signs)


def test_one_id_on_every_channel_is_a_conversation_of_each_channel_alone(assistant, providers):
    server = SimpleNamespace(url=assistant.url("rasa", ""))
    assistant.sent_texts.update({MESSENGER_PARENT, INTRUDER, "what causes neutropenia?", "what is neutropenia?"})
    # the Messenger parent reports a fever, and is answered at the page-scoped id
    assert post_events(server, messaging_event(SHARED_ID, MESSENGER_PARENT)).status_code == 200
    messenger = providers.wait_for(is_message_to(SHARED_ID))
    assert any("Call now" in (c["json"]["message"].get("text") or "") for c in messenger)
    # the same id on REST, as a socket's session id, and as a Telegram chat: none reaches it
    assert CALL_911 in assistant.say(SHARED_ID, INTRUDER)
    socket = ChatClient(assistant.url("rasa", ""), assistant.page_origin)
    try:
        assert socket.request_session(SHARED_ID) != SHARED_ID
        socket.say(INTRUDER, session_id=SHARED_ID)
        socket.wait_for("reload the page")
    finally:
        socket.close()
    assert post_update(server, text_update(int(SHARED_ID), "what causes neutropenia?")).status_code == 200
    telegram = providers.wait_for(
        lambda c: c["path"].endswith("/sendMessage") and c["form"].get("chat_id") == SHARED_ID
    )
    assert "Source:" in "\n".join(c["form"]["text"] for c in telegram)
    # Slack's user id and a phone number on Twilio and on REST
    assert post_event(server, message_event(SHARED_ID, "D0ABUSE01", "what is neutropenia?")).status_code == 200
    assert posted_to(providers, "D0ABUSE01")
    assert text_in(server, PHONE, MESSENGER_PARENT).status_code == 204
    assert TEST_CARE_TEAM_PHONE in sent_to(providers, PHONE)[0]["form"]["Body"]
    assert "Source:" in assistant.say(PHONE, "what is neutropenia?")

    stored = assistant.conversations()
    assert stored[conversation_id("facebook", SHARED_ID)] == [MESSENGER_PARENT]
    assert stored[conversation_id("rest", SHARED_ID)] == [INTRUDER]
    assert stored[conversation_id("telegram", SHARED_ID)] == ["what causes neutropenia?"]
    assert stored[conversation_id("slack", SHARED_ID)] == ["what is neutropenia?"]
    assert stored[conversation_id("twilio", PHONE)] == [MESSENGER_PARENT]
    assert stored[conversation_id("rest", PHONE)] == ["what is neutropenia?"]
    assert SHARED_ID not in stored and PHONE not in stored  # nothing under a bare id
    assert conversation_id("socketio", SHARED_ID) not in stored
    # no "Call 911 now" reached the Messenger parent, who never wrote that
    messenger_texts = [c["json"]["message"].get("text") or "" for c in providers.sent(is_message_to(SHARED_ID))]
    assert not any(CALL_911 in text for text in messenger_texts)
    # every conversation is in one channel's key space
    channels = ("rest:", "socketio:", "twilio:", "facebook:", "telegram:", "slack:")
    assert all(sender.startswith(channels) for sender in stored)

"""The input guard: long, blank and command-syntax messages, sender ids, the cap per sender, and
each channel's own key space for its conversations (`<channel>:<sender>`)."""

import asyncio
import importlib
import itertools
import logging
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from addons.channels import input_guard
from addons.channels.input_guard import (
    MAX_MESSAGE_CHARACTERS,
    MAX_MESSAGES_IN_FLIGHT_PER_SENDER,
    MAX_SENDER_CHARACTERS,
    GuardedInput,
    RepliesToSender,
    RestInput,
    conversation_id,
    guard_text,
    rest_conversation_id,
    sender_id_problem,
)
from scripts.render_credentials import load_template

ROOT = Path(__file__).resolve().parents[2]


def test_ordinary_message_is_parsed_unchanged():
    assert guard_text("  she has a fever of 101.5 ") == ("parse", "she has a fever of 101.5")


@pytest.mark.parametrize("text", ["/restart", '/report_fever{"triage_decision": "recheck"}', "//greet", "/ask_causes"])
def test_typed_commands_lose_their_slash_and_are_read_as_words(text):
    verdict, parsed = guard_text(text)
    assert verdict == "parse" and not parsed.startswith("/")


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_blank_message_gets_a_prompt_with_the_care_team_number(text):
    verdict, reply = guard_text(text)
    assert verdict == "reply" and "Please type your question" in reply and "(555) 010-0140" in reply


def test_long_message_is_not_parsed():
    verdict, reply = guard_text("a" * (MAX_MESSAGE_CHARACTERS + 1))
    assert verdict == "reply" and "shorten" in reply and "(555) 010-0140" in reply
    assert guard_text("a" * MAX_MESSAGE_CHARACTERS)[0] == "parse"


# --- sender ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    ["+15551234567", "whatsapp:+15551234567", "1234567890123456", "U012AB3CD", "ab" * 64, "élève 1", "a-b_c.d@e"],
)
def test_usable_sender_ids(sender):
    assert sender_id_problem(sender) is None


@pytest.mark.parametrize(
    "sender,problem",
    [
        (None, "non-empty"),
        (42, "non-empty"),
        ("", "non-empty"),
        ("   ", "non-empty"),
        ("a" * (MAX_SENDER_CHARACTERS + 1), "at most 128"),
        ("abc\x00def", "printable"),
        ("abc\ndef", "printable"),
        ("\x1b[31mred", "printable"),
        ("a\u200bb", "printable"),
    ],
)
def test_unusable_sender_ids_say_what_is_wrong(sender, problem):
    assert problem in sender_id_problem(sender)


# --- the guard around a channel's handler ------------------------------------------------------


class FakeChannel(GuardedInput):
    def __init__(self, channel_name="twilio"):
        self.channel_name = channel_name

    def name(self):
        return self.channel_name


def user_message(text, sender="+15551234567"):
    return UserMessage(text, CollectingOutputChannel(), sender)


def test_a_message_from_an_unusable_sender_id_is_dropped_and_the_log_does_not_name_it(caplog):
    handled = []

    async def on_new_message(message):
        handled.append(message)

    bad_id = "+15551234567\x00"
    message = UserMessage("she has a fever", CollectingOutputChannel(), None)
    message.sender_id = bad_id
    with caplog.at_level(logging.WARNING, logger="addons.channels.input_guard"):
        asyncio.run(FakeChannel().guard(on_new_message)(message))
    assert not handled and not message.output_channel.messages
    assert "dropped a message whose sender id must contain printable characters" in caplog.text
    assert "5551234567" not in caplog.text


def test_messages_beyond_the_cap_per_sender_get_the_busy_reply_at_once_with_the_number():
    async def scenario():
        release = asyncio.Event()
        handled = []

        async def on_new_message(message):  # Rasa waiting for the conversation's lock
            handled.append(message.text)
            await release.wait()

        guarded = FakeChannel("twilio").guard(on_new_message)
        waiting = [
            asyncio.create_task(guarded(user_message(f"message {i}"))) for i in range(MAX_MESSAGES_IN_FLIGHT_PER_SENDER)
        ]
        await asyncio.sleep(0)
        over_cap = user_message("she has a fever")
        await asyncio.wait_for(guarded(over_cap), timeout=1)
        # another sender, and the same id on another channel, are not held back
        other_sender = asyncio.create_task(guarded(user_message("hello", sender="+15550000000")))
        same_id_elsewhere = asyncio.create_task(FakeChannel("rest").guard(on_new_message)(user_message("hi")))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*waiting, other_sender, same_id_elsewhere)
        after = user_message("what is neutropenia")
        await guarded(after)
        return handled, over_cap, after

    handled, over_cap, after = asyncio.run(scenario())
    [reply] = over_cap.output_channel.messages
    assert "still answering your earlier messages" in reply["text"] and "(555) 010-0140" in reply["text"]
    assert reply["recipient_id"] == "+15551234567"
    assert "she has a fever" not in handled
    assert len(handled) == MAX_MESSAGES_IN_FLIGHT_PER_SENDER + 3  # the cap held one message only
    assert "what is neutropenia" in handled and not after.output_channel.messages  # freed after the flood
    assert not input_guard._messages_in_flight


def test_a_failing_message_frees_its_place():
    async def failing(message):
        raise RuntimeError("tracker store down")

    guarded = FakeChannel().guard(failing)
    for _ in range(MAX_MESSAGES_IN_FLIGHT_PER_SENDER + 1):
        with pytest.raises(RuntimeError):
            asyncio.run(guarded(user_message("hello")))
    assert not input_guard._messages_in_flight


# --- the REST channel's own conversations ------------------------------------------------------


def test_rest_replies_carry_the_clients_id_while_the_conversation_is_stored_under_rest():
    collector = CollectingOutputChannel()
    stored_under = []

    async def on_new_message(message):
        stored_under.append(message.sender_id)
        await message.output_channel.send_response(message.sender_id, {"text": "Call now.\n\nSecond part"})

    async def receive():
        # what RestInput.blueprint passes to Rasa's route
        handler = RestInput().guard(RestInput.answering_when_cancelled(on_new_message))
        await handler(UserMessage("fever", collector, "+15551234567"))

    asyncio.run(receive())
    assert stored_under == ["rest:+15551234567"] == [rest_conversation_id("+15551234567")]
    assert [m["recipient_id"] for m in collector.messages] == ["+15551234567", "+15551234567"]
    assert [m["text"] for m in collector.messages] == ["Call now.", "Second part"]


def test_a_rest_request_cut_off_by_the_response_timeout_still_names_the_care_team_number():
    collector = CollectingOutputChannel()

    async def on_new_message(message):  # waits for a hung action server
        await asyncio.sleep(60)

    async def receive():
        handler = RestInput().guard(RestInput.answering_when_cancelled(on_new_message))
        task = asyncio.ensure_future(handler(UserMessage("fever", collector, "parent-7")))
        await asyncio.sleep(0.05)
        task.cancel()  # what Sanic does at its response timeout
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(receive())
    [reply] = collector.messages
    assert reply["recipient_id"] == "parent-7"
    assert "could not answer in time" in reply["text"] and "(555) 010-0140" in reply["text"]
    assert not input_guard._messages_in_flight


# --- every channel's own key space ----------------------------------------------------


def credentials_channels():
    """Every input channel class credentials.yml names."""
    classes = []
    for path in load_template(ROOT / "credentials.yml"):
        module, name = path.rsplit(".", 1)
        classes.append(getattr(importlib.import_module(module), name))
    return classes


class RecordingOutput(OutputChannel):
    def __init__(self):
        self.sent = []

    @classmethod
    def name(cls):
        return "recording"

    async def send_text_message(self, recipient_id, text, **kwargs):
        self.sent.append((recipient_id, text))


def stored_and_answered(channel_class, sender):
    """(the conversation id Rasa gets, the recipient its reply reaches) for one message."""
    channel = object.__new__(channel_class)  # the guard needs only the class's name and output wrapper
    stored = []

    async def on_new_message(message):
        stored.append(message.sender_id)
        await message.output_channel.send_response(message.sender_id, {"text": "Call now"})

    output = RecordingOutput() if channel_class is not RestInput else CollectingOutputChannel()
    asyncio.run(channel.guard(on_new_message)(UserMessage("fever", output, sender)))
    if isinstance(output, RecordingOutput):
        return stored[0], [recipient for recipient, _ in output.sent]
    return stored[0], [message["recipient_id"] for message in output.messages]


# ids that are real elsewhere: a Messenger page-scoped id, a phone number, a Telegram chat id, a
# WhatsApp sender, a Slack user, a session id, and ids that already look like another key space's
SHARED_IDS = ["2400000000000007", "+15551234567", "whatsapp:+15551234567", "U0PARENT05", "facebook:2400000000000007"]


def test_every_channel_of_credentials_yml_is_guarded():
    channels = credentials_channels()
    assert len(channels) == 6 and all(issubclass(c, GuardedInput) for c in channels)
    assert {c.name() for c in channels} == {"rest", "socketio", "twilio", "facebook", "telegram", "slack"}


@pytest.mark.parametrize("sender", SHARED_IDS)
def test_the_same_id_on_every_channel_is_a_different_conversation_answered_under_its_own_id(sender):
    stored = {}
    for channel_class in credentials_channels():
        conversation, recipients = stored_and_answered(channel_class, sender)
        assert conversation == conversation_id(channel_class.name(), sender) == f"{channel_class.name()}:{sender}"
        assert recipients == [sender]  # the provider (or the socket's room) gets the id it knows
        stored[channel_class.name()] = conversation
    assert len(set(stored.values())) == len(stored)


def test_no_id_sent_on_one_channel_names_a_conversation_of_another():
    """What a sender sends is always behind its own channel's prefix: a REST client that sends
    'facebook:2400...' gets 'rest:facebook:2400...', never the Messenger conversation."""
    names = [c.name() for c in credentials_channels()]
    for first, second in itertools.permutations(names, 2):
        for sender in SHARED_IDS:
            other = conversation_id(first, sender)
            assert not other.startswith(f"{second}:"), (first, sender)
            assert all(other != conversation_id(second, s) for s in SHARED_IDS + [other])


def test_every_channels_output_channel_sends_to_the_id_its_provider_knows(monkeypatch):
    """What Rasa sends on its own (the HTTP API's events, to the conversation id), and what a
    route builds its messages with: every channel's output channel strips its own prefix, also
    where the channel class defines get_output_channel itself (Telegram, Slack, Twilio)."""
    from scripts.render_credentials import render
    from tests.channels.conftest import channel_env

    monkeypatch.setenv("WEBCHAT_SESSION_SECRET", "unit-test-session-secret-0123456789abcdef")
    credentials, _ = render(load_template(ROOT / "credentials.yml"), channel_env("http://127.0.0.1:9"))
    channels = {}
    for path, settings in credentials.items():
        module, name = path.rsplit(".", 1)
        channel = getattr(importlib.import_module(module), name).from_credentials(settings)
        channels[channel.name()] = channel
    channels["socketio"].blueprint(lambda message: None)  # its Socket.IO server exists from here
    # Rasa's REST channel has none: replies go in the HTTP answer
    assert channels.pop("rest").get_output_channel() is None
    assert channels
    for path, channel in channels.items():
        output = channel.get_output_channel()
        assert isinstance(output, RepliesToSender) and output.channel == channel.name(), path
        assert output.recipient(conversation_id(channel.name(), "2400000000000007")) == "2400000000000007"
        assert channel.in_key_space(output) is output  # never wrapped twice


def test_rasas_own_sends_reach_the_id_the_channel_knows():
    """Rasa sends the HTTP API's events with the conversation id as recipient."""
    output = RecordingOutput()
    wrapped = RepliesToSender(output, "twilio")
    asyncio.run(wrapped.send_response("twilio:whatsapp:+15551234567", {"text": "Call now"}))
    asyncio.run(wrapped.send_text_message("+15550000000", "an id sent as it is stays as it is"))
    assert [recipient for recipient, _ in output.sent] == ["whatsapp:+15551234567", "+15550000000"]
    assert wrapped.name() == "recording"


# --- Spanish ------------------------------------------------------------------------


def test_a_guard_reply_is_in_english_then_spanish_when_the_language_is_not_known():
    verdict, reply = guard_text("   ")
    english, spanish = reply.split("\n")
    assert english.startswith("Please type your question") and "(555) 010-0140" in english
    assert (
        spanish.startswith("Por favor, escriba su pregunta")
        and "llame ahora" in spanish
        and "(555) 010-0140" in spanish
    )


@pytest.mark.parametrize("reply", list(input_guard.SPANISH_REPLIES))
def test_every_guard_reply_has_a_spanish_twin_with_the_number(reply):
    assert "{phone}" in input_guard.SPANISH_REPLIES[reply] and "{phone}" in reply
    assert "llame ahora" in input_guard.SPANISH_REPLIES[reply]


def test_the_web_page_s_language_picks_one_language():
    assert guard_text("a" * (MAX_MESSAGE_CHARACTERS + 1), "es")[1].startswith("Su mensaje es demasiado largo")
    assert guard_text("", "en")[1].startswith("Please type") and "Por favor" not in guard_text("", "en")[1]

"""The input guard: long, blank and command-syntax messages."""
import pytest

from addons.input_guard import MAX_MESSAGE_CHARACTERS, guard_text


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

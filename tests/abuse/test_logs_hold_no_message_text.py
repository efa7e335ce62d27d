"""After every other probe of the suite (tests/abuse/conftest.py runs this module last): the logs
`make run` wrote hold no message text the suite sent and no phone number, and a traceback at most
once per kind of error, never one per packet or request."""

import re

from tools.harness import TEST_CARE_TEAM_PHONE

# shorter texts ("hi", "/restart") are words any log line may hold
MIN_CHARACTERS = 12
# the Rasa server, the action server and the page server, each a few kinds of error at most
MAX_TRACEBACKS = 10


def test_the_logs_hold_no_message_text_no_phone_number_and_few_tracebacks(assistant, figures):
    logs = assistant.logs()
    assert {"rasa.log", "actions.log", "webchat.log"} <= set(logs)
    texts = [text for text in assistant.sent_texts if len(text) >= MIN_CHARACTERS]
    assert len(texts) > 20  # the probes before this one sent them
    for name, log in logs.items():
        leaked = [text for text in texts if text in log]
        assert not leaked, f"{name} holds message text: {leaked[:3]}"
        assert TEST_CARE_TEAM_PHONE not in log and "5550100777" not in log, f"{name} holds a phone number"
    tracebacks = sum(log.count("Traceback (most recent call last)") for log in logs.values())
    assert tracebacks <= MAX_TRACEBACKS
    figures["after the suite"] = {
        "log bytes": {name: len(log.encode()) for name, log in logs.items()},
        "tracebacks": tracebacks,
        "WARNING lines": sum(len(re.findall(r" WARNING ", log)) for log in logs.values()),
    }

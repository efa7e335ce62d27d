"""`make ask` prints the reply as a parent sees it: each message's text, its buttons under it."""

from tools.ask import reply_lines


def test_reply_text_lines_and_buttons_are_printed_as_a_parent_sees_them():
    messages = [
        {
            "recipient_id": "p",
            "text": "Thank you for telling me.\nSource: none",
            "buttons": [
                {"title": "Causes", "payload": "What causes neutropenia?"},
                {"title": "Types", "payload": "What types of neutropenia are there?"},
            ],
        },
        {"recipient_id": "p", "text": "(This chat gives general education, not a diagnosis.)"},
    ]
    assert reply_lines(messages) == [
        "assistant: Thank you for telling me.",
        "           Source: none",
        "           [Causes]  [Types]",
        "assistant: (This chat gives general education, not a diagnosis.)",
    ]


def test_no_reply_is_said_not_left_blank():
    assert reply_lines([]) == ["assistant: (no reply)"]

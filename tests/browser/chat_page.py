"""Driving the project's own widget (webchat/public/chat.js) in a Playwright page: shared by the
browser tests of the page and of the widget's stored state."""

from playwright.sync_api import expect

REPLY_TIMEOUT = 60_000  # ms; the first prediction warms the model up


def bot_messages(page):
    return page.locator("#chat-log .msg-bot")


def say(page, text, box_label="Your question"):
    """Types a message and sends it with Enter; returns how many bot messages there were before.
    box_label: the question box's label in the page's language ("Su pregunta" in Spanish)."""
    before = bot_messages(page).count()
    box = page.get_by_role("textbox", name=box_label)
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#chat-log .msg-user .msg-body").last).to_have_text(text)
    return before


def wait_for_reply(page, before):
    try:
        expect(bot_messages(page)).not_to_have_count(before, timeout=REPLY_TIMEOUT)
    except AssertionError as error:
        raise AssertionError(f"no reply; the page says {page.locator('#chat-status').inner_text()!r}") from error
    page.wait_for_timeout(1500)  # a reply may come in parts (Rasa splits it at blank lines)

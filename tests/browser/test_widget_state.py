"""The project's widget keeps track of each message and of what it stores, in headless Chromium
against the real servers: a message with no answer gets the "call now" notice even when an
earlier one was answered (the socket is routed through Playwright, which drops that one message
on its way to the server, and the page's clock is fast-forwarded); a conversation kept in the
browser is forgotten after 24 hours without a message (stored timestamps edited, or the page's
clock moved); "New conversation" forgets everything it stored and starts a new conversation."""

import re

import pytest
from playwright.sync_api import expect

from addons.nlg.hospital_nlg import DISCLAIMER
from tests.browser.chat_page import REPLY_TIMEOUT, bot_messages, say, wait_for_reply
from tests.live.conftest import TEST_CARE_TEAM_PHONE

NO_REPLY_AFTER_MS = 20_000  # chat.js
HOUR_MS = 3600 * 1000
PREFIX = "neutropenia-chat:"
SESSION_KEY, LAST_ACTIVE_KEY = PREFIX + "session-id", PREFIX + "last-active"
NO_ANSWER = "No answer yet"
LOST_MESSAGE = "my child has a fever of 102.2"


@pytest.fixture
def tab(browser):
    page = browser.new_page()
    yield page
    page.close()


def stored(page, key):
    return page.evaluate("key => localStorage.getItem(key)", key)


def confirmed_session(page, other_than=None):
    page.wait_for_function(
        "([key, old]) => { const id = localStorage.getItem(key); return id && id !== old; }",
        arg=[SESSION_KEY, other_than],
        timeout=REPLY_TIMEOUT,
    )
    return stored(page, SESSION_KEY)


def send_two_at_once(page, first, second):
    """Sends both in one script task: no reply can arrive between them."""
    before = bot_messages(page).count()
    page.evaluate(
        """([first, second]) => {
        const box = document.getElementById('chat-input'), form = document.getElementById('chat-form');
        box.value = first; form.requestSubmit();
        box.value = second; form.requestSubmit();
    }""",
        [first, second],
    )
    expect(page.locator("#chat-log .msg-user .msg-body").last).to_have_text(second)
    return before


def test_an_answered_message_leaves_no_notice(tab, site):
    tab.clock.install()
    tab.goto(site.url)
    wait_for_reply(tab, say(tab, "what are neutrophils"))
    # one jump past the wait, no more: the socket's own heartbeat runs on the same clock
    tab.clock.fast_forward(NO_REPLY_AFTER_MS + 1000)
    expect(tab.locator("#chat-status")).not_to_contain_text(NO_ANSWER)
    expect(tab.locator("#chat-typing")).to_be_hidden()


def test_a_message_with_no_answer_gets_the_notice_when_the_one_before_it_was_answered(tab, site, artifacts):
    lost = []

    def route(socket):
        server = socket.connect_to_server()

        def to_server(frame):
            if LOST_MESSAGE in str(frame):
                lost.append(frame)  # never reaches the server: no answer will come
            else:
                server.send(frame)

        socket.on_message(to_server)

    tab.route_web_socket(re.compile(r"/socket\.io/"), route)
    tab.clock.install()
    tab.goto(site.url)
    status = tab.locator("#chat-status")
    # the first is answered after the second was sent; the second never reaches the server
    before = send_two_at_once(tab, "what causes neutropenia?", LOST_MESSAGE)
    wait_for_reply(tab, before)
    assert lost, "the routed socket did not see the message"
    expect(status).not_to_contain_text(NO_ANSWER)  # not yet: it has 20 s
    tab.clock.fast_forward(NO_REPLY_AFTER_MS + 1000)
    expect(status).to_contain_text(NO_ANSWER)
    expect(status).to_contain_text("call the care team now")
    expect(status.locator("a.tel-link").first).to_have_text(TEST_CARE_TEAM_PHONE)
    tab.screenshot(path=artifacts / "webchat-no-answer-notice.png")


def test_a_kept_conversation_is_forgotten_after_24_hours_without_a_message(tab, site):
    tab.goto(site.url)
    expect(tab.locator("#chat")).to_contain_text("keeps the conversation for 24 hours")
    wait_for_reply(tab, say(tab, "what are neutrophils"))
    session = confirmed_session(tab)
    shown = tab.locator("#chat-log .msg").count()
    assert abs(int(stored(tab, LAST_ACTIVE_KEY)) - tab.evaluate("Date.now()")) < 60_000

    # 23 hours later: still there, same conversation
    tab.evaluate("([key, ago]) => localStorage.setItem(key, String(Date.now() - ago))", [LAST_ACTIVE_KEY, 23 * HOUR_MS])
    tab.reload()
    expect(tab.locator("#chat-log .msg")).to_have_count(shown)
    assert stored(tab, SESSION_KEY) == session

    # 25 hours later: forgotten, a new conversation starts
    tab.evaluate("([key, ago]) => localStorage.setItem(key, String(Date.now() - ago))", [LAST_ACTIVE_KEY, 25 * HOUR_MS])
    tab.reload()
    expect(tab.locator("#chat-log .msg")).to_have_count(1)
    expect(bot_messages(tab).first).to_contain_text("I answer questions about neutropenia")
    assert confirmed_session(tab, other_than=session) != session
    assert "what are neutrophils" not in (stored(tab, PREFIX + "transcript") or "")


def test_a_page_left_open_for_a_day_starts_a_new_conversation_at_the_next_message(tab, site):
    tab.clock.install()
    tab.goto(site.url)
    wait_for_reply(tab, say(tab, "what are neutrophils"))
    session = confirmed_session(tab)
    tab.clock.set_system_time(tab.evaluate("Date.now()") + 25 * HOUR_MS)  # no timer fires
    before = say(tab, "how is neutropenia diagnosed?")
    expect(tab.locator("#chat-log .msg-user")).to_have_count(1)  # the old messages are gone
    wait_for_reply(tab, before)
    assert confirmed_session(tab, other_than=session) != session
    expect(tab.locator("#chat-log")).to_contain_text(DISCLAIMER)  # the server's new conversation


def test_new_conversation_forgets_everything_it_stored(tab, site):
    tab.goto(site.url)
    wait_for_reply(tab, say(tab, "what are neutrophils"))
    old_session = confirmed_session(tab)
    tab.evaluate("key => localStorage.setItem(key, 'state of an older version')", PREFIX + "draft")

    tab.get_by_role("button", name="New conversation").click()
    expect(tab.locator("#chat-log .msg")).to_have_count(1)  # the welcome only
    expect(tab.locator("#chat-status")).to_have_text("")
    new_session = confirmed_session(tab, other_than=old_session)
    kept = tab.evaluate(
        """prefix => Object.fromEntries(Object.keys(localStorage)
        .filter(k => k.startsWith(prefix)).map(k => [k, localStorage.getItem(k)]))""",
        PREFIX,
    )
    assert set(kept) == {SESSION_KEY, PREFIX + "transcript", LAST_ACTIVE_KEY}
    assert kept[SESSION_KEY] == new_session != old_session
    assert not any(old_session in value or "neutrophils" in value for value in kept.values())

    # the server starts a new conversation too: its first reply carries the disclaimer again
    wait_for_reply(tab, say(tab, "what is neutropenia?"))
    expect(bot_messages(tab).filter(has_text=DISCLAIMER)).to_have_count(1)
    tab.reload()
    assert stored(tab, SESSION_KEY) == new_session

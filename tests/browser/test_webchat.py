"""The hospital page's chat widget in real headless Chromium, against the real servers over Rasa's
socketio channel. The tests run in order and continue one conversation in one tab, like a parent:
a topic button, a fever report, a reload, a message with markup, a phone-sized screen, the keyboard.
Screenshots go to tests/artifacts/."""

import re

from playwright.sync_api import expect

from addons.nlg.hospital_nlg import DISCLAIMER
from tests.browser.chat_page import bot_messages, say, wait_for_reply
from tests.browser.conftest import DESKTOP
from tests.live.conftest import TEST_CARE_TEAM_PHONE
from webchat.session_ids import SIGNED_SESSION_ID

TOPICS = ["Causes", "Types", "Symptoms", "Diagnosis", "Treatment", "My child has a fever"]
CARE_TEAM_TEL = "tel:" + re.sub(r"\D", "", TEST_CARE_TEAM_PHONE)
SESSION_KEY = "neutropenia-chat:session-id"
MARKUP = "<img src=x onerror=alert(1)>"


def test_welcome_topic_button_gets_its_answer(page, artifacts):
    welcome = bot_messages(page).first
    expect(welcome).to_contain_text("I answer questions about neutropenia")
    expect(welcome.get_by_role("group", name="Suggested questions").get_by_role("button")).to_have_text(TOPICS)

    before = bot_messages(page).count()
    welcome.get_by_role("button", name="Causes").click()
    # the payload is a plain question, shown as what the parent asked
    expect(page.locator("#chat-log .msg-user .msg-body").last).to_have_text("What causes neutropenia?")
    wait_for_reply(page, before)
    answer = bot_messages(page).nth(before)
    expect(answer).to_contain_text("chemotherapy", ignore_case=True)
    expect(answer).to_contain_text("Source: UCSF Benioff Children's Hospitals")
    expect(page.locator("#chat-log")).to_contain_text(DISCLAIMER)  # the first reply of the conversation
    page.screenshot(path=artifacts / "webchat-desktop-topic.png", full_page=True)


def test_fever_report_gets_call_now_with_a_tel_link(page, artifacts):
    before = say(page, "she has a fever of 101.5")
    wait_for_reply(page, before)
    reply = bot_messages(page).nth(before)
    expect(reply).to_contain_text("Call now")
    expect(reply).to_contain_text(TEST_CARE_TEAM_PHONE)  # from the settings the servers were started with
    expect(reply).to_have_class(re.compile(r"\bmsg-urgent\b"))
    inline = reply.locator(".msg-body a.tel-link").first
    expect(inline).to_have_text(TEST_CARE_TEAM_PHONE)
    expect(inline).to_have_attribute("href", CARE_TEAM_TEL)
    call = reply.locator("a.call-button").first
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", CARE_TEAM_TEL)
    expect(call).to_contain_text(TEST_CARE_TEAM_PHONE)
    box = call.bounding_box()
    assert box["height"] >= 44, f"the call button is {box['height']}px tall: too small to tap"
    # the reply is shown from its first line ("Call now: <number>"), not scrolled past it
    assert reply.bounding_box()["y"] >= page.locator("#chat-log").bounding_box()["y"] - 1
    page.screenshot(path=artifacts / "webchat-desktop-call-now.png")

    # the welcome's fever button gets the same reply, with the same link
    before = bot_messages(page).count()
    bot_messages(page).first.get_by_role("button", name="My child has a fever").click()
    expect(page.locator("#chat-log .msg-user .msg-body").last).to_have_text("My child has a fever")
    wait_for_reply(page, before)
    reply = bot_messages(page).nth(before)
    expect(reply).to_contain_text("Call now")
    expect(reply.locator("a.call-button").first).to_have_attribute("href", CARE_TEAM_TEL)


def test_reload_keeps_the_conversation_and_the_sender(page, artifacts):
    session_id = page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
    # the id the server issued and signed (webchat/session_ids.py), which the widget kept
    assert session_id and SIGNED_SESSION_ID.fullmatch(session_id)
    shown = page.locator("#chat-log .msg").all_text_contents()

    page.reload()
    expect(page.locator("#chat-log .msg")).to_have_count(len(shown))
    assert page.locator("#chat-log .msg").all_text_contents() == shown
    expect(page.locator("#chat-log a.call-button").first).to_have_attribute("href", CARE_TEAM_TEL)
    assert page.evaluate(f"localStorage.getItem('{SESSION_KEY}')") == session_id

    # The server continues the same conversation: a new sender would get the first-message
    # disclaimer again.
    before = say(page, "what are neutrophils")
    wait_for_reply(page, before)
    expect(bot_messages(page).nth(before)).to_contain_text("Source:")
    expect(bot_messages(page).filter(has_text=DISCLAIMER)).to_have_count(1)
    assert page.evaluate(f"localStorage.getItem('{SESSION_KEY}')") == session_id
    page.screenshot(path=artifacts / "webchat-desktop-after-reload.png", full_page=True)


def test_markup_is_shown_as_text_and_runs_nothing(page, artifacts):
    before = say(page, MARKUP)  # asserts the message body's text is the markup itself
    wait_for_reply(page, before)
    mine = page.locator("#chat-log .msg-user").last
    assert mine.locator(".msg-body p").evaluate("p => p.childNodes.length === 1 && p.firstChild.nodeType === 3")
    assert page.locator("#chat-log img").count() == 0
    page.reload()  # and from the stored transcript too
    expect(page.locator("#chat-log .msg-user .msg-body").filter(has_text=MARKUP)).to_have_count(1)
    assert page.locator("img").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
    assert page.errors == [], f"errors in the page: {page.errors}"
    mine = page.locator("#chat-log .msg-user").last
    mine.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "webchat-desktop-markup.png")


def test_readable_at_phone_width(page, artifacts):
    page.set_viewport_size({"width": 375, "height": 812})
    try:
        page.reload()
        expect(bot_messages(page).first).to_be_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
        log = page.locator("#chat-log")
        assert log.evaluate("e => e.scrollWidth <= e.clientWidth"), "the conversation scrolls sideways"
        overflowing = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getClientRects().length && !e.closest('.visually-hidden'))
            .filter(e => { const r = e.getBoundingClientRect(); return r.left < -0.5 || r.right > 375.5; })
            .map(e => e.tagName + '.' + e.className)""")
        assert overflowing == [], f"elements outside the 375 px screen: {overflowing}"
        # nothing in the conversation's scroll box makes the page itself longer
        assert page.evaluate("""() => Math.abs(document.scrollingElement.scrollHeight -
            (document.querySelector('.site-footer').getBoundingClientRect().bottom + window.scrollY)) <= 2""")
        font_size = page.get_by_role("textbox", name="Your question").evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert font_size >= 16, "an input under 16px makes phones zoom in"
        page.screenshot(path=artifacts / "webchat-375-page.png", full_page=True)
        page.locator("#chat").scroll_into_view_if_needed()
        page.locator("#chat-log a.call-button").first.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "webchat-375-chat.png")
    finally:
        page.set_viewport_size(DESKTOP)


def test_accessibility_basics_and_keyboard_only_use(page, artifacts):
    page.reload()
    log = page.locator("#chat-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("log", name="Conversation with the assistant")).to_have_count(1)
    expect(page.get_by_role("textbox", name="Your question")).to_be_visible()
    expect(page.get_by_role("button", name="Send message")).to_be_visible()
    expect(page.get_by_role("button", name="New conversation")).to_be_visible()
    # every message says who wrote it to a screen reader
    for message in log.locator(".msg").all():
        assert message.locator(".visually-hidden").first.text_content() in ("You said: ", "Assistant: ")

    # Tab from the top of the page reaches the topics, the input and the send button, in order
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("(() => { const e = document.activeElement; return e.id || e.className || e.tagName; })()")
        )
        if reached[-1] == "chat-send":
            break
    assert reached[0] == "skip-link"
    assert "quick-reply" in reached and "chat-log" in reached
    assert reached.index("chat-input") < reached.index("chat-send")
    assert reached.index("quick-reply") < reached.index("chat-input")

    # the skip link goes straight to the question box
    page.reload()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the chat")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused input shows no focus outline"

    # typing and sending with the keyboard alone
    before = bot_messages(page).count()
    page.keyboard.type("how is neutropenia diagnosed")
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    expect(bot_messages(page).nth(before)).to_contain_text("Source:")

    # a topic button works from the keyboard (focus it, press Enter)
    before = bot_messages(page).count()
    topic = bot_messages(page).first.get_by_role("button", name="Treatment")
    topic.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#chat-log .msg-user .msg-body").last).to_have_text("How is neutropenia treated?")
    wait_for_reply(page, before)
    expect(bot_messages(page).nth(before)).to_contain_text("Source:")
    assert page.dialogs == [] and page.errors == []
    page.screenshot(path=artifacts / "webchat-desktop-keyboard.png", full_page=True)


def test_new_conversation_starts_over(page):
    old_session = page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#chat-log .msg")).to_have_count(1)  # only the welcome, with its topics
    expect(bot_messages(page).first.get_by_role("button")).to_have_count(len(TOPICS))
    page.wait_for_function(
        f"(old) => {{ const s = localStorage.getItem('{SESSION_KEY}'); return s && s !== old; }}", arg=old_session
    )
    before = say(page, "what is neutropenia")
    wait_for_reply(page, before)
    # a new conversation for the server too: its first reply carries the disclaimer again
    expect(bot_messages(page).filter(has_text=DISCLAIMER)).to_have_count(1)
    assert page.dialogs == [] and page.errors == []


def test_unsure_whether_the_child_has_it_now_the_question_has_yes_and_no_buttons(page, artifacts):
    before = say(page, "my daughter had a fever and cough two weeks ago, what causes neutropenia?")
    wait_for_reply(page, before)
    question = bot_messages(page).nth(before)
    expect(question).to_contain_text(TEST_CARE_TEAM_PHONE)  # "if you are not sure, call ..."
    buttons = question.get_by_role("button")
    expect(buttons).to_have_text(["Yes", "No"])
    page.screenshot(path=artifacts / "webchat-desktop-confirmation.png")
    # a tap on Yes is the parent's answer: the call the question was about, with its tel link
    before = bot_messages(page).count()
    buttons.first.click()
    expect(page.locator("#chat-log .msg-user .msg-body").last).to_have_text("yes")
    wait_for_reply(page, before)
    reply = bot_messages(page).nth(before)
    expect(reply).to_have_class(re.compile(r"\bmsg-urgent\b"))
    expect(reply.locator("a.call-button").first).to_have_attribute("href", CARE_TEAM_TEL)
    assert page.dialogs == [] and page.errors == []

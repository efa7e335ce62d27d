"""The hospital page in Spanish, in headless Chromium against the real servers: the
"Español" switch puts every string of the page and the widget in Spanish (compared against the
widget's own string table, so no English label is left), sets `lang` for screen readers, is sent
with each message so the server answers in Spanish, survives a reload and "New conversation", and
"English" switches back. A browser whose language is Spanish gets the Spanish page before any
choice. The tests run in order and continue one conversation in one tab; screenshots go to
tests/artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from addons.nlg.hospital_nlg import DISCLAIMERS
from tests.browser.chat_page import bot_messages, say, wait_for_reply
from tests.browser.conftest import DESKTOP
from tests.live.conftest import TEST_CARE_TEAM_PHONE

CARE_TEAM_TEL = "tel:" + re.sub(r"\D", "", TEST_CARE_TEAM_PHONE)
LANGUAGE_KEY = "neutropenia-chat:language"
SPANISH_TOPICS = ["Causas", "Tipos", "Síntomas", "Diagnóstico", "Tratamiento", "Mi hijo tiene fiebre"]

# Every string the page shows or says to a screen reader (text, aria-label, placeholder, the
# page's title and description), whitespace collapsed; what the parent typed is not the page's.
SHOWN_STRINGS = """() => {
    const shown = new Set();
    const add = value => { const v = (value || '').replace(/\\s+/g, ' ').trim(); if (v) shown.add(v); };
    const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest('script, style, noscript, .msg-user')) continue;
        add(node.textContent);
    }
    for (const element of document.querySelectorAll('[aria-label], [placeholder], [title], meta[content]')) {
        ['aria-label', 'placeholder', 'title', 'content'].forEach(name => add(element.getAttribute(name)));
    }
    return [...shown];
}"""


def strings_table(page):
    return page.evaluate("window.WEBCHAT_STRINGS")


def english_left(page):
    """The strings of the English table (page texts and the widget's own) still shown, where the
    Spanish table says something else. A template counts by its text before the first {value}."""
    table = strings_table(page)
    english, spanish = table["en"], table["es"]
    shown = page.evaluate(SHOWN_STRINGS)
    pairs = [(english["page"][key], spanish["page"][key]) for key in english["page"]]
    pairs += [(english[key], spanish[key]) for key in english if isinstance(english[key], str)]
    pairs += [(a["title"], b["title"]) for a, b in zip(english["topics"], spanish["topics"], strict=True)]
    left = []
    for english_text, spanish_text in pairs:
        english_text = " ".join(english_text.split())
        if english_text == " ".join(spanish_text.split()):
            continue  # the same word in both ("Neutropenia")
        if "{" in english_text:
            fixed = english_text.split("{")[0].strip()
            if len(fixed) >= 5 and any(fixed in text for text in shown):
                left.append(english_text)
        elif english_text in shown:
            left.append(english_text)
    return left


@pytest.fixture
def spanish_browser_tab(browser):
    """A tab whose browser says its language is Spanish (Mexico), with nothing stored yet."""
    tab = browser.new_page()
    tab.add_init_script("Object.defineProperty(navigator, 'language', { get: () => 'es-MX' })")
    yield tab
    tab.close()


def test_the_string_table_has_every_key_in_both_languages(page):
    table = strings_table(page)
    english, spanish = table["en"], table["es"]
    assert set(english) == set(spanish)
    assert set(english["page"]) == set(spanish["page"])  # index.html's data-i18n keys
    assert all(spanish["page"].values())
    assert all(isinstance(v, str) and v for k, v in spanish.items() if k not in ("page", "topics"))
    assert [t["payload"] for t in spanish["topics"]] != [t["payload"] for t in english["topics"]]
    assert len(english["topics"]) == len(spanish["topics"])


def test_espanol_puts_every_string_of_the_page_and_the_widget_in_spanish(page, artifacts):
    expect(page.locator("html")).to_have_attribute("lang", "en")  # Chromium's own language is English
    expect(page.get_by_role("button", name="New conversation")).to_be_visible()
    assert len(english_left(page)) >= 30  # the check below finds the English page's strings

    page.locator("#chat").get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    for button in page.locator(".language-button[data-language=es]").all():  # the page's and the chat's
        expect(button).to_have_attribute("aria-pressed", "true")
    for button in page.locator(".language-button[data-language=en]").all():
        expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("group", name="Idioma")).to_have_count(2)
    expect(page.get_by_role("button", name="Nueva conversación")).to_be_visible()
    expect(page.get_by_role("textbox", name="Su pregunta")).to_have_attribute("placeholder", "Escriba su pregunta")
    expect(page.get_by_role("button", name="Enviar mensaje")).to_have_text("Enviar")
    expect(page.get_by_role("log", name="Conversación con el asistente")).to_have_count(1)
    expect(page.get_by_role("link", name="Ir al chat")).to_have_count(1)
    expect(page.locator("#urgent-title")).to_have_text("¿Fiebre o un signo de infección? Llame ahora.")
    expect(page.locator("#urgent-phones")).to_contain_text("Equipo médico: " + TEST_CARE_TEAM_PHONE)
    expect(page.locator("#urgent-phones a.tel-link").first).to_have_attribute("href", CARE_TEAM_TEL)
    assert page.title().startswith("La neutropenia en los niños")

    # the welcome (nothing said yet) is written again in Spanish, with Spanish topics
    welcome = bot_messages(page)
    expect(welcome).to_have_count(1)
    expect(welcome.first).to_have_attribute("lang", "es")
    expect(welcome.first).to_contain_text("respondo preguntas sobre la neutropenia")
    topics = welcome.first.get_by_role("group", name="Preguntas sugeridas").get_by_role("button")
    expect(topics).to_have_text(SPANISH_TOPICS)
    assert welcome.first.locator(".visually-hidden").first.text_content() == "Asistente: "

    assert english_left(page) == [], "English strings left on the Spanish page"
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") == "es"
    page.screenshot(path=artifacts / "webchat-es-desktop-welcome.png", full_page=True)


def test_a_spanish_fever_report_gets_llame_ahora_with_the_care_team_number(page, artifacts):
    before = say(page, "mi hijo tiene fiebre de 39", box_label="Su pregunta")
    expect(page.locator("#chat-log .msg-user").last).to_have_attribute("lang", "es")
    wait_for_reply(page, before)
    reply = bot_messages(page).nth(before)
    expect(reply.locator(".msg-body")).to_have_text(re.compile(r"^\s*Llame ahora"))
    expect(reply).to_contain_text(TEST_CARE_TEAM_PHONE)
    expect(reply).to_contain_text("Fuente:")
    expect(reply).to_have_attribute("lang", "es")
    expect(reply).to_have_class(re.compile(r"\bmsg-urgent\b"))
    call = reply.locator("a.call-button").first
    expect(call).to_have_attribute("href", CARE_TEAM_TEL)
    expect(call).to_contain_text("Llame al equipo médico")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # the conversation's first reply carries the disclaimer, in Spanish
    disclaimer = bot_messages(page).filter(has_text=DISCLAIMERS["es"])
    expect(disclaimer).to_have_count(1)
    expect(disclaimer).to_have_attribute("lang", "es")
    page.screenshot(path=artifacts / "webchat-es-desktop-llame-ahora.png")


def test_the_choice_is_sent_with_each_message_so_an_english_question_gets_a_spanish_answer(page):
    before = say(page, "what are neutrophils", box_label="Su pregunta")
    wait_for_reply(page, before)
    reply = bot_messages(page).nth(before)
    expect(reply).to_contain_text("Fuente:")
    expect(reply).to_contain_text("neutrófilos")
    expect(reply).to_have_attribute("lang", "es")


def test_the_choice_survives_a_reload_and_a_new_conversation(page, artifacts):
    shown = page.locator("#chat-log .msg").all_text_contents()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#chat .language-button[data-language=es]")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Nueva conversación")).to_be_visible()
    expect(page.locator("#chat-log .msg")).to_have_count(len(shown))
    assert page.locator("#chat-log .msg").all_text_contents() == shown
    expect(bot_messages(page).filter(has_text="Llame ahora").first).to_have_attribute("lang", "es")
    assert english_left(page) == []

    page.get_by_role("button", name="Nueva conversación").click()
    expect(page.locator("#chat-log .msg")).to_have_count(1)
    expect(bot_messages(page).first).to_contain_text("respondo preguntas sobre la neutropenia")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") == "es"
    page.screenshot(path=artifacts / "webchat-es-desktop-after-reload.png", full_page=True)


def test_the_spanish_page_fits_a_phone_screen(page, artifacts):
    page.set_viewport_size({"width": 375, "height": 812})
    try:
        page.reload()
        expect(page.get_by_role("button", name="Nueva conversación")).to_be_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
        overflowing = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getClientRects().length && !e.closest('.visually-hidden'))
            .filter(e => { const r = e.getBoundingClientRect(); return r.left < -0.5 || r.right > 375.5; })
            .map(e => e.tagName + '.' + e.className)""")
        assert overflowing == [], f"elements outside the 375 px screen: {overflowing}"
        for button in page.locator(".language-button").all():
            assert button.bounding_box()["height"] >= 36, "a language button too small to tap"
        page.locator("#chat").scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "webchat-es-375-chat.png")
    finally:
        page.set_viewport_size(DESKTOP)


def test_english_switches_back(page, artifacts):
    before = say(page, "¿qué son los neutrófilos?", box_label="Su pregunta")
    wait_for_reply(page, before)
    spanish_reply = bot_messages(page).nth(before)
    expect(spanish_reply).to_have_attribute("lang", "es")

    page.locator("#chat").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="New conversation")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your question")).to_be_visible()
    expect(page.get_by_role("button", name="Send message")).to_be_visible()
    expect(page.locator("#urgent-title")).to_have_text("Fever or a sign of infection? Call now.")
    expect(page.locator("#urgent-phones")).to_contain_text("Care team: " + TEST_CARE_TEAM_PHONE)
    expect(spanish_reply).to_have_attribute("lang", "es")  # what was said stays as it was said

    before = say(page, "what are neutrophils")
    wait_for_reply(page, before)
    reply = bot_messages(page).nth(before)
    expect(reply).to_contain_text("Source:")
    expect(reply).to_have_attribute("lang", "en")
    assert page.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") == "en"
    assert page.dialogs == [] and page.errors == []
    page.screenshot(path=artifacts / "webchat-es-back-to-english.png", full_page=True)


def test_a_spanish_browser_gets_the_spanish_page_before_any_choice(spanish_browser_tab, site):
    tab = spanish_browser_tab
    tab.goto(site.url)
    tab.evaluate("localStorage.clear()")  # the module's conversation chose English in this profile
    tab.reload()
    expect(tab.locator("html")).to_have_attribute("lang", "es")
    expect(tab.locator("#chat .language-button[data-language=es]")).to_have_attribute("aria-pressed", "true")
    expect(tab.get_by_role("textbox", name="Su pregunta")).to_be_visible()
    expect(bot_messages(tab).first).to_have_attribute("lang", "es")
    assert english_left(tab) == []
    # not chosen: nothing stored, and the server detects each message's language
    assert tab.evaluate(f"localStorage.getItem('{LANGUAGE_KEY}')") is None

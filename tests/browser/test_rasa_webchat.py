"""rasa-webchat 1.0.1 (npm), the widget most Rasa sites embed, unchanged, on a page of another
origin (another port), as a hospital's existing site would embed it, against the real servers
started as `make run` starts them (--cors for the site origins). rasa-webchat starts with Socket.IO
long-polling: Chromium refuses any answer with two Access-Control-Allow-Origin headers, so these
tests also prove the socket's answers carry one. The tests run in order and continue one
conversation: the start payload, a fever report, a topic question, a reload."""

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from addons.nlg.hospital_nlg import DISCLAIMER
from tests.live.conftest import ROOT, TEST_CARE_TEAM_PHONE
from webchat.session_ids import SIGNED_SESSION_ID

RASA_WEBCHAT_JS = ROOT / "webchat" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
REPLY_TIMEOUT = 60_000  # ms; rasa-webchat also delays each message (up to 3 s) as if typed
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Children's Hospital: neutropenia</title></head>
<body><h1>Neutropenia in children</h1><p>The hospital's own page, with the widget it already uses.</p>
<script src="/rasa-webchat.js"></script>
<script>
  window.WebChat.default({
    initPayload: "/get_started",
    socketUrl: "%(rasa_url)s",
    socketPath: "/socket.io/",
    customData: {language: "en"},
    title: "Neutropenia questions",
    params: {storage: "local"}
  }, null);
</script>
</body></html>
"""


class HospitalSite(SimpleHTTPRequestHandler):
    page = b""

    def do_GET(self):
        if self.path == "/":
            body, kind = self.page, "text/html; charset=utf-8"
        elif self.path == "/rasa-webchat.js":
            body, kind = RASA_WEBCHAT_JS.read_bytes(), "text/javascript"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def hospital_site(site):
    """The hospital's other site: its own origin (not the chat page's), which ALLOWED_ORIGINS lists."""
    assert RASA_WEBCHAT_JS.exists(), "webchat/node_modules/rasa-webchat is missing: run 'make webchat'"
    handler = type("Handler", (HospitalSite,), {"page": (PAGE % {"rasa_url": site.rasa_url}).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", site.hospital_site_port), functools.partial(handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.hospital_site_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def widget(browser, hospital_site, site):
    """The hospital site's tab, recording script errors, CORS refusals and failed requests to the
    Rasa server (rasa-webchat also asks Google Fonts for a font: there is no internet here), and
    the status of each long-polling answer."""
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.errors, page.polls = [], []

    def on_console(message):
        if message.type == "error" and re.search(r"CORS|Access-Control|socket", message.text, re.I):
            page.errors.append(message.text)

    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", on_console)
    page.on(
        "requestfailed",
        lambda request: request.url.startswith(site.rasa_url)
        and page.errors.append(f"{request.url}: {request.failure}"),
    )
    page.on("response", lambda response: "transport=polling" in response.url and page.polls.append(response.status))
    page.goto(hospital_site)
    yield page
    page.close()


def replies(page):
    return page.locator(".rw-response")


def say(page, text):
    before = replies(page).count()
    box = page.locator("input.rw-new-message, textarea.rw-new-message")
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text(text)
    return before


def reply_with(page, before, text):
    """The first reply after the first `before` ones that contains `text` (a reply may come in parts)."""
    for _ in range(REPLY_TIMEOUT // 500):
        for index, shown in enumerate(replies(page).all_text_contents()[before:], start=before):
            if text in shown:
                return replies(page).nth(index)
        page.wait_for_timeout(500)
    raise AssertionError(
        f"no reply with {text!r} after {REPLY_TIMEOUT} ms: {replies(page).all_text_contents()[before:]}"
    )


def test_start_payload_gets_the_greeting_not_an_alarm(widget, artifacts):
    widget.locator(".rw-launcher").click()
    greeting = reply_with(widget, 0, "I answer questions about neutropenia")
    widget.wait_for_timeout(3000)  # the rest of the first answer, if any
    assert not replies(widget).filter(has_text=re.compile("call now", re.I)).count()
    # it connected by long-polling first, from another origin, and no answer was refused
    assert widget.polls and all(status == 200 for status in widget.polls), widget.polls
    assert widget.errors == [], widget.errors
    expect(greeting).to_be_visible()
    widget.screenshot(path=artifacts / "rasa-webchat-greeting.png")


def test_fever_report_gets_call_now_with_the_care_team_number(widget, artifacts):
    before = say(widget, "my son has a fever of 101.5")
    reply = reply_with(widget, before, "Call now")
    expect(reply).to_contain_text(TEST_CARE_TEAM_PHONE)
    widget.screenshot(path=artifacts / "rasa-webchat-call-now.png")


def test_topic_question_gets_its_answer_with_the_source_on_its_own_line(widget, artifacts):
    before = say(widget, "what is neutropenia?")
    answer = reply_with(widget, before, "Source:")
    expect(answer).to_contain_text("neutrophil", ignore_case=True)
    # rasa-webchat renders Markdown: without a hard break, "Source:" would run on after the answer
    assert re.search(r"\nSource:", answer.inner_text()), answer.inner_text()
    assert answer.locator("br").count() >= 1
    widget.screenshot(path=artifacts / "rasa-webchat-topic.png")


def test_reload_keeps_the_conversation(widget, artifacts):
    session = widget.evaluate("JSON.parse(localStorage.getItem('chat_session') || '{}').session_id")
    # the id the server issued and signed (webchat/session_ids.py), which the widget kept
    assert session and SIGNED_SESSION_ID.fullmatch(session)
    shown = replies(widget).all_text_contents()
    widget.reload()
    expect(replies(widget)).to_have_count(len(shown), timeout=REPLY_TIMEOUT)
    assert replies(widget).all_text_contents() == shown
    # the server continues the same conversation: a new one would start with the disclaimer again
    before = say(widget, "how is neutropenia diagnosed?")
    reply_with(widget, before, "Source:")
    assert widget.evaluate("JSON.parse(localStorage.getItem('chat_session') || '{}').session_id") == session
    expect(replies(widget).filter(has_text=DISCLAIMER)).to_have_count(1)
    assert widget.errors == [], widget.errors
    widget.screenshot(path=artifacts / "rasa-webchat-after-reload.png")

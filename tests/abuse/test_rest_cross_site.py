"""REST takes JSON only, against `make run`: the issue's probe, a page on
another site that makes its visitor's browser (Debian's Chromium) post a fever report to the REST
channel, no longer writes a conversation: every way a page can post without asking the server
first (fetch without CORS, a text/plain form, a beacon) is refused with 415, and a JSON post needs
a CORS preflight, which the server refuses for an origin not in ALLOWED_ORIGINS. The hospital's own
page, whose origin is allowed, can still post JSON."""

import functools
import subprocess
import threading
import time
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import sync_playwright

from addons.channels.input_guard import rest_conversation_id
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tools.harness import ROOT
from tools.local_services import free_port

REPORT = "my son has a fever of 39"
ATTACKS = ("fetch-no-cors", "fetch-json", "form-text-plain", "beacon")
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Free recipes</title></head><body>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="post" enctype="text/plain" target="sink" action="%(rest)s">
  <input name='{"sender": "%(form)s", "message": "%(report)s", "x": "' value='"}'>
</form>
<script>
  const rest = "%(rest)s";
  const body = (sender) => JSON.stringify({sender: sender, message: "%(report)s"});
  window.results = {};
  fetch(rest, {method: "POST", mode: "no-cors", body: body("%(no_cors)s")})
    .then(() => results.noCors = "sent", e => results.noCors = String(e));
  fetch(rest, {method: "POST", headers: {"Content-Type": "application/json"}, body: body("%(json)s")})
    .then(r => results.json = r.status, e => results.json = "refused: " + e);
  navigator.sendBeacon(rest, new Blob([body("%(beacon)s")], {type: "text/plain"}));
  document.getElementById("form").submit();
</script></body></html>"""


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        subprocess.run([str(ROOT / "tools" / "install_chromium.sh")], check=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def other_site(assistant):
    """A page on another origin (another port: not in ALLOWED_ORIGINS), with senders of its own."""
    senders = {attack: f"cross-site-{attack}-{uuid.uuid4().hex[:8]}" for attack in ATTACKS}
    page = PAGE % {
        "rest": assistant.url("rasa", "/webhooks/rest/webhook"),
        "report": REPORT,
        "no_cors": senders["fetch-no-cors"],
        "json": senders["fetch-json"],
        "beacon": senders["beacon"],
        "form": senders["form-text-plain"],
    }

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), functools.partial(Handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", senders
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_site_cannot_post_into_rest_conversations(assistant, chromium, other_site):
    url, senders = other_site
    assistant.sent_texts.add(REPORT)
    refused_before = assistant.refusals("rest", "not_json")
    page = chromium.new_page()
    try:
        page.goto(url)
        page.wait_for_function("() => window.results.noCors !== undefined && window.results.json !== undefined")
        time.sleep(2)  # the beacon and the form are sent without waiting for an answer
        results = page.evaluate("window.results")
    finally:
        page.close()
    assert str(results["json"]).startswith("refused"), results  # the preflight was refused
    stored = assistant.conversations()
    assert not [attack for attack, sender in senders.items() if rest_conversation_id(sender) in stored]
    # the three posts that need no preflight reached the server and got 415
    assert assistant.refusals("rest", "not_json") - refused_before >= 3


def test_the_hospitals_own_page_still_posts_json(assistant, chromium):
    sender = f"own-page-{uuid.uuid4().hex[:8]}"
    page = chromium.new_page()
    try:
        page.goto(assistant.page_origin + "/")
        status = page.evaluate(
            """([rest, sender, report]) => fetch(rest, {method: "POST",
                   headers: {"Content-Type": "application/json"},
                   body: JSON.stringify({sender: sender, message: report})}).then(r => r.status)""",
            [assistant.url("rasa", "/webhooks/rest/webhook").replace("127.0.0.1", "localhost"), sender, REPORT],
        )
    finally:
        page.close()
    assert status == 200
    assert assistant.conversations()[rest_conversation_id(sender)] == [REPORT]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_rest_write_without_json_gets_415_saying_what_to_send(assistant, content_type):
    answer = requests.post(
        assistant.url("rasa", "/webhooks/rest/webhook"),
        data=b'{"sender": "curl-like", "message": "hello"}',
        headers={"Content-Type": content_type} if content_type else {},
        timeout=30,
    )
    assert answer.status_code == 415 and "Content-Type: application/json" in answer.json()["error"]

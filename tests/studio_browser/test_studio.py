"""The content studio as its people use it, in headless Chromium, in order: an editor signs in,
assigns an inbox message, rewords an answer and sees a live check fail and then pass, starts the
retraining; while it trains, a translator signs off a Spanish answer and publishes it, an editor
cannot publish (the server answers 403), a stray path or a script in a field is refused, every page
passes axe-core's WCAG 2.1 A/AA rules at desktop and 375 px and works from the keyboard; then the
editor compares the current and the candidate assistant side by side and runs the checks, and a
clinical reviewer signs off and publishes the editor's draft as a git commit. Screenshots go to
tests/artifacts/studio-*.png."""

import datetime as dt
import re
import subprocess

import requests
from playwright.sync_api import expect
from ruamel.yaml import YAML

from tests.studio_browser.conftest import PHONE_WIDTH, axe_violations, csrf_of, screenshot
from tests.unit import review_conversations as seeded

TODAY = dt.date.today().isoformat()
INBOX_MESSAGE = seeded.REPHRASE_WITH_PHONE.replace("555-123-4567", "<phone>")
TYPED_PHONE = "(555) 010-0140"
REWORDED = "Ask the care team what your child's count means."
TRAINING_SECONDS = 240
CHECKS_SECONDS = 240
PAGES = ["/", "/inbox", "/answers", "/answers/utter_anc", "/topics/new", "/try", "/draft", "/review", "/due"]
PAGES += ["/escalations", "/review/ana"]


def nav(page, name):
    """A link of the studio's menu."""
    return page.get_by_role("navigation", name="Studio").get_by_role("link", name=name, exact=True)


def published(studio_server, rel):
    return subprocess.run(
        ["git", "-C", str(studio_server.repo), "show", f"content/studio:{rel}"], capture_output=True, text=True
    )


def answer_variation(text, name, spanish=False):
    return next(v for v in YAML(typ="safe").load(text)["responses"][name] if ("condition" in v) == spanish)


def test_every_page_needs_a_signed_in_person(studio_server):
    for path in ("/", "/inbox", "/answers/utter_anc", "/review/ana"):
        response = requests.get(studio_server.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 302 and response.headers["location"].startswith("/login")
    for path in ("/answers/utter_anc", "/review/ana/publish", "/inbox/assign", "/try/train"):
        response = requests.post(studio_server.url + path, data={"csrf": "x"}, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 401), (path, response.status_code)
    login = requests.get(studio_server.url + "/login", timeout=10)
    assert "script-src 'self'" in login.headers["Content-Security-Policy"]
    assert login.headers["X-Frame-Options"] == "DENY"


def test_a_wrong_password_is_refused_in_plain_words(playwright_browser, studio_server):
    context = playwright_browser.new_context(base_url=studio_server.url)
    page = context.new_page()
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next=/inbox$"))
    page.get_by_label("Login name").fill("ana")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That name and password do not match an account.")
    context.close()


def test_the_editor_assigns_a_masked_inbox_message_to_a_topic(editor):
    nav(editor, "Inbox").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("Inbox")
    message = editor.locator("li.message", has_text=INBOX_MESSAGE)
    expect(message).to_have_count(1)
    expect(editor.locator("main")).not_to_contain_text("555-123-4567")
    expect(editor.locator("li.message.urgent").first).to_contain_text("from an urgent conversation")
    message.get_by_label("Add as a way of asking").select_option("ask_contact_care_team")
    screenshot(editor, "desktop-inbox")
    message.get_by_role("button", name="Add to my draft").click()
    expect(editor.get_by_role("status")).to_contain_text(f"Added to your draft: '{INBOX_MESSAGE}'")
    expect(editor.locator("li.message", has_text=INBOX_MESSAGE)).to_have_count(0)


def test_the_editor_rewords_an_answer_and_sees_a_live_check_fail_then_pass(editor):
    nav(editor, "Answers").click()
    editor.get_by_role("link", name="ANC (neutrophil count)").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("ANC (neutrophil count)")
    english = editor.get_by_label("English answer")
    text = english.input_value()
    old = re.search(
        r"Doctors use the ANC to plan treatment, so ask the care team what your child's count means\.", text
    )
    assert old, text
    # a typed phone number: the live check names it beside the box
    english.fill(text.replace(old.group(0), f"Call {TYPED_PHONE} to ask what your child's count means."))
    english_checks = editor.locator("#checks-en")
    expect(english_checks).to_contain_text(f"phone number '{TYPED_PHONE}' is typed into the answer", timeout=15_000)
    expect(english_checks).to_contain_text("Fix: write {care_team_phone}")
    screenshot(editor, "desktop-answer-live-check")
    # fixed: the check passes and the preview shows the answer as a parent sees it
    english.fill(text.replace(old.group(0), REWORDED))
    expect(english_checks.locator("p.ok")).to_have_text("Every check passes.", timeout=15_000)
    expect(english_checks.locator(".bubble")).to_contain_text(REWORDED)
    expect(english_checks.locator(".bubble .source")).to_contain_text("Source: Connecticut Children's")
    expect(english_checks).to_contain_text("SMS segment")
    expect(editor.locator("#checks-es")).to_contain_text("The English changed: update this Spanish twin")
    editor.get_by_role("button", name="Save in my draft").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved in your draft")
    expect(editor.get_by_label("English answer (your draft)")).to_have_value(re.compile(re.escape(REWORDED)))
    assert editor.errors == []


def test_the_editor_starts_the_retraining(editor):
    nav(editor, "Try it").click()
    expect(editor.locator("main")).to_contain_text("utter_anc (ANC (neutrophil count)): English text reworded")
    expect(editor.locator("main")).to_contain_text(
        f"training example for ask_contact_care_team (en): '{INBOX_MESSAGE}'"
    )
    editor.get_by_role("button", name="Retrain with my draft").click()
    expect(editor.locator("#jobs")).to_contain_text("Retraining: running")


def test_a_translator_signs_off_a_spanish_answer_and_publishes_it(translator, studio_server):
    translator.goto("/answers/utter_neutrophils")
    translator.get_by_role("button", name="Sign off this Spanish translation").click()
    expect(translator.get_by_role("status")).to_contain_text("Your review of the Spanish answer is in your draft")
    translator.goto("/review/tomas")
    expect(translator.locator("main")).to_contain_text("utter_neutrophils: Spanish reviewed by Tomás Translator")
    expect(translator.locator("pre.diff")).to_contain_text(f'translation_reviewed: "Tomás Translator, {TODAY}"')
    translator.get_by_role("button", name="Publish on content/studio").click()
    expect(translator.get_by_role("status")).to_contain_text("Published as commit")
    shown = published(studio_server, "data/responses/basics.yml")
    spanish = answer_variation(shown.stdout, "utter_neutrophils", spanish=True)
    assert spanish["metadata"]["translation_reviewed"] == f"Tomás Translator, {TODAY}"
    # the published draft is gone: its page says so (it does not send the person round in circles)
    translator.goto("/review/tomas")
    expect(translator.get_by_role("heading", level=1)).to_have_text("Not here")
    expect(translator.locator("main")).to_contain_text("there is no draft to review")


def test_an_editor_cannot_publish_the_server_answers_403(editor, studio_server):
    editor.goto("/review/ana")
    before = subprocess.run(
        ["git", "-C", str(studio_server.repo), "rev-parse", "content/studio"], capture_output=True, text=True
    ).stdout
    response = editor.request.post("/review/ana/publish", form={"csrf": csrf_of(editor)}, max_redirects=0)
    assert response.status == 403
    assert "this needs the clinical reviewer or translator role; you are signed in as editor" in response.text()
    response = editor.request.post("/review/ana/sign-off", form={"csrf": csrf_of(editor), "kind": "clinical"})
    assert response.status == 403
    after = subprocess.run(
        ["git", "-C", str(studio_server.repo), "rev-parse", "content/studio"], capture_output=True, text=True
    ).stdout
    assert after == before


def test_a_request_without_the_csrf_token_or_from_another_site_is_refused(editor):
    response = editor.request.post("/inbox/decide", form={"key": "x", "decision": "dismissed"})
    assert response.status == 403 and "out of date or came from another site" in response.text()
    response = editor.request.post(
        "/inbox/decide",
        form={"csrf": csrf_of(editor), "key": "x", "decision": "dismissed"},
        headers={"Origin": "https://elsewhere.example.org"},
    )
    assert response.status == 403


def test_a_stray_path_or_a_script_in_a_field_is_refused(editor, studio_server):
    editor.goto("/topics/new")
    editor.get_by_label("Intent name").fill("../../etc/passwd")
    editor.get_by_label("Short title (a button)").fill("Contagious")
    editor.get_by_role("button", name="Save the new topic in my draft").click()
    expect(editor.get_by_role("alert")).to_contain_text("is not a plain name")
    before = (studio_server.repo / "data/responses/basics.yml").read_text()
    editor.goto("/answers/utter_neutrophils")
    english = editor.get_by_label("English answer")
    english.fill(english.input_value().replace("They kill bacteria", "They kill <script>alert(1)</script> bacteria"))
    expect(editor.locator("#checks-en")).to_contain_text("contains markup or a script", timeout=15_000)
    editor.get_by_role("button", name="Save in my draft").click()
    expect(editor.get_by_role("alert")).to_contain_text("Not saved: the English text contains markup or a script")
    assert editor.errors == [] and editor.dialogs == []  # the script was shown as text, never run
    for path in ("/answers/..%2F..%2Fetc%2Fpasswd", "/review/..%2Fana"):
        assert editor.request.get(path).status == 404
    assert (studio_server.repo / "data/responses/basics.yml").read_text() == before
    assert "utter_neutrophils|en" not in (studio_server.state / "drafts" / "ana.json").read_text()


def test_every_page_passes_axe_at_desktop_and_375_px(editor):
    for width in ("desktop", "375"):
        if width == "375":
            editor.set_viewport_size(PHONE_WIDTH)
        for path in PAGES:
            editor.goto(path)
            expect(editor.get_by_role("heading", level=1)).to_be_visible()
            assert axe_violations(editor) == [], f"{path} at {width}"
            if width == "375":
                assert editor.evaluate("document.scrollingElement.scrollWidth") <= 375, f"{path} is wider than 375 px"
        screenshot(editor, f"{width}-last-page")
    editor.goto("/answers/utter_anc")
    screenshot(editor, "375-answer")
    editor.set_viewport_size({"width": 1280, "height": 900})
    assert editor.errors == []


def test_the_studio_works_from_the_keyboard(editor):
    editor.goto("/")
    editor.keyboard.press("Tab")
    skip = editor.get_by_role("link", name="Skip to the main content")
    expect(skip).to_be_focused()
    editor.keyboard.press("Enter")
    expect(editor).to_have_url(re.compile(r"#main$"))
    # the inbox's actions: Tab to a message's "Dismiss" and press Enter
    editor.goto("/inbox")
    dismiss = editor.get_by_role("button", name="Dismiss").first
    described = dismiss.get_attribute("aria-describedby")
    text = editor.locator(f"#{described}").inner_text()
    for _ in range(200):
        editor.keyboard.press("Tab")
        if dismiss.evaluate("element => element === document.activeElement"):
            break
    expect(dismiss).to_be_focused()
    editor.keyboard.press("Enter")
    expect(editor.get_by_role("status")).to_contain_text("Dismissed.")
    expect(editor.locator("li.message", has_text=text)).to_have_count(0)


def test_the_editor_compares_the_current_and_the_candidate_side_by_side(editor):
    editor.goto("/try")
    expect(editor.locator("#jobs")).to_contain_text("Retraining: done", timeout=TRAINING_SECONDS * 1000)
    box = editor.get_by_label("A parent's message")
    expect(box).to_be_enabled()
    box.fill("what is the anc")
    box.press("Enter")
    exchange = editor.locator("#chat-log .exchange").last
    expect(exchange.locator(".reply.candidate")).to_contain_text(REWORDED, timeout=60_000)
    expect(exchange.locator(".reply").first).to_contain_text("Doctors use the ANC to plan treatment")
    expect(box).to_be_focused()
    screenshot(editor, "desktop-try-it")
    editor.get_by_role("button", name="Run the checks (about a minute)").click()
    checks = editor.locator(".job", has_text="The checks")
    expect(checks).to_contain_text("The checks: done", timeout=CHECKS_SECONDS * 1000)
    expect(checks).to_contain_text("make validate: all content checks passed")
    expect(checks).to_contain_text("NLU gate (every topic's F1 at least 0.90")
    expect(checks.get_by_role("heading", name=re.compile(r"^Better with your changes \(\d+\)$"))).to_be_visible()
    expect(checks.get_by_role("heading", name=re.compile(r"^Worse with your changes \(\d+\)$"))).to_be_visible()
    screenshot(editor, "desktop-checks")
    assert editor.errors == []


def test_the_clinical_reviewer_signs_off_and_publishes_the_editors_draft(reviewer, studio_server):
    nav(reviewer, "Review and publish").click()
    reviewer.get_by_role("link", name="Ana Editor").click()
    diff = reviewer.locator("pre.diff")
    expect(diff).to_contain_text(REWORDED)
    expect(diff).to_contain_text(f"- {INBOX_MESSAGE}")
    expect(reviewer.locator("main")).to_contain_text("Clinical: needed (utter_anc: the English answer changed)")
    reviewer.get_by_role("button", name=re.compile("^Clinical sign-off")).click()
    expect(reviewer.get_by_role("status")).to_contain_text(f"Clinical sign-off recorded: Rita Reviewer, {TODAY}")
    screenshot(reviewer, "desktop-review")
    reviewer.get_by_role("button", name="Publish on content/studio").click()
    expect(reviewer.get_by_role("status")).to_contain_text("Published as commit")
    expect(reviewer.get_by_role("table", name=re.compile("audit log"))).to_contain_text("Ana Editor")

    english = answer_variation(published(studio_server, "data/responses/basics.yml").stdout, "utter_anc")
    assert REWORDED in english["text"] and english["metadata"]["reviewed"] == TODAY
    nlu = published(studio_server, "data/nlu/care_team.yml").stdout
    assert f"    - {INBOX_MESSAGE}\n" in nlu and "555-123-4567" not in nlu
    log = subprocess.run(
        ["git", "-C", str(studio_server.repo), "log", "-1", "--format=%an%x1f%cn%x1f%B", "content/studio"],
        capture_output=True,
        text=True,
    ).stdout
    author, committer, message = log.split("\x1f")
    assert (author, committer) == ("Ana Editor", "Rita Reviewer")
    assert f"Clinical-sign-off: Rita Reviewer <rita@hospital.example.org> {TODAY}" in message


def test_no_message_answer_or_phone_number_is_in_the_studios_log(studio_server):
    log = studio_server.log.read_text(errors="replace")
    assert "published" in log and "signed in: ana" in log
    for private in (seeded.REPHRASE_WITH_PHONE, "555-123-4567", INBOX_MESSAGE, REWORDED, TYPED_PHONE):
        assert private not in log

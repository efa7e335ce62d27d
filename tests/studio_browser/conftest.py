"""The content studio in headless Chromium (Debian's, driven by Playwright for Python, with the web
chat tests' own fixtures: tests/browser/conftest.py). One studio server for every test, started with
`python -m studio` as `make studio` starts it, on a free loopback port, on a clone of this repository
in a temporary folder (never this repository's own files), with the make review's seeded
conversations in its inbox and four people: an editor, a second editor, a clinical reviewer and a
translator. The tests run in order and share the one candidate model the editor trains."""

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from scripts.model_servers import free_port, wait_until_up
from scripts.process_group import start_in_own_group, stop_group
from studio.accounts import Accounts
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, DESKTOP, artifacts, chromium  # noqa: F401
from tests.conftest import ROOT
from tests.studio.conftest import PASSWORD, PEOPLE, seed_conversations

AXE = ROOT / "studio" / "node_modules" / "axe-core" / "axe.min.js"
HTMX = ROOT / "studio" / "static" / "vendor" / "htmx.min.js"
PHONE_WIDTH = {"width": 375, "height": 812}
STARTUP_SECONDS = 120


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory):
    """`python -m studio` on a clone of this repository, with seeded conversations and four accounts."""
    assert HTMX.exists(), "studio/static/vendor/htmx.min.js is missing: run 'make studio-js'"
    assert AXE.exists(), "studio/node_modules/axe-core is missing: run 'make studio-js'"
    tmp = tmp_path_factory.mktemp("studio")
    repo = tmp / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True)
    endpoints = seed_conversations(tmp)
    state = tmp / "state"
    accounts = Accounts(state / "accounts.yml")
    for user, (name, roles) in PEOPLE.items():
        accounts.save(user, name, f"{user}@hospital.example.org", roles, PASSWORD)
    port = free_port()
    log = tmp / "studio.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STUDIO_REPO": str(repo),
        "STUDIO_STATE_DIR": str(state),
        "STUDIO_PORT": str(port),
        "STUDIO_ENDPOINTS": str(endpoints),
        "STUDIO_BASE_BRANCH": subprocess.run(
            ["git", "-C", str(repo), "branch", "--show-current"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    with open(log, "w") as output:
        process = start_in_own_group(
            [sys.executable, "-m", "studio"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log, timeout=STARTUP_SECONDS)
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", repo=repo, state=state, log=log, process=process)
    finally:
        stop_group(process, grace=60)


@pytest.fixture(scope="session")
def playwright_browser(chromium) -> Iterator[Browser]:  # noqa: F811
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def person_page(browser: Browser, studio_server, user: str):
    """A tab of its own (its own cookies) signed in as `user`, recording script errors, refusals of the
    Content-Security-Policy and dialogs (a script that ran would alert). A form the server refuses
    (400, 403) is a console line of its own: expected, not recorded."""
    context = browser.new_context(viewport=DESKTOP, base_url=studio_server.url)
    # the page carries what it recorded, for the tests' assertions
    page: Any = context.new_page()
    page.errors, page.dialogs = [], []

    def on_console(message):
        if message.type == "error" and not re.match(r"Failed to load resource: .* status of 4\d\d", message.text):
            page.errors.append(message.text)

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", on_console)
    page.on("dialog", on_dialog)
    page.goto("/login")
    page.get_by_label("Login name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Content studio")
    return page


@pytest.fixture(scope="session")
def editor(playwright_browser, studio_server):
    page = person_page(playwright_browser, studio_server, "ana")
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def reviewer(playwright_browser, studio_server):
    page = person_page(playwright_browser, studio_server, "rita")
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def translator(playwright_browser, studio_server):
    page = person_page(playwright_browser, studio_server, "tomas")
    yield page
    page.context.close()


def axe_violations(page) -> list:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is (injected through the DevTools
    protocol, so the page's Content-Security-Policy stays as served)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in result["violations"]
    ]


def csrf_of(page) -> str:
    return page.locator("input[name=csrf]").first.get_attribute("value")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"studio-{name}.png"
    page.screenshot(path=path, full_page=True)
    return path

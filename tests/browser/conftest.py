"""The web chat in headless Chromium: the real servers (tools/harness.py's Servers, with the `rasa run`
options `make run` uses), the page's static server (webchat/server.py), all on free
loopback ports, and Debian's chromium driven by Playwright for Python (its own browser download
is not used). The servers start once for all the browser tests; besides the project's page, they
accept a second site origin (another port), where a hospital's existing site would embed
rasa-webchat (test_rasa_webchat.py)."""

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import ViewportSize, sync_playwright

from scripts.process_group import start_in_own_group, stop_group
from scripts.rasa_server_options import server_options
from tools.harness import ROOT, VENV_BIN, Servers, wait_until_up
from tools.local_services import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
WEBCHAT_JS = ROOT / "webchat" / "public" / "vendor" / "socket.io.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        subprocess.run([str(ROOT / "tools" / "install_chromium.sh")], check=True)
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The action server, the Rasa server (socketio channel) and the page, on free ports; and the
    port of the hospital's other site (served by the test that needs it)."""
    assert WEBCHAT_JS.exists(), "webchat/public/vendor/socket.io.min.js is missing: run 'make webchat'"
    tmp = tmp_path_factory.mktemp("webchat")
    port, hospital_site_port = free_port(), free_port()
    # the page's origin and the hospital site's are the site origins the chat socket accepts,
    # with Rasa's CORS for them as `make run` sets it
    origins = {"ALLOWED_ORIGINS": f"http://127.0.0.1:{port} http://127.0.0.1:{hospital_site_port}"}
    servers = Servers(tmp, rasa_args=server_options(origins), extra_env=origins)
    webchat = None
    try:
        servers.start_actions()
        servers.start_rasa()
        log = tmp / "webchat.log"
        env = dict(
            servers.env,
            WEBCHAT_HOST="127.0.0.1",
            WEBCHAT_PORT=str(port),
            WEBCHAT_RASA_URL=f"http://127.0.0.1:{servers.rasa_port}",
        )
        with open(log, "w") as output:
            webchat = start_in_own_group(
                [str(VENV_BIN / "python"), str(ROOT / "webchat" / "server.py")],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_up(f"http://127.0.0.1:{port}/", webchat, log, timeout=30)
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{port}/",
            servers=servers,
            tmp=tmp,
            rasa_url=f"http://127.0.0.1:{servers.rasa_port}",
            hospital_site_port=hospital_site_port,
        )
    finally:
        stop_group(webchat, grace=10)
        servers.stop()


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    """A fresh Chromium profile (its own user-data-dir) for the module."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=DESKTOP,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def page(browser, site):
    """One tab through the module's tests (they continue one conversation), recording any
    dialog (alert/confirm/prompt), script error or console error."""
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.dialogs, page.errors = [], []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.goto(site.url)
    yield page
    page.close()

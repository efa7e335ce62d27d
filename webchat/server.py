"""Serves the hospital's neutropenia page with the chat widget (webchat/public/) on 127.0.0.1:8080.

Started by scripts/run_assistant.sh next to the Rasa and action servers (and by the browser test
on free ports). Only files under webchat/public/ are served, plus /config.js, written here from:

  WEBCHAT_RASA_URL   where the page's widget reaches the Rasa server's socketio channel
                     (default http://localhost:5005)
  WEBCHAT_HOST/PORT  where this server listens (default 127.0.0.1:8080)

and the hospital settings (clinical/settings.py: the same care-team numbers the answers
carry), which the page shows in its "fever? call now" box and while the assistant is unreachable.
Nothing is fetched from the internet: socket.io.min.js is copied from webchat/node_modules at
set-up (`make webchat`).

It fails cleanly: a path that is not ASCII, whose %-escapes are not UTF-8, or that
holds a NUL or another control character gets 400 (Python's file server dropped the connection
at a NUL and logged a traceback); a request that fails anyway is logged as one line, and each
log line shows at most MAX_LOGGED_CHARACTERS of what the client sent, control characters escaped
(a client could otherwise write lines of its own into the log).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from clinical.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "webchat" / "public"
MAX_LOGGED_CHARACTERS = 200
BAD_PATH = "the path must be ASCII, with %-escapes of UTF-8 text and no control characters"


def path_problem(raw_path: str) -> Optional[str]:
    """What is wrong with a request's path (http.server reads the request line as Latin-1), or None."""
    path = urlsplit(raw_path).path
    if not path.isascii() or not path.isprintable():
        return BAD_PATH
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return BAD_PATH
    return None if decoded.isprintable() else BAD_PATH


def one_line(text: str) -> str:
    """`text` as one log line: control characters escaped, at most MAX_LOGGED_CHARACTERS."""
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return escaped if len(escaped) <= MAX_LOGGED_CHARACTERS else escaped[:MAX_LOGGED_CHARACTERS] + "..."


def rasa_url_from(environ) -> str:
    url = (environ.get("WEBCHAT_RASA_URL") or "http://localhost:5005").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise SystemExit(
            f"WEBCHAT_RASA_URL is {url!r}; set it to the Rasa server's origin, e.g. http://localhost:5005 "
            f"(scheme, host and port only: the widget adds /socket.io itself)."
        )
    return url


def config_script(rasa_url: str, settings) -> bytes:
    config = {
        "rasaUrl": rasa_url,
        "careTeamPhone": settings.care_team_phone,
        "afterHoursPhone": settings.after_hours_phone,
        "hospitalName": settings.hospital_name,
        "feverThreshold": settings.fever_threshold_text,
    }
    # "<" escaped so no value can close a script element, whatever the settings say
    text = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    return f"window.WEBCHAT_CONFIG = {text};\n".encode("utf-8")


def security_headers(rasa_url: str) -> dict:
    websocket_url = "ws" + rasa_url[len("http") :]  # http -> ws, https -> wss
    return {
        # Everything the page runs comes from here; the widget talks only to the Rasa server.
        # A second line of defence: the widget never renders text as HTML in the first place.
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {rasa_url} {websocket_url}; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


class Handler(SimpleHTTPRequestHandler):
    config_body = b""
    extra_headers: dict = {}

    def send_head(self):
        """GET and HEAD: a path that cannot name a file here gets 400 (module docstring)."""
        problem = path_problem(self.path)
        if problem:
            self.send_error(400, problem)
            return None
        return super().send_head()

    def do_GET(self):
        if urlsplit(self.path).path == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config_body)))
            self.end_headers()
            self.wfile.write(self.config_body)
            return
        super().do_GET()

    def end_headers(self):
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def list_directory(self, path):  # no directory listings
        self.send_error(404)
        return None

    def log_message(self, format, *args):
        sys.stderr.write("webchat %s - %s\n" % (self.address_string(), one_line(format % args)))


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A request that failed anyway: one line, not socketserver's traceback."""
        error = sys.exc_info()[1]
        sys.stderr.write(f"webchat {client_address[0]} - a request failed ({type(error).__name__})\n")


def main() -> None:
    host = os.environ.get("WEBCHAT_HOST", "127.0.0.1")
    port = int(os.environ.get("WEBCHAT_PORT", "8080"))
    rasa_url = rasa_url_from(os.environ)
    if not (PUBLIC / "vendor" / "socket.io.min.js").exists():
        raise SystemExit("webchat/public/vendor/socket.io.min.js is missing: run 'make webchat' first.")
    Handler.config_body = config_script(rasa_url, load_settings())
    Handler.extra_headers = security_headers(rasa_url)
    Handler.extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".css": "text/css",
        ".svg": "image/svg+xml",
    }
    server = Server((host, port), functools.partial(Handler, directory=str(PUBLIC)))
    print(f"web chat on http://{host}:{port}/ (Rasa socket at {rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

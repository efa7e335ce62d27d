"""Asks the assistant one question from the terminal and prints the reply as a parent would see it:

    make ask Q="my son has a fever of 39"
    make ask Q="¿qué son los neutrófilos?"        (Spanish works the same: one bilingual model)

It prints each reply message, its buttons, and the intent the model read the question as with its
confidence (from /model/parse, when the server's HTTP API is on). It asks `make run`'s Rasa server
when one answers on 127.0.0.1:$RASA_PORT (5005 unless set); its HTTP API is off unless `make run`
was started with RASA_ENABLE_API and RASA_AUTH_TOKEN (docs/production.md), and then this reads
RASA_AUTH_TOKEN too. Otherwise it starts the action server and the Rasa server for this one question
(tools/harness.py, 30 to 60 s) with the API on behind a token of its own, and stops them after.

Each question is a new conversation: nothing said before changes the answer. Nothing is logged.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import List, Optional

import requests

from tools.harness import MODEL, Servers

USAGE = 'usage: make ask Q="my son has a fever of 39"   (or: python tools/ask.py "QUESTION")'
# the Rasa server answers a fever report within the action server's 3 s timeout; NLU on a busy
# machine can take longer on the first message after start
TIMEOUT_SECONDS = 60


def reply_lines(messages: List[dict]) -> List[str]:
    """The REST channel's reply messages as the lines a parent would read, buttons under their text."""
    lines = []
    for message in messages:
        if message.get("text"):
            lines += [
                f"assistant: {line}" if i == 0 else f"           {line}"
                for i, line in enumerate(message["text"].splitlines())
            ]
        if message.get("image"):
            lines.append(f"           [image: {message['image']}]")
        if message.get("buttons"):
            lines.append("           " + "  ".join(f"[{button.get('title', '')}]" for button in message["buttons"]))
    return lines or ["assistant: (no reply)"]


def read_as(rasa_url: str, question: str, token: Optional[str]) -> Optional[str]:
    """'intent (confidence)' from the model, or None when the server's HTTP API is off or refuses."""
    try:
        response = requests.post(
            f"{rasa_url}/model/parse",
            json={"text": question},
            params={"token": token} if token else None,
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException:
        return None
    if not response.ok:
        return None
    parsed = response.json()
    intent = parsed.get("intent") or {}
    language = next((e["value"] for e in parsed.get("entities", []) if e.get("entity") == "language"), None)
    return f"{intent.get('name')} ({intent.get('confidence', 0):.2f})" + (f", language {language}" if language else "")


def ask(rasa_url: str, question: str, token: Optional[str] = None) -> List[str]:
    """The lines to print: the question, the reply, and what the model read it as (when it can say)."""
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": f"make-ask-{uuid.uuid4().hex[:12]}", "message": question},
        timeout=TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    lines = [f"you:       {question}", *reply_lines(response.json())]
    understood = read_as(rasa_url, question, token)
    if understood:
        lines.append(f"read as:   {understood}")
    return lines


def server_answers(rasa_url: str) -> bool:
    try:
        return requests.get(f"{rasa_url}/", timeout=2).ok
    except requests.RequestException:
        return False


def parent_facing_env(servers: Servers) -> None:
    """The care team's number from hospital_settings.yml (or HOSPITAL_CARE_TEAM_PHONE), as `make run`
    gives it, rather than the harness's test number."""
    if os.environ.get("HOSPITAL_CARE_TEAM_PHONE", "").strip():
        servers.env["HOSPITAL_CARE_TEAM_PHONE"] = os.environ["HOSPITAL_CARE_TEAM_PHONE"]
    else:
        servers.env.pop("HOSPITAL_CARE_TEAM_PHONE", None)


def main(argv: List[str]) -> int:
    question = " ".join(argv).strip()
    if not question:
        print(USAGE, file=sys.stderr)
        return 2
    rasa_url = f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    if server_answers(rasa_url):
        print(f"(asking the running assistant on {rasa_url})", file=sys.stderr)
        try:
            lines = ask(rasa_url, question, os.environ.get("RASA_AUTH_TOKEN") or None)
        except requests.RequestException as error:
            print(f"the assistant on {rasa_url} did not answer: {error}", file=sys.stderr)
            return 1
    else:
        if not MODEL.exists():
            print("no trained model: run 'make train' first.", file=sys.stderr)
            return 1
        print(
            f"(no assistant answers on {rasa_url}: starting one for this question, 30 to 60 s; "
            "with `make run` in another terminal the answer comes at once)",
            file=sys.stderr,
            flush=True,
        )
        # hex, not urlsafe: a token starting with "-" would be read by `rasa run` as an option
        token = secrets.token_hex(32)
        began = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="make-ask-") as tmp:
            servers = Servers(Path(tmp), rasa_args=["--enable-api", f"--auth-token={token}"])
            parent_facing_env(servers)
            try:
                with servers:
                    print(f"(started in {time.monotonic() - began:.0f} s)", file=sys.stderr, flush=True)
                    lines = ask(f"http://127.0.0.1:{servers.rasa_port}", question, token)
            except RuntimeError as error:  # a server did not start: the end of its log says why
                print(f"the assistant did not start:\n{error}", file=sys.stderr)
                return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

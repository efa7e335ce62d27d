"""A chat page's socket, as python-socketio's client (long-polling, as rasa-webchat starts): asks
for a session or resumes one, sends messages with a session id of its choice, and keeps every
reply it is sent."""

from __future__ import annotations

import threading
import time
from typing import List, Optional

import socketio


class ChatClient:
    def __init__(self, url: str, origin: str):
        self.replies: List[str] = []
        self.session_id: Optional[str] = None
        self._confirmed = threading.Event()
        self._lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self._reply)
        self.client.on("session_confirm", self._confirm)
        self.client.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)

    def _reply(self, data) -> None:
        with self._lock:
            self.replies.append(data.get("text", "") if isinstance(data, dict) else str(data))

    def _confirm(self, session_id) -> None:
        self.session_id = session_id
        self._confirmed.set()

    def request_session(self, session_id: Optional[str] = None) -> str:
        """session_request with `session_id` (None: a new session); the id the server confirmed."""
        self._confirmed.clear()
        self.client.emit("session_request", {"session_id": session_id})
        assert self._confirmed.wait(10), "no session_confirm"
        assert self.session_id
        return self.session_id

    def say(self, text: str, session_id: Optional[str] = None) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": session_id or self.session_id})

    def ask(self, text: str) -> List[str]:
        """Sends `text` and waits for the server's acknowledgment, which comes once every reply to
        it has been sent (as the page's widget waits); returns those replies."""
        before = len(self.replies)
        self.client.call("user_uttered", {"message": text, "session_id": self.session_id}, timeout=60)
        time.sleep(0.2)  # the last reply and the acknowledgment may come in one poll, in either order
        with self._lock:
            return self.replies[before:]

    def wait_for(self, text: str, timeout: float = 30.0, after: int = 0) -> float:
        """Seconds until a reply (after the first `after`) contains `text`."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            with self._lock:
                if any(text in reply for reply in self.replies[after:]):
                    return time.monotonic() - began
            time.sleep(0.02)
        raise AssertionError(f"no reply with {text!r} in {timeout} s: {self.replies[after:]}")

    def close(self) -> None:
        self.client.disconnect()

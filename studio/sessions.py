"""Server-side sessions: the browser holds a random token only (HttpOnly, SameSite=Strict cookie);
the user, the CSRF token and the times stay here. A session ends after STUDIO_SESSION_MINUTES without
a request, and at most 12 hours after the login, so a shared ward computer left open does not stay
signed in. A restart of the studio ends every session.

Every form and htmx request that changes something carries the session's CSRF token (a hidden field,
or the X-CSRF-Token header htmx sends); a request without the right one is refused. Five failed
logins for one name or from one address wait a minute before the next try.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

MAX_SESSION_SECONDS = 12 * 3600
FAILED_LOGINS = 5
LOCKOUT_SECONDS = 60


@dataclass
class Session:
    token: str
    user: str
    csrf: str
    started: float
    seen: float
    flash: List[str] = field(default_factory=list)  # notices shown once on the next page


class Sessions:
    def __init__(self, idle_minutes: int, clock: Callable[[], float] = time.time):
        self.idle = idle_minutes * 60
        self.clock = clock
        self._sessions: Dict[str, Session] = {}
        self._failures: Dict[str, List[float]] = {}
        self._lock = threading.Lock()

    def start(self, user: str) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._sessions[session.token] = session
        return session

    def get(self, token: Optional[str]) -> Optional[Session]:
        """The live session of this token (its idle time restarted), or None when there is none or it expired."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.started > MAX_SESSION_SECONDS:
                del self._sessions[token]
                return None
            session.seen = now
            return session

    def end(self, token: Optional[str]) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def end_user(self, user: str) -> None:
        with self._lock:
            for token in [t for t, s in self._sessions.items() if s.user == user]:
                del self._sessions[token]

    @staticmethod
    def csrf_ok(session: Optional[Session], sent: Optional[str]) -> bool:
        return bool(session and sent and hmac.compare_digest(session.csrf, sent))

    # --- failed logins ----------------------------------------------------------------------

    def locked(self, *keys: str) -> bool:
        now = self.clock()
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < LOCKOUT_SECONDS]
                self._failures[key] = recent
                if len(recent) >= FAILED_LOGINS:
                    return True
        return False

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

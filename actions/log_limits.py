"""A flood of one kind of log record cannot fill the disk, on the Rasa server and the action server.

Some log lines can be caused from outside at will: a malformed Socket.IO packet, a malformed HTTP
request, a webhook with a wrong signature. Unfiltered, each malformed packet `42[` makes
python-engineio log a whole traceback, hundreds of times the bytes sent (docs/security.md has the
measurement). The channels now answer such input with one short WARNING line
of their own and count it in the metrics (webchat/socketio_channel.py, addons/channels/); this
filter bounds what still gets through, from our code and from the libraries alike:

* **A traceback once per kind of error.** A record that carries an exception keeps its traceback
  the first time its kind is seen (logger, exception type and the line that raised it); later
  records of that kind are one line, ending with the exception's type.
* **At most BURST lines per kind per WINDOW_SECONDS** for WARNING and above (a kind: logger,
  level and the message's template, or the error's kind above). Beyond that, records are counted
  and not written; the next line of that kind that is written says how many were held back.
  The metrics (addons/metrics.py) still count every refusal.
* INFO and below pass as they are: the servers' INFO lines are one per message at most, bounded by
  the traffic itself, and `make run` rotates every log by size (scripts/supervise.py).

Installed by logging.yml (after the privacy filter: `limit_filter()` wraps the record factory
that actions/log_privacy.py installs, to note each record's kind before that factory formats its
message and its traceback). Per process, in memory: at most MAX_KINDS kinds are remembered, the
least recently seen forgotten first. Nothing here imports Rasa: the action server uses it too.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from typing import Any, Dict, Optional, Tuple

BURST = 10
WINDOW_SECONDS = 60.0
MAX_KINDS = 1000
# the LogRecord attribute this module sets on each record as it is created
KIND_ATTRIBUTE = "log_limits_kind"

Kind = Tuple[Any, ...]


def _exception_kind(exc_info: Any) -> Optional[Tuple[str, str]]:
    """(exception type, where it was raised) of `exc_info` (True, an exception or a tuple)."""
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not isinstance(exc_info, tuple) or len(exc_info) != 3 or exc_info[0] is None:
        return None
    error_type, _, trace = exc_info
    where = "?"
    while trace is not None:
        where = f"{os.path.basename(trace.tb_frame.f_code.co_filename)}:{trace.tb_lineno}"
        trace = trace.tb_next
    return error_type.__name__, where


def record_kind(name: str, level: int, message: Any, exc_info: Any) -> Kind:
    """What makes two log records "of one kind": the logger, the level, and either the error's
    type and place (a record with an exception) or the message's template (`"... %s"`, before
    its arguments are filled in; an object logged as the message counts by its type)."""
    error = _exception_kind(exc_info)
    if error:
        return (name, level, "error", *error)
    return (name, level, message if isinstance(message, str) else type(message).__name__)


_factory_installed = False


def install_record_factory() -> None:
    """Notes each record's kind (record_kind) as it is created, from the message template and the
    exception as logged: the privacy factory inside this one formats both right away."""
    global _factory_installed
    if _factory_installed:
        return
    create_record = logging.getLogRecordFactory()

    def create_record_with_kind(*args: Any, **kwargs: Any) -> logging.LogRecord:
        # LogRecord(name, level, pathname, lineno, msg, args, exc_info, func=None, sinfo=None)
        name, level, message, exc_info = args[0], args[1], args[4], args[6] if len(args) > 6 else None
        kind = record_kind(name, level, message, kwargs.get("exc_info", exc_info))
        record = create_record(*args, **kwargs)
        setattr(record, KIND_ATTRIBUTE, kind)
        return record

    logging.setLogRecordFactory(create_record_with_kind)
    _factory_installed = True


class _Seen:
    __slots__ = ("window_start", "written", "held_back")

    def __init__(self, now: float) -> None:
        self.window_start = now
        self.written = 0
        self.held_back = 0


class LimitFilter(logging.Filter):
    """A handler filter: see the module docstring."""

    def __init__(self, burst: int = BURST, window_seconds: float = WINDOW_SECONDS, clock=time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.window_seconds = window_seconds
        self.clock = clock
        self._seen: "OrderedDict[Kind, _Seen]" = OrderedDict()
        self._tracebacks_written: "OrderedDict[Kind, None]" = OrderedDict()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        kind = getattr(record, KIND_ATTRIBUTE, None)
        if kind is None:  # created before the factory was installed, or by hand
            kind = record_kind(record.name, record.levelno, record.msg, record.exc_info)
        # the privacy filter, before this one, turns the extra attribute's tuple into a list
        kind = tuple(kind)
        with self._lock:
            if len(kind) > 3 and kind[2] == "error":
                self._traceback_once(record, kind)
            if record.levelno < logging.WARNING:
                return True
            return self._within_burst(record, kind)

    def _traceback_once(self, record: logging.LogRecord, kind: Kind) -> None:
        if kind in self._tracebacks_written:
            self._tracebacks_written.move_to_end(kind)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            record.msg, record.args = f"{record.getMessage()} ({kind[3]}; its traceback was logged before)", None
            return
        self._tracebacks_written[kind] = None
        if len(self._tracebacks_written) > MAX_KINDS:
            self._tracebacks_written.popitem(last=False)

    def _within_burst(self, record: logging.LogRecord, kind: Kind) -> bool:
        now = self.clock()
        seen = self._seen.get(kind)
        if seen is None or now - seen.window_start >= self.window_seconds:
            held_back = seen.held_back if seen else 0
            seen = self._seen[kind] = _Seen(now)
            if held_back:
                record.msg, record.args = (
                    f"{record.getMessage()} [{held_back} more like this were not logged in the "
                    f"{self.window_seconds:.0f} s before]",
                    None,
                )
        self._seen.move_to_end(kind)
        if len(self._seen) > MAX_KINDS:
            self._seen.popitem(last=False)
        if seen.written >= self.burst:
            seen.held_back += 1
            return False
        seen.written += 1
        return True

    def held_back(self) -> Dict[Kind, int]:
        """Records held back so far in each kind's current window (for the tests)."""
        with self._lock:
            return {kind: seen.held_back for kind, seen in self._seen.items() if seen.held_back}


def limit_filter() -> LimitFilter:
    """The filter of logging.yml; also installs the record factory that notes each record's kind."""
    install_record_factory()
    return LimitFilter()

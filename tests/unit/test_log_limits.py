"""actions/log_limits.py and logging.yml: a flood of one kind of log record stays a few lines: a
traceback once per kind of error, at most BURST lines per kind and minute, INFO untouched; and
Sanic's errors reach the filtered handler instead of Python's last-resort one."""

import io
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from actions.log_limits import BURST, KIND_ATTRIBUTE, LimitFilter, install_record_factory, record_kind

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def logged():
    """A logger whose only handler has a LimitFilter on a fake clock; the text it wrote."""
    install_record_factory()
    clock = Clock()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    limit = LimitFilter(clock=clock)
    handler.addFilter(limit)
    logger = logging.getLogger("tests.log_limits")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.DEBUG
    yield logger, stream, clock, limit
    logger.handlers = []


def malformed(packet):
    import json

    json.loads(packet[2:])


def test_an_error_repeated_keeps_its_traceback_once_and_is_one_line_after(logged):
    logger, stream, _, _ = logged
    for _ in range(5):
        try:
            malformed("42[")
        except ValueError:
            logger.exception("message handler error")
    text = stream.getvalue()
    assert text.count("Traceback") == 1
    assert text.count("message handler error") == 5
    assert text.count("(JSONDecodeError; its traceback was logged before)") == 4


def test_each_kind_of_error_keeps_its_own_first_traceback(logged):
    logger, stream, _, _ = logged
    for message in ("message handler error", "post request handler error"):
        try:
            malformed("42[")
        except ValueError:
            logger.exception(message)  # another message, the same error raised at the same place
    try:
        int("x")
    except ValueError:
        logger.exception("message handler error")
    assert stream.getvalue().count("Traceback") == 2  # JSONDecodeError once, ValueError once


def test_a_flood_of_one_warning_is_held_back_after_the_burst_and_counted(logged):
    logger, stream, clock, limit = logged
    for number in range(1000):
        logger.warning("socketio: a malformed packet from socket %d: ignored", number)
    assert stream.getvalue().count("malformed packet") == BURST
    assert sum(limit.held_back().values()) == 1000 - BURST
    clock.now += 61
    logger.warning("socketio: a malformed packet from socket %d: ignored", 1000)
    last = stream.getvalue().splitlines()[-1]
    assert last.endswith(f"[{1000 - BURST} more like this were not logged in the 60 s before]")


def test_other_kinds_are_not_held_back_by_a_flood(logged):
    logger, stream, _, _ = logged
    for _ in range(100):
        logger.warning("a flood")
    logger.warning("the action server is not reachable")
    logger.error("a flood")  # another level: another kind
    assert "the action server is not reachable" in stream.getvalue()
    assert stream.getvalue().count("ERROR a flood") == 1


def test_info_lines_are_never_held_back(logged):
    logger, stream, _, _ = logged
    for _ in range(500):
        logger.info("message not parsed: %s", "blank")
    assert stream.getvalue().count("message not parsed: blank") == 500


def test_the_kind_is_the_template_not_the_filled_in_message():
    assert record_kind("x", 30, "from %s", None) == ("x", 30, "from %s")
    assert record_kind("x", 40, ValueError("a"), None) == ("x", 40, "ValueError")
    try:
        int("x")
    except ValueError:
        name, level, marker, error, where = record_kind("x", 40, "any text", True)
    assert (marker, error) == ("error", "ValueError") and where.startswith("test_log_limits.py:")


def test_a_record_made_before_the_factory_is_still_limited():
    limit = LimitFilter()
    records = [logging.LogRecord("x", logging.WARNING, __file__, 1, "same", None, None) for _ in range(BURST + 5)]
    for record in records:
        if hasattr(record, KIND_ATTRIBUTE):
            delattr(record, KIND_ATTRIBUTE)
    assert sum(limit.filter(record) for record in records) == BURST


SERVER_LIKE = textwrap.dedent("""
    import json, logging
    from rasa.utils.common import configure_logging_and_warnings, update_sanic_log_level
    configure_logging_and_warnings(None, "logging.yml")
    update_sanic_log_level()  # as `rasa run` does after reading logging.yml
    from sanic.log import error_logger
    # each line differs (Rasa's own RepeatedLogFilter drops only a line identical to the one before)
    for number in range(2000):
        try:
            json.loads("[")
        except ValueError:
            error_logger.exception("Exception occurred while handling uri: %s", "ab"[number % 2])
    for number in range(2000):
        logging.getLogger("webchat.socketio_channel").warning("socketio: a malformed packet (%d): ignored", number)
    print("done")
""")


def test_logging_yml_bounds_a_flood_from_sanic_and_from_our_code():
    """logging.yml as `rasa run --logging-config-file logging.yml` applies it: 2,000 Sanic errors and
    2,000 warnings write one traceback and a few lines, formatted, through the filtered handler."""
    result = subprocess.run(
        [sys.executable, "-c", SERVER_LIKE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0 and "done" in result.stdout, result.stderr[-3000:]
    log = result.stderr
    assert log.count("Traceback") == 1
    assert log.count("Exception occurred while handling uri") == BURST
    assert log.count("socketio: a malformed packet") == BURST
    # formatted by logging.yml's handler, not printed bare by Python's last-resort handler
    assert all(" ERROR    sanic.error  - " in line for line in log.splitlines() if "handling uri" in line)
    assert len(log.encode()) < 10_000

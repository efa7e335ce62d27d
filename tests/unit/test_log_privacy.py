"""The log privacy filter (actions/log_privacy.py) and logging.yml: phone numbers and message
text never reach a log line, from stdlib logging or from Rasa's structlog events."""

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import structlog

from actions.log_privacy import (
    PHONE_PLACEHOLDER,
    REDACTED,
    PrivacyFilter,
    _with_redaction,
    redact_event,
    redact_phone_numbers,
)

ROOT = Path(__file__).resolve().parents[2]
MARKER = "Quokkafever"
PHONE = "+15550100123"


def test_phone_numbers_are_replaced_and_other_numbers_kept():
    # which strings are phone numbers: tests/unit/test_phone_numbers.py
    line = "2026-11-29 09:21:50,123 reply to whatsapp:+15551234567 took 0.123 s on http://127.0.0.1:5005"
    assert redact_phone_numbers(line) == (
        f"2026-11-29 09:21:50,123 reply to whatsapp:{PHONE_PLACEHOLDER} took 0.123 s on http://127.0.0.1:5005"
    )


def test_structlog_event_loses_text_fields_and_phone_numbers():
    event = redact_event(
        None,
        "error",
        {
            "event": f"rest.message.received.timeout for {PHONE}",
            "text": f"{MARKER} at {PHONE}",
            "metadata": {"from": PHONE},
            "sender_id": PHONE,
            "attempts": 2,
            "nested": {"user_message": MARKER, "note": f"call {PHONE}"},
        },
    )
    rendered = json.dumps(event)
    assert MARKER not in rendered and "0100123" not in rendered
    assert event["text"] == REDACTED and event["attempts"] == 2 and event["nested"]["user_message"] == REDACTED


def test_structlog_exception_is_rendered_without_locals_or_numbers():
    def handle(text):
        raise ValueError(f"could not parse {PHONE}")

    try:
        handle(f"{MARKER} {PHONE}")
    except ValueError:
        event = redact_event(None, "exception", {"event": "rest.message.received.failure", "exc_info": True})
    assert "ValueError: could not parse [phone]" in event["exception"]
    assert MARKER not in event["exception"] and "0100123" not in event["exception"]
    assert "exc_info" not in event


def test_redaction_goes_just_before_rasas_renderers():
    rasa_json = [
        structlog.processors.add_log_level,
        structlog.dev.set_exc_info,
        structlog.processors.dict_tracebacks,
        structlog.processors.JSONRenderer(),
    ]
    assert _with_redaction(rasa_json).index(redact_event) == 2
    console = [structlog.processors.add_log_level, structlog.dev.set_exc_info, structlog.dev.ConsoleRenderer()]
    assert _with_redaction(console).index(redact_event) == 2
    assert _with_redaction(_with_redaction(console)).count(redact_event) == 1


def test_filter_redacts_message_arguments_extras_and_tracebacks():
    record = logging.LogRecord("rasa.core", logging.ERROR, __file__, 1, "reply to %s failed: %s", (PHONE, "boom"), None)
    record.text = MARKER  # logger.error(..., extra={"text": ...})
    record.channel = f"twilio {PHONE}"
    try:
        raise RuntimeError(f"Twilio refused {PHONE}")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert PrivacyFilter().filter(record)
    line = logging.Formatter("%(message)s %(text)s %(channel)s").format(record)
    assert MARKER not in line and "0100123" not in line
    assert "reply to [phone] failed: boom" in line and "RuntimeError: Twilio refused [phone]" in line


SERVER_LIKE = textwrap.dedent(f"""
    import logging, structlog
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog
    from rasa.utils.io import configure_colored_logging

    # what rasa/__main__.py does, in this order
    configure_logging_and_warnings(None, "logging.yml")
    configure_colored_logging(None)
    configure_structlog(None)
    structlogger = structlog.get_logger()

    def receive(text):
        raise ConnectionError("client went away")

    try:
        receive("{MARKER} {PHONE}")
    except ConnectionError:
        structlogger.exception("rest.message.received.failure", text="{MARKER} {PHONE}")
    structlogger.error("rest.message.received.timeout", text="{MARKER}", sender_id="{PHONE}")
    logging.getLogger("rasa.core.channels").warning("could not send to %s", "{PHONE}")
    logging.getLogger("sanic.error").error("late handler", extra={{"text": "{MARKER}"}})
    print("done")
""")


def test_logging_yml_covers_stdlib_and_structlog_as_rasa_configures_them():
    """logging.yml applied the way `rasa run --logging-config-file logging.yml` applies it, then
    coloredlogs and structlog configured as Rasa does after it: nothing leaks, lines still come."""
    result = subprocess.run(
        [sys.executable, "-c", SERVER_LIKE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "done" in result.stdout, output[-3000:]
    for line in (
        "rest.message.received.failure",
        "rest.message.received.timeout",
        "could not send to [phone]",
        "late handler",
        "ConnectionError: client went away",
    ):
        assert line in output, output[-3000:]
    assert MARKER not in output and "0100123" not in output, output[-3000:]


def test_rasa_sdk_reads_logging_yml():
    """`python -m rasa_sdk --logging-config_file logging.yml` (and `rasa run actions`) go through
    rasa_sdk's reader: the root handler gets the filter (a file that fails to load would be ignored
    silently)."""
    script = textwrap.dedent("""
        import logging
        from rasa_sdk.utils import configure_colored_logging, configure_file_logging
        configure_colored_logging(logging.INFO)
        configure_file_logging(logging.getLogger("rasa_sdk"), None, logging.INFO, "logging.yml")
        from actions.log_privacy import PrivacyFilter
        assert any(isinstance(f, PrivacyFilter) for h in logging.getLogger().handlers for f in h.filters)
        logging.getLogger("rasa_sdk.executor").error("action failed for +15550100123")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "action failed for [phone]" in result.stderr and "0100123" not in result.stderr


def test_every_server_start_reads_logging_yml():
    """The containers' start scripts copy and pass it; so do the test servers."""
    # the action image runs rasa_sdk's own command, which spells the option with an underscore
    for script, option in (
        ("deploy/rasa-serve.sh", "--logging-config-file"),
        ("deploy/actions-serve.sh", "--logging-config_file"),
    ):
        code = "\n".join(line.split("#", 1)[0] for line in (ROOT / script).read_text().splitlines())
        assert f"{option} logging.yml" in code, script
    for dockerfile in ("deploy/Dockerfile.rasa", "deploy/Dockerfile.actions"):
        copies = [
            line.split()[1:-1] for line in (ROOT / dockerfile).read_text().splitlines() if line.startswith("COPY ")
        ]
        assert any("logging.yml" in sources for sources in copies), f"{dockerfile} does not copy logging.yml"
    # the test servers (and the studio's try-it servers): scripts/model_servers.py, which tools/harness.py uses
    harness = " ".join((ROOT / "scripts/model_servers.py").read_text().split())  # whatever the line breaks
    assert harness.count('"--logging-config-file", str(LOGGING_CONFIG)') == 2  # the action and Rasa servers

"""No message text and no phone number in any log line, on the Rasa server and the action server.

What a parent writes, and the numbers they write from, are health information. Both servers log
through Python's logging, and Rasa 3.6 also through structlog (rendered to a stdlib logger), whose
fields carry text: rasa/core/channels/rest.py logs `text=` at ERROR when a REST request times
out, fails or its client disconnects, and its exception rendering adds each frame's local
variables (structlog's ExceptionDictTransformer shows locals by default). So:

* Every LogRecord, as it is created (a record factory, so whichever handler emits it):
  phone numbers (clinical/phone_numbers.py) become "[phone]" in the message, its exception's traceback
  (formatted here, without locals) and its stack. `PrivacyFilter`, the handler filter of
  logging.yml, also replaces attributes of known text-carrying names given with `extra=`
  ({"text": ...}) by "[redacted]".
* `redact_event`, a structlog processor, drops the values of known text-carrying fields
  (TEXT_FIELDS: text, message, body, metadata, parse data, slots, events, trackers ...),
  replaces phone numbers in every other value, and renders an exception as a traceback without
  locals, with phone numbers replaced.

Installed by the logging config file `logging.yml` at the project root, which both servers read:
`rasa run --logging-config-file logging.yml` (rasa/utils/common.py configure_logging_from_file)
and `rasa run actions --logging-config-file logging.yml` (rasa_sdk/utils.py
configure_logging_from_input_file); both pass it to logging.config.dictConfig, which calls
privacy_filter(): it installs the record factory and returns the filter. structlog cannot be
configured from that file, and Rasa configures it afterwards (rasa/utils/log_utils.py
configure_structlog, called by rasa/__main__.py after the logging config file), so
privacy_filter() also calls install_structlog_processor(): the current
structlog chain and every chain configured later get `redact_event` just before rendering.

Nothing here imports Rasa: the action server imports this module too (it lives in `actions/`
because both servers' images ship that package).

Known limit: free text is recognised by field, not by content. A library that puts a message's
text into a log line's own wording would not be caught; Rasa does so at DEBUG level only (the
servers run at INFO), and the live tests search both servers' logs on every error path they can
reach (tests/live/test_log_privacy.py).
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any, MutableMapping

from clinical.phone_numbers import replace_phone_numbers

REDACTED = "[redacted]"
PHONE_PLACEHOLDER = "[phone]"

# structlog fields and LogRecord attributes that carry what a parent wrote (Rasa's own list of
# anonymizable log fields, rasa/utils/log_utils.py _anonymizer, plus request bodies and ids).
TEXT_FIELDS = frozenset(
    {
        "text",
        "message",
        "body",
        "metadata",
        "user_text",
        "response_text",
        "parse_data",
        "parse_data_text",
        "parse_data_entities",
        "slot_values",
        "slots",
        "tracker_latest_message",
        "latest_message",
        "prefilled_slots",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "events",
        "event_info_text",
        "tracker",
        "tracker_states",
        "current_states",
        "old_states",
        "states",
        "successes",
        "current_entity",
        "next_entity",
        "entity",
        "entities",
        "token_text",
        "user_message",
        "json_message",
        "messages",
        "bot_message",
        "utterance",
        "payload",
        "request",
        "data",
        "sender",
        "sender_id",
        "recipient_id",
        "locals",
    }
)
# the LogRecord attributes logging itself sets: never replaced ("message" and "msg" are rewritten)
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact_phone_numbers(text: str) -> str:
    """`text` with every phone number replaced by "[phone]": any number that could be real, in the
    formats clinical/phone_numbers.py reads ("whatsapp:+1 555 123 4567", "(555) 010-0123"), never
    an address, a date, a time, a version or a decimal figure."""
    return replace_phone_numbers(text, PHONE_PLACEHOLDER)


def _redact_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return redact_phone_numbers(value)
    if isinstance(value, dict):
        return {key: REDACTED if str(key) in TEXT_FIELDS else _redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_redact_value(item) for item in value]
    return redact_phone_numbers(repr(value))  # what the renderer would print, minus numbers


def _exception_text(exc_info: Any) -> str:
    """The traceback of `exc_info` (True, an exception or a sys.exc_info() tuple), without locals."""
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not isinstance(exc_info, tuple) or exc_info[0] is None:
        return ""
    return redact_phone_numbers("".join(traceback.format_exception(*exc_info)).rstrip())


# --- structlog --------------------------------------------------------------------------------


def redact_event(_logger: Any, _method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: see the module docstring. Runs just before rendering."""
    exc_info = event_dict.pop("exc_info", None)
    for key in list(event_dict):
        if key in TEXT_FIELDS:
            event_dict[key] = REDACTED
        elif key != "exception":
            event_dict[key] = _redact_value(event_dict[key])
    if exc_info:
        rendered = _exception_text(exc_info)
        if rendered:
            event_dict["exception"] = rendered
    elif "exception" in event_dict:
        exception = event_dict["exception"]
        event_dict["exception"] = (
            redact_phone_numbers(exception) if isinstance(exception, str) else _redact_value(exception)
        )  # a dict traceback: locals dropped
    return event_dict


def _with_redaction(processors: Any) -> list:
    """`processors` with redact_event just before the exception renderer or, without one, the
    final renderer: after Rasa's own steps (levels, set_exc_info), before anything is printed."""
    import structlog

    chain = [p for p in (processors or []) if p is not redact_event]
    if not chain:
        return [redact_event]
    renderers = [
        i
        for i, p in enumerate(chain)
        if p is structlog.processors.dict_tracebacks
        or p is structlog.processors.format_exc_info
        or isinstance(p, structlog.processors.ExceptionRenderer)
    ]
    position = renderers[0] if renderers else len(chain) - 1
    return chain[:position] + [redact_event] + chain[position:]


_structlog_installed = False


def install_structlog_processor() -> None:
    """Adds redact_event to structlog's current chain and to every chain configured later
    (Rasa configures structlog after the logging config file). Idempotent; a no-op without
    structlog."""
    global _structlog_installed
    try:
        import structlog
    except ImportError:
        return
    if _structlog_installed:
        return
    configure = structlog.configure

    def configure_with_redaction(*args: Any, **kwargs: Any) -> None:
        if "processors" in kwargs:
            kwargs["processors"] = _with_redaction(kwargs["processors"])
        elif args:
            args = (_with_redaction(args[0]),) + args[1:]
        configure(*args, **kwargs)

    structlog.configure = configure_with_redaction
    _redact_current_chain(structlog)
    _structlog_installed = True


def _redact_current_chain(structlog: Any) -> None:
    # In place: loggers already bound (and cached) hold this very list.
    processors = structlog.get_config()["processors"]
    if redact_event in processors:
        return
    if isinstance(processors, list):
        processors[:] = _with_redaction(processors)
    else:
        structlog.configure(processors=_with_redaction(processors))  # the wrapper's original


# --- stdlib logging ---------------------------------------------------------------------------


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """`record` with its message, exception and stack redacted (text-carrying extras: the filter)."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not hide the line
        message = str(record.msg)
    record.msg, record.args = redact_phone_numbers(message), None
    if record.exc_info:
        record.exc_text = _exception_text(record.exc_info)
        record.exc_info = None  # no handler formats the original again
    elif record.exc_text:
        record.exc_text = redact_phone_numbers(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_phone_numbers(record.stack_info)
    return record


_record_factory_installed = False


def install_record_factory() -> None:
    """Redacts every LogRecord as it is created, whichever handler then emits it: Sanic (with
    Rasa's HTTP API on) and coloredlogs install handlers of their own after logging.yml."""
    global _record_factory_installed
    if _record_factory_installed:
        return
    create_record = logging.getLogRecordFactory()

    def create_redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(create_record(*args, **kwargs))

    logging.setLogRecordFactory(create_redacted_record)
    _record_factory_installed = True


class PrivacyFilter(logging.Filter):
    """A handler filter: see the module docstring."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        # attributes given with `extra=` are set after the record is created: here
        for name in set(vars(record)) - _RECORD_ATTRIBUTES:
            value = getattr(record, name)
            if name in TEXT_FIELDS:
                setattr(record, name, REDACTED)
            elif isinstance(value, (str, dict, list, tuple)):  # other handlers' objects are left alone
                setattr(record, name, _redact_value(value))
        return True


def privacy_filter() -> PrivacyFilter:
    """The filter of logging.yml. Also installs the record factory and the structlog processor,
    so that no handler and no structlog chain is left out."""
    install_record_factory()
    install_structlog_processor()
    return PrivacyFilter()

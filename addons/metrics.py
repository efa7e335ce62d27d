"""Prometheus metrics of the Rasa server, served at GET /metrics on its own port.

What operations watch: how many messages arrive on each channel, what kind of reply they get
(a topic answer, the unsure band's offer of other topics, "please rephrase", not covered, personal
advice, and each urgent decision), how long a reply takes, how often the action server fails and
the UrgentSafetyPolicy answers instead, and what the input guard refuses.

    neutropenia_assistant_messages_received_total{channel}
    neutropenia_assistant_replies_total{channel, kind}
    neutropenia_assistant_reply_latency_seconds{channel}            histogram, 50 ms to 10 s
    neutropenia_assistant_action_server_failures_total{reason}      timeout, not_reachable, error,
                                                                    skipped_after_timeout
    neutropenia_assistant_safety_policy_takeovers_total{reason}     action_server_failed,
                                                                    urgent_but_unsure
    neutropenia_assistant_input_guard_refusals_total{channel, reason}  blank, too_long, busy, bad_sender,
                                                                    malformed, not_json, foreign_session

Every label value comes from a fixed list in this module: a channel Rasa names otherwise counts as
"other", and no message text, sender id or phone number can ever become a label (each would also be
a new time series per parent). The callers: the input guard (addons/channels/input_guard.py), the
NLG (addons/nlg/hospital_nlg.py, the response it renders), the safety policy
(addons/policies/urgent_safety_policy.py) and the action-server patch
(addons/rasa_patches/action_server.py); addons/rasa_patches/metrics_route.py adds the route.

Several Sanic workers (SANIC_WORKERS > 1) are several processes, each counting its own messages:
then the start script (scripts/run_assistant.sh, deploy/rasa-serve.sh) sets PROMETHEUS_MULTIPROC_DIR
to an empty directory before the server starts, every worker writes its counts there
(prometheus_client's multiprocess mode), and /metrics, whichever worker answers, reports their sums.
Without it each scrape would see one worker's counts.
"""

from __future__ import annotations

import logging
import os
from typing import Dict, Optional, Text, Tuple

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sanic import response
from sanic.request import Request

from addons.policies.confidence_bands import OFFER_RESPONSE
from clinical.vocabulary import RESPONSE_FOR_DECISION

logger = logging.getLogger(__name__)

NAMESPACE = "neutropenia_assistant"
METRICS_PATH = "/metrics"
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# The channels of credentials.yml, by the names Rasa gives them; anything else is "other".
CHANNELS = ("rest", "socketio", "twilio", "facebook", "telegram", "slack")
OTHER_CHANNEL = "other"

# --- the kind of each reply, from the name of the response rendered --------------------------
ANSWER = "answer"  # a topic answer: any response not named below
UNSURE = "unsure"  # the unsure band's offer of other topics (addons/policies/confidence_bands.py)
REPHRASE = "rephrase"
NOT_COVERED = "not_covered"
PERSONAL_ADVICE = "personal_advice"
OUT_OF_SCOPE = "out_of_scope"
SMALL_TALK = "small_talk"  # greetings, thanks, goodbye, "are you a bot", an opener's acknowledgment
# each urgent decision counts under its own name (clinical/vocabulary.py: call_911, call_now_reading, ...)
KIND_BY_RESPONSE: Dict[Text, Text] = {
    **{response: decision for decision, response in RESPONSE_FOR_DECISION.items()},
    OFFER_RESPONSE: UNSURE,
    "utter_please_rephrase": REPHRASE,
    "utter_not_covered": NOT_COVERED,
    "utter_ask_care_team": PERSONAL_ADVICE,
    "utter_out_of_scope": OUT_OF_SCOPE,
    "utter_greet": SMALL_TALK,
    "utter_thank": SMALL_TALK,
    "utter_goodbye": SMALL_TALK,
    "utter_bot_challenge": SMALL_TALK,
    "utter_acknowledge_situation": SMALL_TALK,
}
KINDS = tuple(dict.fromkeys([ANSWER, *KIND_BY_RESPONSE.values()]))

# --- why the action server failed (addons/rasa_patches/action_server.py) ----------------------
TIMEOUT = "timeout"  # no answer within ACTION_SERVER_TIMEOUT_SECONDS
NOT_REACHABLE = "not_reachable"  # connection refused or reset: down, restarting
ERROR = "error"  # it answered with an error status (the action raised)
SKIPPED_AFTER_TIMEOUT = "skipped_after_timeout"  # not called: it timed out less than 5 s ago
ACTION_SERVER_FAILURES = (TIMEOUT, NOT_REACHABLE, ERROR, SKIPPED_AFTER_TIMEOUT)

# --- why the safety policy took over (addons/policies/urgent_safety_policy.py) -----------------
ACTION_SERVER_FAILED = "action_server_failed"  # the escalation action failed: the policy sent Call now itself
URGENT_BUT_UNSURE = "urgent_but_unsure"  # an urgent message read as unsure or as a topic question: escalated
TAKEOVERS = (ACTION_SERVER_FAILED, URGENT_BUT_UNSURE)

# --- why the input guard did not pass a message on (addons/channels/input_guard.py) ------------
BLANK = "blank"
TOO_LONG = "too_long"
BUSY = "busy"  # the sender already had MAX_MESSAGES_IN_FLIGHT_PER_SENDER messages waiting
BAD_SENDER = "bad_sender"  # a sender id that cannot be a conversation id
# a Socket.IO packet or a request body the channel cannot read
MALFORMED = "malformed"
NOT_JSON = "not_json"  # a REST write without Content-Type: application/json (415)
# a web chat message for a session its socket did not open or resume with the server's signed id
FOREIGN_SESSION = "foreign_session"
REFUSALS = (BLANK, TOO_LONG, BUSY, BAD_SENDER, MALFORMED, NOT_JSON, FOREIGN_SESSION)

# From a message in to its replies sent: NLU is about 50 ms, a busy server or a slow action server
# takes seconds, and ACTION_SERVER_TIMEOUT_SECONDS (3 s) plus the rest bounds a fever report.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0)

MESSAGES_RECEIVED = Counter(
    "messages_received", "Messages received, by channel (refused ones too).", ["channel"], namespace=NAMESPACE
)
REPLIES = Counter(
    "replies",
    "Replies sent, by channel and kind (answer, unsure, rephrase, not_covered, personal_advice, "
    "out_of_scope, small_talk, or the urgent decision).",
    ["channel", "kind"],
    namespace=NAMESPACE,
)
REPLY_LATENCY = Histogram(
    "reply_latency_seconds",
    "From a message received to its replies sent, by channel (messages the input guard refused not included).",
    ["channel"],
    namespace=NAMESPACE,
    buckets=LATENCY_BUCKETS,
)
ACTION_SERVER_FAILURES_TOTAL = Counter(
    "action_server_failures",
    "Calls of a custom action that failed: timeout, not_reachable, error, skipped_after_timeout.",
    ["reason"],
    namespace=NAMESPACE,
)
SAFETY_POLICY_TAKEOVERS = Counter(
    "safety_policy_takeovers",
    "Times the UrgentSafetyPolicy decided the next action: action_server_failed (it sent the Call-now "
    "reply itself) or urgent_but_unsure (it escalated a message the classifier was not sure of).",
    ["reason"],
    namespace=NAMESPACE,
)
INPUT_GUARD_REFUSALS = Counter(
    "input_guard_refusals",
    "Messages the input guard answered itself or dropped, by channel and reason (blank, too_long, busy, "
    "bad_sender, malformed, not_json, foreign_session).",
    ["channel", "reason"],
    namespace=NAMESPACE,
)


def _create_every_series() -> None:
    """Every labelled series at 0 from the start, so that a rate or an alert sees the first event
    as an increase (a series that appears with the value 1 is not one)."""
    for channel in (*CHANNELS, OTHER_CHANNEL):
        MESSAGES_RECEIVED.labels(channel)
        REPLY_LATENCY.labels(channel)
        for kind in KINDS:
            REPLIES.labels(channel, kind)
        for refusal in REFUSALS:
            INPUT_GUARD_REFUSALS.labels(channel, refusal)
    for failure in ACTION_SERVER_FAILURES:
        ACTION_SERVER_FAILURES_TOTAL.labels(failure)
    for takeover in TAKEOVERS:
        SAFETY_POLICY_TAKEOVERS.labels(takeover)


_create_every_series()

if int(os.environ.get("SANIC_WORKERS", "1") or 1) > 1 and not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
    logger.warning(
        "SANIC_WORKERS is %s but %s is not set: each worker counts only its own messages, and %s shows "
        "whichever worker answers. Start the server with scripts/run_assistant.sh or deploy/rasa-serve.sh, "
        'or set %s to an empty directory (docs/production.md "Metrics").',
        os.environ["SANIC_WORKERS"],
        MULTIPROCESS_DIR_VARIABLE,
        METRICS_PATH,
        MULTIPROCESS_DIR_VARIABLE,
    )


def channel_label(channel: Optional[Text]) -> Text:
    return channel if channel in CHANNELS else OTHER_CHANNEL


def reply_kind(response_name: Text) -> Text:
    """The kind of reply a response is (module docstring); a topic answer unless named otherwise."""
    return KIND_BY_RESPONSE.get(response_name, ANSWER)


def count_message(channel: Optional[Text]) -> None:
    MESSAGES_RECEIVED.labels(channel_label(channel)).inc()


def count_reply(response_name: Text, channel: Optional[Text]) -> None:
    REPLIES.labels(channel_label(channel), reply_kind(response_name)).inc()


def observe_reply_latency(channel: Optional[Text], seconds: float) -> None:
    REPLY_LATENCY.labels(channel_label(channel)).observe(seconds)


def count_refusal(channel: Optional[Text], reason: Text) -> None:
    if reason not in REFUSALS:
        raise ValueError(f"unknown input-guard refusal {reason!r}; one of {REFUSALS}")
    INPUT_GUARD_REFUSALS.labels(channel_label(channel), reason).inc()


def count_action_server_failure(reason: Text) -> None:
    if reason not in ACTION_SERVER_FAILURES:
        raise ValueError(f"unknown action-server failure {reason!r}; one of {ACTION_SERVER_FAILURES}")
    ACTION_SERVER_FAILURES_TOTAL.labels(reason).inc()


def count_safety_policy_takeover(reason: Text) -> None:
    if reason not in TAKEOVERS:
        raise ValueError(f"unknown safety-policy takeover {reason!r}; one of {TAKEOVERS}")
    SAFETY_POLICY_TAKEOVERS.labels(reason).inc()


def exposition() -> Tuple[bytes, Text]:
    """The metrics in Prometheus' text format, and its content type: this process's own (with
    prometheus_client's process and Python collectors), or with PROMETHEUS_MULTIPROC_DIR set, the
    sums over every worker that wrote there."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it untyped
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


async def metrics_endpoint(request: Request) -> response.HTTPResponse:
    """GET /metrics (Sanic handler)."""
    body, content_type = exposition()
    return response.raw(body, content_type=content_type)

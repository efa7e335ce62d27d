"""addons/metrics.py: what each counter counts, from the code that counts it (the input guard, the
NLG, the safety policy, the action-server patch), that no message text, sender id or phone number
becomes a label, GET /metrics on the app Rasa configures, and the sums over several workers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import aiohttp
import pytest
import rasa.core.run
from prometheus_client import REGISTRY
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from addons import metrics, rasa_patches
from addons.channels.input_guard import MAX_MESSAGES_IN_FLIGHT_PER_SENDER, RestInput
from addons.nlg.hospital_nlg import HospitalNaturalLanguageGenerator
from addons.policies.confidence_bands import OFFER_RESPONSE
from addons.policies.urgent_safety_policy import UrgentSafetyPolicy
from addons.rasa_patches import action_server as action_server_patch
from clinical.vocabulary import DECISIONS, ESCALATION_ACTION, RESPONSE_FOR_DECISION
from tests.conftest import ROOT
from tools.project_domain import load_domain

DOMAIN = load_domain()
PHONE = "+15551234567"
TEXT = "my daughter Emma has a fever of 101.5, call me at 555-0199"


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def replies(channel, kind):
    return value("neutropenia_assistant_replies_total", channel=channel, kind=kind)


def exposition_text():
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain; version=0.0.4")
    return body.decode()


def tracker(text, intent, channel="rest", sender=PHONE, entities=(), triage=None):
    parse = {"name": intent, "confidence": 0.95}
    data = {"intent": parse, "entities": list(entities), "text": text, "intent_ranking": [parse]}
    message = UserUttered(
        text,
        parse,
        list(entities),
        input_channel=channel,
        parse_data={**data, **({"triage": triage} if triage else {})},
    )
    return DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"), message], slots=DOMAIN.slots)


# --- the kind of each reply -----------------------------------------------------------------------


def test_each_urgent_decision_counts_under_its_own_name():
    for decision in DECISIONS:
        assert metrics.reply_kind(RESPONSE_FOR_DECISION[decision]) == decision
    assert set(DECISIONS) <= set(metrics.KINDS)


def test_the_offer_rephrase_not_covered_and_personal_advice_have_their_kinds_and_topics_are_answers():
    assert metrics.reply_kind(OFFER_RESPONSE) == "unsure"
    assert metrics.reply_kind("utter_please_rephrase") == "rephrase"
    assert metrics.reply_kind("utter_not_covered") == "not_covered"
    assert metrics.reply_kind("utter_ask_care_team") == "personal_advice"
    assert metrics.reply_kind("utter_what_is_neutropenia") == "answer"
    assert metrics.reply_kind("utter_treatment") == "answer"


def test_every_response_named_in_the_mapping_is_in_the_domain():
    # a renamed response would otherwise silently count as a topic answer
    missing = set(metrics.KIND_BY_RESPONSE) - set(DOMAIN.responses)
    assert not missing, f"addons/metrics.py names responses the domain does not have: {sorted(missing)}"
    # and the rules send the personal-advice and not-covered replies for those intents
    rules = (ROOT / "data" / "rules" / "care_team.yml").read_text()
    assert "- intent: ask_personal_medical_advice\n  - action: utter_ask_care_team" in rules
    assert "- intent: ask_not_covered\n  - action: utter_not_covered" in rules


# --- the NLG counts what it renders ------------------------------------------------------------------


def test_the_nlg_counts_a_reply_by_channel_and_kind_and_never_its_text_or_sender():
    nlg = HospitalNaturalLanguageGenerator(domain=DOMAIN)
    before = {kind: replies("twilio", kind) for kind in ("call_now_fever", "answer", "unsure")}
    fever = tracker(TEXT, "report_fever", channel="twilio")
    message = asyncio.run(nlg.generate(RESPONSE_FOR_DECISION["call_now_fever"], fever, "twilio"))
    assert message and message["text"]
    asyncio.run(
        nlg.generate(
            "utter_what_is_neutropenia", tracker("what is it", "ask_what_is_neutropenia", channel="twilio"), "twilio"
        )
    )
    assert replies("twilio", "call_now_fever") == before["call_now_fever"] + 1
    assert replies("twilio", "answer") == before["answer"] + 1
    assert replies("twilio", "unsure") == before["unsure"]
    # a channel Rasa names otherwise (rasa shell's "cmdline") is "other": no label value from outside
    other = replies("other", "answer")
    asyncio.run(nlg.generate("utter_treatment", tracker("treatment?", "ask_treatment", channel="cmdline"), "cmdline"))
    assert replies("other", "answer") == other + 1
    text = exposition_text()
    for private in (PHONE, "15551234567", "Emma", "101.5", "555-0199", "cmdline", message["text"][:30]):
        assert private not in text


# --- the input guard -----------------------------------------------------------------------------------


def guard_run(messages, handler=None):
    channel = RestInput()

    async def handled(message):
        await asyncio.sleep(0.01)

    guarded = channel.guard(handler or handled)

    async def all_of_them():
        await asyncio.gather(*(guarded(m) for m in messages))

    asyncio.run(all_of_them())


def message(text, sender="parent-metrics"):
    return UserMessage(text, CollectingOutputChannel(), sender, input_channel="rest")


def test_the_input_guard_counts_messages_refusals_by_reason_and_reply_latency():
    def refused(reason):
        return value("neutropenia_assistant_input_guard_refusals_total", channel="rest", reason=reason)

    received = value("neutropenia_assistant_messages_received_total", channel="rest")
    before = {reason: refused(reason) for reason in metrics.REFUSALS}
    latencies = value("neutropenia_assistant_reply_latency_seconds_count", channel="rest")
    flood = [message(f"question {i}", sender="flooding-parent") for i in range(MAX_MESSAGES_IN_FLIGHT_PER_SENDER + 2)]
    guard_run([message("   "), message("x" * 2001), message("hello", sender="bad\x00sender"), *flood])
    assert value("neutropenia_assistant_messages_received_total", channel="rest") == received + 3 + len(flood)
    assert refused("blank") == before["blank"] + 1
    assert refused("too_long") == before["too_long"] + 1
    assert refused("bad_sender") == before["bad_sender"] + 1
    assert refused("busy") == before["busy"] + 2
    # one latency per message handed to Rasa, none for a refused one
    assert (
        value("neutropenia_assistant_reply_latency_seconds_count", channel="rest")
        == latencies + MAX_MESSAGES_IN_FLIGHT_PER_SENDER
    )
    assert "flooding-parent" not in exposition_text()


def test_reply_latency_buckets_span_50_ms_to_10_s():
    assert metrics.LATENCY_BUCKETS[0] == 0.05 and metrics.LATENCY_BUCKETS[-1] == 10.0
    assert list(metrics.LATENCY_BUCKETS) == sorted(metrics.LATENCY_BUCKETS)
    text = exposition_text()
    assert 'neutropenia_assistant_reply_latency_seconds_bucket{channel="socketio",le="3.0"}' in text


def test_an_unknown_reason_is_a_programming_error_not_a_new_label():
    with pytest.raises(ValueError, match="unknown input-guard refusal"):
        metrics.count_refusal("rest", "parent typed something odd")
    with pytest.raises(ValueError):
        metrics.count_action_server_failure("whatever")
    with pytest.raises(ValueError):
        metrics.count_safety_policy_takeover("whatever")


# --- the safety policy and the action server -----------------------------------------------------------


def takeovers(reason):
    return value("neutropenia_assistant_safety_policy_takeovers_total", reason=reason)


def test_the_safety_policy_counts_its_takeovers_by_reason(tmp_path):
    policy = UrgentSafetyPolicy.create(
        UrgentSafetyPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("safety"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    failed, unsure = takeovers("action_server_failed"), takeovers("urgent_but_unsure")
    escalation_failed = tracker("she has a fever", "report_fever")
    escalation_failed.update(ActionExecuted(ESCALATION_ACTION))  # it ran, and decided nothing
    policy.predict_action_probabilities(escalation_failed, DOMAIN)
    # a fever the classifier could not place: the policy sends it to the escalation action all the same
    fever = {"entity": "fever_phrase", "value": "fevr", "start": 7, "end": 11}
    unplaced = tracker("kid hs fevr??", "nlu_fallback", entities=[fever], triage={"decision": "call_now_fever"})
    policy.predict_action_probabilities(unplaced, DOMAIN)
    policy.predict_action_probabilities(tracker("hi", "greet"), DOMAIN)  # not its business
    assert takeovers("action_server_failed") == failed + 1
    assert takeovers("urgent_but_unsure") == unsure + 1


def failures(reason):
    return value("neutropenia_assistant_action_server_failures_total", reason=reason)


@pytest.mark.parametrize(
    "raised, counted",
    [
        # after a timeout the second call is not made: the server timed out a moment ago
        (asyncio.TimeoutError(), {"timeout": 1, "skipped_after_timeout": 1}),
        (aiohttp.ClientConnectorError(None, OSError(111, "Connection refused")), {"not_reachable": 2}),  # type: ignore[arg-type]  # Rasa never reads the connection key
        (aiohttp.ClientResponseError(None, (), status=500), {"error": 2}),  # type: ignore[arg-type]  # nor the request info
    ],
)
def test_each_action_server_failure_is_counted_by_reason(monkeypatch, raised, counted):
    rasa_patches.apply()  # as the server does when it creates its channels

    async def rasa_call(self, output_channel, nlg, tracker, domain):
        # what Rasa's RemoteAction.run raises for each aiohttp error (rasa/core/actions/action.py)
        if isinstance(raised, asyncio.TimeoutError):
            raise raised
        try:
            raise raised
        except aiohttp.ClientConnectionError:
            raise RasaException("Failed to execute custom action. Couldn't connect")  # noqa: B904 (as Rasa does)
        except aiohttp.ClientResponseError as error:
            raise RasaException("Failed to execute custom action") from error

    monkeypatch.setattr(action_server_patch, "_rasa_remote_action_run", rasa_call)
    monkeypatch.setattr(action_server_patch, "_action_server_timed_out_at", None)
    before = {r: failures(r) for r in metrics.ACTION_SERVER_FAILURES}
    action = RemoteAction(ESCALATION_ACTION, EndpointConfig("http://127.0.0.1:1/webhook"))
    for _ in range(2):
        with pytest.raises(RasaException):
            asyncio.run(action.run(None, None, None, None))
    after = {r: failures(r) for r in metrics.ACTION_SERVER_FAILURES}
    assert {r: after[r] - before[r] for r in after if after[r] != before[r]} == counted
    assert sum(after.values()) == sum(before.values()) + 2


# --- GET /metrics on the Rasa server's app --------------------------------------------------------------


def test_the_patched_app_serves_metrics_without_the_http_api():
    rasa_patches.apply()
    assert rasa.core.run.configure_app is rasa_patches.metrics_route.configure_app
    app = rasa.core.run.configure_app([RestInput()], enable_api=False, cors=None)
    routes = {route.path: route for route in app.router.routes}
    # the HTTP API stays off: Rasa's root, the channel and /metrics (tests/live/test_metrics.py requests it)
    assert set(routes) == {"", "webhooks/rest", "webhooks/rest/webhook", "metrics"}
    assert routes["metrics"].methods == {"GET"}
    response = asyncio.run(routes["metrics"].handler(None))
    assert response.status == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    assert b"neutropenia_assistant_messages_received_total" in response.body


# --- several Sanic workers ----------------------------------------------------------------------------

# As Sanic starts its workers: the main process imports the project's code, then forks each worker.
WORKERS = """
import multiprocessing
from addons import metrics

def worker():
    metrics.count_message("socketio")
    metrics.count_reply("utter_call_now_fever", "socketio")

workers = [multiprocessing.get_context("fork").Process(target=worker) for _ in range(3)]
for process in workers:
    process.start()
for process in workers:
    process.join()
    assert process.exitcode == 0
print(metrics.exposition()[0].decode())
"""


def test_with_a_multiprocess_directory_metrics_are_the_sums_over_every_worker(tmp_path):
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    text = subprocess.run(
        [sys.executable, "-c", WORKERS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert 'neutropenia_assistant_messages_received_total{channel="socketio"} 3.0' in text
    assert 'neutropenia_assistant_replies_total{channel="socketio",kind="call_now_fever"} 3.0' in text
    assert 'neutropenia_assistant_messages_received_total{channel="rest"} 0.0' in text


def test_the_start_scripts_give_several_workers_an_empty_multiprocess_directory():
    for script in (ROOT / "scripts" / "run_assistant.sh", ROOT / "deploy" / "rasa-serve.sh"):
        code = script.read_text()
        assert "PROMETHEUS_MULTIPROC_DIR" in code and "SANIC_WORKERS" in code, script
        assert "rm -rf" in code.split("PROMETHEUS_MULTIPROC_DIR", 1)[1][:400], f"{script} must empty the directory"

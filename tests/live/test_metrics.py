"""GET /metrics on the real Rasa server (no HTTP API): a fever report, a fallback and an
action-server failure each move the counters operations watch, and no message text, sender id
or phone number appears in them. Its own servers: the last test stops the action server."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from addons.channels.input_guard import rest_conversation_id
from addons.metrics import reply_kind
from tests.live.conftest import TEST_CARE_TEAM_PHONE, Servers

FEVER_REPORT = "she has a fever of 101.5"
SENDER = "+15557654321"  # a sender id that looks like a phone number, as an SMS sender's does


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with Servers(tmp_path_factory.mktemp("metrics")) as servers:
        yield servers


def scrape(servers) -> str:
    response = requests.get(f"http://127.0.0.1:{servers.rasa_port}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.text


def samples(text: str) -> dict:
    """(sample name, sorted labels) -> value"""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def changes(before: dict, after: dict) -> dict:
    """Every counter sample that moved (histogram buckets left out), with how much."""
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if after[key] != before.get(key, 0.0)
        and key[0].startswith("neutropenia_assistant_")
        and not key[0].endswith(("_bucket", "_sum", "_created"))
    }


def test_the_rasa_server_serves_metrics_without_the_http_api(servers):
    text = scrape(servers)
    assert "neutropenia_assistant_messages_received_total" in text
    assert requests.get(f"http://127.0.0.1:{servers.rasa_port}/status", timeout=10).status_code == 404


def test_a_fever_report_counts_a_message_a_call_now_reply_and_a_latency(servers):
    before = samples(scrape(servers))
    reply = servers.say(SENDER, FEVER_REPORT)
    assert "Call" in reply and TEST_CARE_TEAM_PHONE in reply
    after = samples(scrape(servers))
    assert changes(before, after) == {
        ("neutropenia_assistant_messages_received_total", (("channel", "rest"),)): 1.0,
        ("neutropenia_assistant_replies_total", (("channel", "rest"), ("kind", "call_now_reading"))): 1.0,
        ("neutropenia_assistant_reply_latency_seconds_count", (("channel", "rest"),)): 1.0,
    }
    latency = value(after, "neutropenia_assistant_reply_latency_seconds_sum", channel="rest") - value(
        before, "neutropenia_assistant_reply_latency_seconds_sum", channel="rest"
    )
    assert 0 < latency < 10


def sent_responses(servers, sender: str) -> list:
    """The responses the server recorded sending to a REST sender (its SQLite tracker store)."""
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        rows = db.execute(
            "select data from events where sender_id = ? and type_name = 'bot' order by id",
            (rest_conversation_id(sender),),
        ).fetchall()
    return [json.loads(data)["metadata"]["utter_action"] for (data,) in rows]


def test_messages_not_understood_count_as_rephrase_or_out_of_scope(servers):
    # keyboard mashing is out of scope in the training data (data/nlu/chitchat.yml); a message
    # with nothing plausible in it falls below the FallbackClassifier's threshold: "please rephrase"
    before = samples(scrape(servers))
    for sender, text in (
        ("parent-metrics-mash", "asdf qwer zxcv"),
        ("parent-metrics-vague", "what about the other thing"),
    ):
        servers.say(sender, text)
    after = samples(scrape(servers))
    sent = [*sent_responses(servers, "parent-metrics-mash"), *sent_responses(servers, "parent-metrics-vague")]
    counted = {
        dict(key[1])["kind"]: n
        for key, n in changes(before, after).items()
        if key[0] == "neutropenia_assistant_replies_total"
    }
    assert counted == dict(Counter(reply_kind(name) for name in sent)), sent
    assert counted == {"out_of_scope": 1.0, "rephrase": 1.0}, sent


def test_with_the_action_server_stopped_a_fever_report_counts_the_failure_and_the_takeover(servers):
    servers.stop_actions()
    before = samples(scrape(servers))
    servers.say("parent-metrics-down", "my daughter has a fever of 38.9")  # its reply: test_rest_channel.py
    after = samples(scrape(servers))
    moved = changes(before, after)
    assert moved[("neutropenia_assistant_action_server_failures_total", (("reason", "not_reachable"),))] == 1.0
    assert moved[("neutropenia_assistant_safety_policy_takeovers_total", (("reason", "action_server_failed"),))] == 1.0
    # the safety policy renders the decision the Rasa server made: a reading at or above the threshold
    assert moved[("neutropenia_assistant_replies_total", (("channel", "rest"), ("kind", "call_now_reading")))] == 1.0


def test_no_message_text_sender_or_phone_number_in_the_metrics(servers):
    text = scrape(servers)
    for private in (
        SENDER,
        SENDER.lstrip("+"),
        "101.5",
        "38.9",
        "asdf",
        "other thing",
        "parent-metrics",
        TEST_CARE_TEAM_PHONE,
    ):
        assert private not in text

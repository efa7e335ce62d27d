"""deploy/ for the Rasa server's Prometheus metrics (addons/metrics.py): /metrics reachable by the
monitoring system only (the public nginx refuses it; Prometheus scrapes the replicas on the
internal network), the alert for the safety policy answering because the action server failed,
and a Grafana dashboard whose every query names a metric and label value the server exports."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from addons import metrics
from tests.unit.deploy_files import DEPLOY, K8S, RASA_PORT

MONITORING = DEPLOY / "monitoring"
PUBLIC_NGINX = (DEPLOY / "nginx" / "default.conf", K8S / "nginx-webchat.conf")


def exported() -> dict:
    """Sample name -> {label: set of values}, from the server's own exposition."""
    body, _ = metrics.exposition()
    found: dict = {}
    for name, labels in re.findall(r"^(neutropenia_assistant_\w+)\{([^}]*)\}", body.decode(), re.M):
        for key, value in re.findall(r'(\w+)="([^"]*)"', labels):
            found.setdefault(name, {}).setdefault(key, set()).add(value)
    return found


def check_query(expr: str, where: str) -> None:
    """Every metric a query names exists, and every label value it matches exactly or by regex exists."""
    samples = exported()
    names = re.findall(r"\b(neutropenia_assistant_\w+)", expr)
    assert names, f"{where}: no metric of the assistant in {expr!r}"
    for name in names:
        assert name in samples, f"{where}: {name} is not exported (addons/metrics.py)"
    for name, matchers in re.findall(r"\b(neutropenia_assistant_\w+)\{([^}]*)\}", expr):
        for key, op, pattern in re.findall(r'(\w+)\s*(=~|=)\s*"([^"]*)"', matchers):
            values = samples[name].get(key)
            assert values, f"{where}: {name} has no label {key}"
            for alternative in pattern.split("|") if op == "=~" else [pattern]:
                assert any(
                    re.fullmatch(alternative, v) for v in values
                ), f"{where}: {name}{{{key}}} never takes {alternative!r}; it takes {sorted(values)}"


@pytest.mark.parametrize("path", PUBLIC_NGINX, ids=lambda p: p.name)
def test_the_public_nginx_refuses_metrics_and_proxies_nothing_to_it(path):
    conf = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
    blocks = dict(re.findall(r"location\s+(=?\s*\S+)\s*\{(.*?)\n    \}", conf, re.S))
    assert blocks["= /metrics"].split() == ["deny", "all;"]
    # no other location could send /metrics to a replica: each proxied one is a path under another prefix
    for location, block in blocks.items():
        if "proxy_pass" in block:
            assert location.startswith(("/socket.io/", "/webhooks/")), location
    assert "metrics" not in conf.replace("location = /metrics", "")


def test_compose_prometheus_scrapes_each_replica_on_the_internal_network_and_publishes_nothing():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    prometheus = services["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert "ports" not in prometheus
    assert all(compose["networks"][n].get("internal") is True for n in prometheus["networks"])
    assert "./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert "./monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro" in prometheus["volumes"]
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == metrics.METRICS_PATH
    targets = [t for c in job["static_configs"] for t in c["targets"]]
    # the Rasa servers: the Rasa image running its own command (webchat-site runs another from it)
    replicas = sorted(
        name
        for name, s in services.items()
        if s.get("build", {}).get("dockerfile") == "deploy/Dockerfile.rasa" and "command" not in s
    )
    assert targets == [f"{name}:{RASA_PORT}" for name in replicas]
    for name in replicas:
        assert set(prometheus["networks"]) & set(services[name]["networks"]), f"prometheus cannot reach {name}"


def test_k8s_rasa_pods_are_scraped_by_the_monitoring_namespace_only():
    documents = [d for p in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
    rasa = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa")
    annotations = rasa["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(RASA_PORT),
        "prometheus.io/path": metrics.METRICS_PATH,
    }
    policy = next(
        d for d in documents if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "rasa-metrics-from-monitoring"
    )
    assert (
        policy["spec"]["podSelector"]["matchLabels"].items() <= rasa["spec"]["template"]["metadata"]["labels"].items()
    )
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}
    assert rule["ports"] == [{"protocol": "TCP", "port": RASA_PORT}]


def test_an_alert_fires_when_the_safety_policy_answers_because_the_action_server_failed():
    rules = {
        rule["alert"]: rule
        for group in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
        for rule in group["rules"]
    }
    alert = rules["SafetyPolicyAnsweredBecauseTheActionServerFailed"]
    assert 'neutropenia_assistant_safety_policy_takeovers_total{reason="action_server_failed"}' in alert["expr"]
    assert alert["expr"].rstrip().endswith("> 0") and "for" not in alert  # the first one, at once
    assert alert["labels"]["severity"] == "critical"
    for name, rule in rules.items():
        if "neutropenia_assistant_" in rule["expr"]:
            check_query(rule["expr"], f"alerts.yml {name}")
        assert rule["annotations"]["summary"]


def test_the_grafana_dashboard_queries_only_what_the_server_exports():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    queries = [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]
    for title, expr in queries:
        check_query(expr, f"grafana-dashboard.json {title!r}")
    text = " ".join(expr for _, expr in queries)
    # what operations asked for: each urgent decision, the takeovers, the refusals
    for kind in metrics.KINDS:
        assert kind in text, f"no panel shows the {kind} replies"
    for name in (
        "messages_received_total",
        "reply_latency_seconds_bucket",
        "action_server_failures_total",
        "safety_policy_takeovers_total",
        "input_guard_refusals_total",
    ):
        assert f"neutropenia_assistant_{name}" in text
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])

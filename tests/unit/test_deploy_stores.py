"""Static checks of the stores' settings in deploy/: Redis always has a password (no empty default
anywhere a deployment reads it), and PostgreSQL is reached with POSTGRES_SSLMODE=require in
Kubernetes (prefer, the code's default, only for compose's own postgres on its internal network)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"


@pytest.fixture(scope="module")
def k8s():
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return documents


def of_kind(documents, kind):
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def container(workload):
    spec = workload["spec"]["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else workload["spec"]
    return spec["template"]["spec"]["containers"][0]


def config(k8s, workload):
    """The ConfigMap values a container gets through envFrom."""
    config_maps = of_kind(k8s, "ConfigMap")
    values = {}
    for source in container(workload).get("envFrom", []):
        values.update(config_maps[source["configMapRef"]["name"]]["data"])
    return values


def test_k8s_redis_password_comes_from_the_secret_and_is_required(k8s):
    rasa = of_kind(k8s, "Deployment")["rasa"]
    env = {item["name"]: item for item in container(rasa)["env"]}
    reference = env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert "value" not in env["REDIS_PASSWORD"]
    assert reference == {"name": "neutropenia-assistant-secrets", "key": "REDIS_PASSWORD"}  # not optional
    assert "REDIS_PASSWORD" not in config(k8s, rasa)  # no default beside the Secret
    # the pod refuses an empty one before Rasa starts (`:?` rejects set-but-empty), naming it
    serve = (DEPLOY / "rasa-serve.sh").read_text()
    assert re.search(r'^: "\$\{REDIS_PASSWORD:\?[^}]+\}"$', serve, re.M)
    assert not re.search(r"\$\{REDIS_PASSWORD[?:-]?-", serve)


def test_the_lock_store_gets_the_password_and_no_document_calls_it_optional():
    endpoints = yaml.safe_load((ROOT / "endpoints.production.yml").read_text())
    assert endpoints["lock_store"]["password"] == "${REDIS_PASSWORD}"
    assert endpoints["lock_store"]["type"] == "addons.stores.lock_store.FailSafeRedisLockStore"
    for path in (DEPLOY / "README.md", ROOT / "README.md", ROOT / "endpoints.production.yml", DEPLOY / "rasa-serve.sh"):
        text = " ".join(path.read_text().split())
        assert not re.search(
            r"REDIS_PASSWORD.{0,120}?may be (set to an |set )?empty", text
        ), f"{path.name} says REDIS_PASSWORD may be empty"


def test_k8s_reaches_postgresql_with_tls_required(k8s):
    from addons.stores.tracker_store import POSTGRES_SSLMODES

    for workload in (of_kind(k8s, "Deployment")["rasa"], of_kind(k8s, "CronJob")["retention"]):
        assert config(k8s, workload)["POSTGRES_SSLMODE"] == "require", workload["metadata"]["name"]
    assert "require" in POSTGRES_SSLMODES


def test_compose_and_the_env_example_name_postgres_sslmode():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    for name in ("rasa-1", "rasa-2"):
        environment = compose["services"][name]["environment"]
        assert environment["POSTGRES_SSLMODE"] == "${POSTGRES_SSLMODE:-prefer}", name
    example = (DEPLOY / "assistant.env.example").read_text()
    assert re.search(r"^POSTGRES_SSLMODE=$", example, re.M) and "require" in example
    notes = (DEPLOY / "README.md").read_text()
    assert re.search(r"\| `POSTGRES_SSLMODE` \|.*`require`", notes)

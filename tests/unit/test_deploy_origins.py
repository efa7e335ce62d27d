"""The deployment sets the origins that may open the chat socket (ALLOWED_ORIGINS): without it the
servers would fall back to the development default (localhost) and refuse the hospital's site,
and an empty value must never mean "any site". Static checks of deploy/, plus the start script's
own check run the way the container runs it."""

import re
import subprocess
from pathlib import Path

import yaml

from scripts.rasa_server_options import server_options
from webchat.origins import allowed_origins

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
CHECK = re.compile(
    r'^python scripts/rasa_server_options\.py --production --page "\$WEBCHAT_RASA_URL" >/dev/null$', re.M
)


def rasa_services():
    services = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    return {
        name: s
        for name, s in services.items()
        if s.get("build", {}).get("dockerfile") == "deploy/Dockerfile.rasa" and "command" not in s
    }


def test_compose_requires_the_origins_for_every_rasa_replica():
    replicas = rasa_services()
    assert sorted(replicas) == ["rasa-1", "rasa-2"]
    for name, service in replicas.items():
        env = service["environment"]
        assert re.fullmatch(r"\$\{ALLOWED_ORIGINS:\?.+\}", env["ALLOWED_ORIGINS"]), name  # no default, never empty
        assert re.fullmatch(r"\$\{WEBCHAT_RASA_URL:\?.+\}", env["WEBCHAT_RASA_URL"]), name


def test_env_example_names_the_origins_with_an_example_to_change():
    text = (DEPLOY / "assistant.env.example").read_text()
    assert re.search(r"^ALLOWED_ORIGINS=$", text, re.M)
    example = re.search(r"^#\s+ALLOWED_ORIGINS=(.+)$", text, re.M).group(1)
    assert allowed_origins({"ALLOWED_ORIGINS": example}, required=True)
    assert "example-hospital.org" in example and "change" in text.lower()


def k8s_documents():
    return [
        d
        for p in sorted(K8S.glob("*.yaml"))
        if p.name != "kustomization.yaml"
        for d in yaml.safe_load_all(p.read_text())
        if d
    ]


def test_kubernetes_gives_the_rasa_pods_the_origins_with_a_placeholder_to_change():
    documents = k8s_documents()
    config = next(
        d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "neutropenia-assistant-config"
    )
    origins = config["data"]["ALLOWED_ORIGINS"]
    assert allowed_origins({"ALLOWED_ORIGINS": origins}, required=True)  # a valid placeholder...
    assert "example-hospital.org" in origins
    assert re.search(
        r"CHANGE THIS.*\n(?:\s*#.*\n)*\s*ALLOWED_ORIGINS:", (K8S / "configmap.yaml").read_text()
    )  # ...to change
    # the same page origin the example names is then required in it
    assert server_options(
        {"ALLOWED_ORIGINS": origins, "WEBCHAT_SESSION_SECRET": "s" * 32},
        production=True,
        page="https://chat.example-hospital.org",
    )
    rasa = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "rasa")
    container = rasa["spec"]["template"]["spec"]["containers"][0]
    assert {"configMapRef": {"name": "neutropenia-assistant-config"}} in container["envFrom"]
    assert container["command"] == ["sh", "/app/deploy/rasa-serve.sh"]


def test_rasa_serve_checks_the_origins_before_starting_rasa():
    code = (DEPLOY / "rasa-serve.sh").read_text()
    check = CHECK.search(code)
    assert check and check.start() < code.index("exec rasa run")
    assert "set -eu" in code  # a failed check stops the script


def run_check(env):
    line = CHECK.search((DEPLOY / "rasa-serve.sh").read_text()).group(0)
    return subprocess.run(
        ["sh", "-ec", line],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin", **env},
    )


def test_the_start_check_refuses_missing_empty_or_incomplete_origins_naming_the_variable():
    page = {"WEBCHAT_RASA_URL": "https://chat.example-hospital.org", "WEBCHAT_SESSION_SECRET": "s" * 32}
    for env, message in (
        ({}, "ALLOWED_ORIGINS is not set"),
        ({"ALLOWED_ORIGINS": ""}, "ALLOWED_ORIGINS is empty"),
        ({"ALLOWED_ORIGINS": "*"}, "never '*'"),
        ({"ALLOWED_ORIGINS": "https://www.example-hospital.org"}, "does not list https://chat.example-hospital.org"),
    ):
        refused = run_check({**page, **env})
        assert refused.returncode != 0 and message in refused.stderr, (env, refused.stderr)
    started = run_check(
        {**page, "ALLOWED_ORIGINS": "https://chat.example-hospital.org https://www.example-hospital.org"}
    )
    assert started.returncode == 0, started.stderr


def test_the_site_ships_no_test_only_packages():
    dockerfile = (DEPLOY / "Dockerfile.rasa").read_text()
    assert re.search(r"npm ci --omit=dev\b", dockerfile)  # rasa-webchat is for the browser test only


def run_assistant_in_production(origins_env, log_dir):
    """scripts/run_assistant.sh (what `make run` calls) on endpoints.production.yml: the origins
    check runs before any server starts, so no database or port is needed for this."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(ROOT),
        "RASA_ENDPOINTS": "endpoints.production.yml",
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "9",
        "POSTGRES_DB": "rasa",
        "POSTGRES_USER": "rasa",
        "POSTGRES_PASSWORD": "x",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "9",
        "REDIS_PASSWORD": "x",
        "RASA_PORT": "1",
        "ACTIONS_PORT": "1",
        "WEBCHAT_PORT": "1",
        "LOG_DIR": str(log_dir),
        **origins_env,
    }
    return subprocess.run(
        ["bash", "scripts/run_assistant.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_make_run_in_production_refuses_to_start_without_the_origins_or_with_an_empty_value(tmp_path):
    for origins_env, expected in (
        ({}, "ALLOWED_ORIGINS is not set"),
        ({"ALLOWED_ORIGINS": ""}, "ALLOWED_ORIGINS is empty"),
    ):
        result = run_assistant_in_production(origins_env, tmp_path)
        assert result.returncode == 1, result.stderr
        assert expected in result.stderr
        assert "The assistant is answering" not in result.stdout + result.stderr

"""What the deployment tests share: deploy/'s paths, the ports and variable names the code uses,
and readers for the Dockerfiles, shell scripts, compose services and nginx sites of deploy/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
RASA_PORT = 5005
ACTIONS_PORT = 5055
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|ACCOUNT_SID|AUTH|_KEY$", re.IGNORECASE)
# hospital settings that may stay empty: hospital_settings.yml's value is then used
OPTIONAL_SETTINGS = {"HOSPITAL_NAME", "HOSPITAL_FEVER_THRESHOLD_C"}


# --- what the code says ------------------------------------------------------------------------


def endpoint_variables() -> set:
    return {m.group(1) for m in VARIABLE.finditer(uncommented(ROOT / "endpoints.production.yml"))}


def hospital_variables() -> set:
    from clinical.settings import ENV_OVERRIDES

    return set(ENV_OVERRIDES.values())


def channel_variables() -> set:
    from scripts.render_credentials import all_variables, load_template

    return set(all_variables(load_template(ROOT / "credentials.yml")))


def rasa_variables() -> set:
    """Every variable the Rasa server reads in a deployment (TICKET_LOCK_LIFETIME: Rasa's lock
    store, set as the loopback replica test runs it)."""
    return (
        endpoint_variables()
        | hospital_variables()
        | channel_variables()
        | {"ACTION_SERVER_TIMEOUT_SECONDS", "TICKET_LOCK_LIFETIME"}
    )


def replica_lock_lifetime() -> str:
    """The lock lifetime the loopback replica test and the bench run the replicas with (the proven value)."""
    from tools.harness import TICKET_LOCK_LIFETIME

    return TICKET_LOCK_LIFETIME


def uncommented(path: Path) -> str:
    return "\n".join(
        line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in path.read_text().splitlines()
    )


def shell_code(path: Path) -> str:
    """A shell script without its comments, continuation lines joined."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(lines).replace("\\\n", " ")


# --- deploy/'s files ---------------------------------------------------------------------------


def dockerfile(name: str) -> list:
    """[(stage, INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    text = (DEPLOY / name).read_text()
    lines, current = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") and not current:
            continue
        if raw.lstrip().startswith("#"):
            continue
        current += raw.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        if current.strip():
            lines.append(current.strip())
        current = ""
    out, stage = [], None
    for line in lines:
        instruction, _, arguments = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            parts = arguments.split()
            stage = parts[parts.index("AS") + 1] if "AS" in parts else "final"
        out.append((stage, instruction, arguments.strip()))
    return out


def environment(service: dict) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


def check_nginx_site(conf: str):
    """The public site both deployments' nginx serves: deploy/nginx/default.conf (compose) and
    deploy/kubernetes/nginx-webchat.conf."""
    conf = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"^\s*listen 8080;", conf, re.M)
    assert re.search(r"root /srv/webchat/public;", conf)
    assert "include /srv/webchat/security-headers.conf;" in conf
    locations = re.findall(r"location\s+(=?\s*\S+)\s*\{", conf)
    assert set(locations) == {"= /healthz", "= /metrics", "/", "/socket.io/", "/webhooks/rest/", "/webhooks/"}
    # the Rasa server's Prometheus metrics are for the monitoring system, never the public (addons/metrics.py)
    metrics = re.findall(r"location = /metrics \{(.*?)\}", conf, re.S)[0]
    assert metrics.split() == ["deny", "all;"]
    assert set(re.findall(r"proxy_pass (\S+);", conf)) <= {"http://rasa", "http://rasa_socket"}
    socket_io = re.findall(r"location /socket.io/ \{(.*?)\n    \}", conf, re.S)[0]
    assert "proxy_set_header Upgrade $http_upgrade;" in socket_io
    assert "proxy_set_header Connection $connection_upgrade;" in socket_io
    assert "non_idempotent" not in conf  # a message that reached a replica is never sent twice
    for port in (ACTIONS_PORT, 5432, 6379):
        assert str(port) not in conf

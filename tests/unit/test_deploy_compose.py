"""Static checks of deploy/docker-compose.yml against the code: two Rasa replicas, the action
server, PostgreSQL, Redis and nginx; only nginx publishes a port and the backend network is
internal; every variable the code reads is provided, none holds a secret value, and
assistant.env.example lists them all; nginx serves the site and balances over both replicas.
(The loopback replica test is the executable proof of the same topology.)"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml

from tests.unit.deploy_files import (
    ACTIONS_PORT,
    DEPLOY,
    OPTIONAL_SETTINGS,
    RASA_PORT,
    ROOT,
    SECRET_NAME,
    VARIABLE,
    check_nginx_site,
    endpoint_variables,
    environment,
    hospital_variables,
    rasa_variables,
    replica_lock_lifetime,
    uncommented,
)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_has_two_rasa_replicas_actions_postgres_redis_and_nginx(compose):
    services = compose["services"]
    assert {"rasa-1", "rasa-2", "actions", "postgres", "redis", "nginx"} <= set(services)
    for name in ("rasa-1", "rasa-2"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile.rasa"
        assert (DEPLOY / services[name]["build"]["context"]).resolve() == ROOT
    assert services["actions"]["build"]["dockerfile"] == "deploy/Dockerfile.actions"
    assert services["rasa-1"]["environment"] == services["rasa-2"]["environment"]


def test_only_nginx_and_the_studios_login_publish_a_port_and_the_backend_network_is_internal(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    # the studio itself publishes nothing: it is reached through its login proxy only (test_deploy_studio.py)
    assert published == {"nginx", "studio-login"}
    for name, service in services.items():
        assert "expose" not in service or name != "actions"
        assert service.get("network_mode") not in ("host",), f"{name} uses the host network"
    assert compose["networks"]["backend"].get("internal") is True
    for name in ("actions", "postgres", "redis"):
        networks = services[name]["networks"]
        assert all(
            compose["networks"][n].get("internal") is True for n in networks
        ), f"{name} is on a network with a route outside: {networks}"
    # nginx reaches the replicas, and nothing else
    shared = set(services["nginx"]["networks"])
    for name in ("actions", "postgres", "redis"):
        assert not shared & set(services[name]["networks"]), f"nginx shares a network with {name}"
    for name in ("rasa-1", "rasa-2"):
        assert shared & set(services[name]["networks"]), f"nginx cannot reach {name}"


def test_action_url_resolves_to_the_actions_service(compose):
    url = urlsplit(environment(compose["services"]["rasa-1"])["ACTION_SERVER_URL"])
    assert (url.scheme, url.hostname, url.port, url.path) == ("http", "actions", ACTIONS_PORT, "/webhook")
    assert "actions" in compose["services"]
    assert set(compose["services"]["actions"]["networks"]) & set(compose["services"]["rasa-1"]["networks"])
    assert environment(compose["services"]["actions"])["SANIC_HOST"] == "0.0.0.0"
    assert "ACTION_SERVER_URL" in endpoint_variables()
    action_endpoint = yaml.safe_load(uncommented(ROOT / "endpoints.production.yml"))["action_endpoint"]["url"]
    assert action_endpoint == "${ACTION_SERVER_URL}"


def test_compose_provides_every_variable_the_code_reads(compose):
    services = compose["services"]
    for name in ("rasa-1", "rasa-2"):
        missing = rasa_variables() - set(environment(services[name]))
        assert not missing, f"compose {name} lacks {sorted(missing)}"
    assert not hospital_variables() - set(environment(services["actions"]))
    site = environment(services["webchat-site"])
    assert not (hospital_variables() | {"WEBCHAT_RASA_URL"}) - set(site)
    env = environment(services["rasa-1"])
    assert env["TICKET_LOCK_LIFETIME"] == "${TICKET_LOCK_LIFETIME:-%s}" % replica_lock_lifetime()
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("postgres", "5432")
    assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("redis", "6379")
    # PostgreSQL is initialised with the very database, user and password Rasa connects with
    postgres = environment(services["postgres"])
    for key in ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        assert postgres[key] == env[key]
    assert environment(services["redis"])["REDIS_PASSWORD"] == env["REDIS_PASSWORD"]
    # the real numbers are required; only the optional settings may be left empty
    for key in hospital_variables() - OPTIONAL_SETTINGS:
        assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", env[key]), f"{key} must be required in compose"
    assert re.fullmatch(r"\$\{WEBCHAT_RASA_URL:\?[^}]+\}", site["WEBCHAT_RASA_URL"])


def test_compose_has_no_secret_values(compose):
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                match = re.fullmatch(r"\$\{(\w+)(:\?[^}]*|:-|)\}", value)
                assert (
                    match and match.group(1) == key
                ), f"compose {name}: {key} must come from the environment with no default, not {value!r}"


def test_compose_variables_are_listed_in_the_env_example(compose):
    used = {m.group(1) for m in VARIABLE.finditer(uncommented(DEPLOY / "docker-compose.yml"))}
    example = {}
    for line in (DEPLOY / "assistant.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key] = value
    assert used == set(example), f"assistant.env.example differs from compose: {sorted(used ^ set(example))}"
    assert all(value == "" for value in example.values()), "assistant.env.example must hold no values"


def test_compose_long_running_services_have_healthchecks(compose):
    for name, service in compose["services"].items():
        if name in ("rasa-1", "rasa-2", "actions"):
            continue  # the images' HEALTHCHECK (checked above)
        if name == "webchat-site":
            assert service["restart"] == "no"
            continue
        if name == "studio-login":
            # oauth2-proxy's image is distroless: no command to probe it with; the studio, in its
            # network namespace, has its health check through the same address
            assert service["healthcheck"] == {"disable": True}
            assert compose["services"]["studio"]["network_mode"] == "service:studio-login"
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_compose_nginx_serves_the_site_and_balances_over_both_replicas(compose):
    nginx = compose["services"]["nginx"]
    volumes = nginx["volumes"]
    assert "./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert (DEPLOY / "nginx" / "default.conf").is_file()
    assert "webchat-site:/srv/webchat:ro" in volumes
    assert nginx["depends_on"]["webchat-site"]["condition"] == "service_completed_successfully"
    site = compose["services"]["webchat-site"]
    assert site["command"] == ["python", "webchat/site.py", "--out", "/srv/webchat"]
    assert site["network_mode"] == "none"
    conf = (DEPLOY / "nginx" / "default.conf").read_text()
    upstream = re.search(r"upstream rasa \{(.*?)\}", conf, re.S).group(1)
    servers = re.findall(r"^\s*server (\S+):(\d+)", upstream, re.M)
    assert servers == [("rasa-1", str(RASA_PORT)), ("rasa-2", str(RASA_PORT))]
    assert all(host in compose["services"] for host, _ in servers)
    # the chat socket sticks to one replica per client (long-polling widgets), over the same replicas
    socket_upstream = re.search(r"upstream rasa_socket \{(.*?)\}", conf, re.S).group(1)
    assert re.search(r"^\s*hash \$binary_remote_addr consistent;", socket_upstream, re.M)
    assert re.findall(r"^\s*server (\S+):(\d+)", socket_upstream, re.M) == servers
    assert "proxy_pass http://rasa_socket;" in re.search(r"location /socket.io/ \{(.*?)\n    \}", conf, re.S).group(1)
    assert nginx["ports"][0].endswith(":8080")
    check_nginx_site(conf)

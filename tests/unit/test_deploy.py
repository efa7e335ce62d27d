"""Static checks of deploy/: Docker does not run on the development machines, so the Dockerfiles,
docker-compose.yml and the Kubernetes manifests are checked here against the code: they parse,
their files exist, their ports and variable names are the ones the code uses, the action server
is never exposed, no secret has a value, and the HTTP API stays off. (The loopback replica test
is the executable proof of the same topology.)"""
from __future__ import annotations

import ast
import fnmatch
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

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
    return {m.group(1) for m in VARIABLE.finditer(_uncommented(ROOT / "endpoints.production.yml"))}


def hospital_variables() -> set:
    from actions.hospital_settings import ENV_OVERRIDES

    return set(ENV_OVERRIDES.values())


def channel_variables() -> set:
    from scripts.render_credentials import all_variables, load_template

    return set(all_variables(load_template(ROOT / "credentials.yml")))


def rasa_variables() -> set:
    """Every variable the Rasa server reads in a deployment (TICKET_LOCK_LIFETIME: Rasa's lock
    store, set as the loopback replica test runs it)."""
    return (endpoint_variables() | hospital_variables() | channel_variables()
            | {"ACTION_SERVER_TIMEOUT_SECONDS", "TICKET_LOCK_LIFETIME"})


def replica_lock_lifetime():
    """The lock lifetime the loopback replica test runs the replicas with (the proven value)."""
    harness = ROOT / "scripts" / "harness.py"  # the replica test's and the bench's servers
    found = re.search(r'^TICKET_LOCK_LIFETIME = "(\d+)"', harness.read_text(), re.M) if harness.exists() else None
    return found.group(1) if found else None


def _uncommented(path: Path) -> str:
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in
                     path.read_text().splitlines())


def shell_code(path: Path) -> str:
    """A shell script without its comments, continuation lines joined."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(lines).replace("\\\n", " ")


# --- Dockerfiles --------------------------------------------------------------------------------

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


def build_args(instructions) -> dict:
    args = {}
    for stage, instruction, arguments in instructions:
        if instruction == "ARG" and stage is None and "=" in arguments:
            key, value = arguments.split("=", 1)
            args[key] = value
    return args


def copies(instructions, stage=None):
    """(sources, destination, from_stage) of each COPY."""
    for this_stage, instruction, arguments in instructions:
        if instruction != "COPY" or (stage and this_stage != stage):
            continue
        words = shlex.split(arguments)
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        source_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        yield paths[:-1], paths[-1], source_stage


def dockerignore(name: str) -> list:
    path = DEPLOY / f"{name}.dockerignore"
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


DOCKERFILES = ["Dockerfile.rasa", "Dockerfile.actions"]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_copies_files_that_exist_and_are_in_the_build_context(name):
    ignored = dockerignore(name)
    for sources, _, source_stage in copies(dockerfile(name)):
        if source_stage:
            continue
        for source in sources:
            path = ROOT / source.rstrip("/")
            assert path.exists(), f"{name}: COPY {source}: no such file in the repository"
            for pattern in ignored:
                assert not (fnmatch.fnmatch(source.rstrip("/"), pattern) or source.startswith(pattern.rstrip("/") + "/")), \
                    f"{name}: COPY {source} is excluded from the build context by {name}.dockerignore ({pattern})"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_installs_the_locked_dependencies_on_python_310_slim_as_a_non_root_user(name):
    instructions = dockerfile(name)
    args = build_args(instructions)
    bases = [arguments.split()[0] for _, instruction, arguments in instructions if instruction == "FROM"]
    python_bases = [b for b in bases if "PYTHON_IMAGE" in b or b.startswith("python:")]
    assert python_bases, f"{name}: no Python stage"
    for base in python_bases:
        image = args.get("PYTHON_IMAGE") if "PYTHON_IMAGE" in base else base
        assert image.startswith("python:3.10-slim"), f"{name}: {image} is not python:3.10-slim"
    assert (ROOT / ".python-version").read_text().strip().startswith("3.10")
    assert bases[-1] == "${PYTHON_IMAGE}", f"{name}: the runtime stage is not the Python slim image"

    lock_copied = any("requirements.lock" in sources for sources, _, src in copies(instructions) if not src)
    assert lock_copied, f"{name}: requirements.lock is not copied"
    installs = [a for _, i, a in instructions if i == "RUN" and "pip install" in a]
    assert installs, f"{name}: no pip install"
    for command in installs:
        assert re.search(r"pip install --require-hashes --no-deps -r \S*requirements\.lock", command), \
            f"{name}: pip must install from requirements.lock with --require-hashes --no-deps: {command}"
        assert not re.search(r"pip install(?!.*-r \S*requirements\.lock)", command)

    final = [(i, a) for stage, i, a in instructions if stage == "final"]
    users = [a for i, a in final if i == "USER"]
    assert users, f"{name}: the runtime image runs as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"{name}: USER {users[-1]}"
    assert any(i == "HEALTHCHECK" for i, _ in final), f"{name}: no HEALTHCHECK"


def expose_and_healthcheck(name):
    final = [(i, a) for stage, i, a in dockerfile(name) if stage == "final"]
    exposed = [int(a) for i, a in final if i == "EXPOSE"]
    health = next(a for i, a in final if i == "HEALTHCHECK")
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\S*?)['\"]", health)
    return exposed, int(url.group(1)), url.group(2)


def test_ports_are_the_ones_rasa_and_rasa_sdk_serve_on():
    from rasa.core.constants import DEFAULT_SERVER_PORT as rasa_default
    from rasa_sdk.constants import DEFAULT_SERVER_PORT as sdk_default

    assert (rasa_default, sdk_default) == (RASA_PORT, ACTIONS_PORT)
    assert expose_and_healthcheck("Dockerfile.rasa") == ([RASA_PORT], RASA_PORT, "/")
    assert expose_and_healthcheck("Dockerfile.actions") == ([ACTIONS_PORT], ACTIONS_PORT, "/health")

    rasa = shell_code(DEPLOY / "rasa-serve.sh")
    assert re.search(rf"exec rasa run .*--port {RASA_PORT}\b", rasa, re.S)
    actions = shell_code(DEPLOY / "actions-serve.sh")
    assert re.search(rf"exec rasa run actions --actions actions --port {ACTIONS_PORT}\b", actions)


def test_rasa_image_trains_the_model_it_serves_with_the_spacy_pipeline_config_points_at():
    instructions = dockerfile("Dockerfile.rasa")
    runs = " ".join(a for stage, i, a in instructions if i == "RUN" and stage == "model")
    assert "python tools/build_spacy_pipeline.py --check" in runs
    assert re.search(r"python tools/build_spacy_pipeline\.py(?! --check)", runs)
    train = re.search(r"rasa train (.*)", runs).group(1)
    assert "--config config.yml" in train and "--out models" in train
    assert "--fixed-model-name neutropenia-assistant" in train
    served = re.search(r"--model (\S+)", shell_code(DEPLOY / "rasa-serve.sh")).group(1)
    assert served == "models/neutropenia-assistant.tar.gz"
    from_model = {(tuple(s), d) for s, d, src in copies(instructions, "final") if src == "model"}
    assert (("/app/models/neutropenia-assistant.tar.gz",), "models/neutropenia-assistant.tar.gz") in from_model
    # SpacyNLP loads config.yml's path (relative to the working directory /app) at every start
    spacy_model = re.search(r"^\s*model:\s*(\S+)", (ROOT / "config.yml").read_text(), re.M).group(1)
    assert spacy_model.startswith("build/spacy/")
    assert (("/app/build/spacy/",), "build/spacy/") in from_model
    assert any(i == "WORKDIR" and a == "/app" for stage, i, a in instructions if stage == "final")


def _covered(path: str, instructions, stage="final") -> bool:
    for sources, destination, source_stage in copies(instructions, stage):
        for source in sources:
            if source_stage:
                continue
            source = source.rstrip("/")
            if path == source or path.startswith(source + "/"):
                return True
    return False


def _project_imports(path: Path) -> set:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.split(".")[0] in ("actions", "addons", "webchat", "scripts")}


def _module_file(module: str) -> str:
    path = module.replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def test_rasa_image_has_every_module_the_server_loads():
    """Components in config.yml, channels in credentials.yml, types in endpoints.production.yml,
    and the project modules those import (addons imports actions.hospital_settings)."""
    modules = set()
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for item in config["pipeline"] + config["policies"]:
        if "." in item["name"]:
            modules.add(item["name"].rsplit(".", 1)[0])
    modules.update(key.rsplit(".", 1)[0] for key in yaml.safe_load((ROOT / "credentials.yml").read_text()) if "." in key)
    for section in yaml.safe_load((ROOT / "endpoints.production.yml").read_text()).values():
        if isinstance(section, dict) and "." in str(section.get("type", "")):
            modules.add(section["type"].rsplit(".", 1)[0])
    modules.update({"scripts.render_credentials", "actions.hospital_settings", "scripts.delete_old_conversations"})
    instructions = dockerfile("Dockerfile.rasa")
    seen, todo = set(), sorted(modules)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        file = _module_file(module)
        assert (ROOT / file).exists(), f"{module}: {file} does not exist"
        assert _covered(file, instructions), f"Dockerfile.rasa does not copy {file} ({module})"
        package_init = Path(file).parent / "__init__.py"
        if (ROOT / package_init).exists():
            assert _covered(str(package_init), instructions)
        todo.extend(_project_imports(ROOT / file))
    for file in ("hospital_settings.yml", "credentials.yml", "endpoints.production.yml",
                 "deploy/rasa-serve.sh", "webchat/site.py", "webchat/public/index.html"):
        assert _covered(file, instructions), f"Dockerfile.rasa does not copy {file}"
    vendor = [(s, d) for s, d, src in copies(instructions, "final") if src == "webchat-vendor"]
    assert vendor == [(["/webchat/public/vendor/socket.io.min.js"], "webchat/public/vendor/socket.io.min.js")]


def test_actions_image_has_the_action_package_and_settings():
    instructions = dockerfile("Dockerfile.actions")
    for file in ("actions/__init__.py", "actions/escalation.py", "actions/hospital_settings.py",
                 "actions/temperature.py", "hospital_settings.yml", "deploy/actions-serve.sh"):
        assert _covered(file, instructions), f"Dockerfile.actions does not copy {file}"
    for module_file in (ROOT / "actions").glob("*.py"):
        for module in _project_imports(module_file):
            assert module.startswith("actions"), f"{module_file.name} imports {module}, which the image lacks"


# --- start-up scripts -----------------------------------------------------------------------------

def test_rasa_serve_uses_the_production_endpoints_rendered_credentials_and_no_api():
    code = shell_code(DEPLOY / "rasa-serve.sh")
    run = re.search(r"exec rasa run (.*)", code, re.S).group(1)
    assert "--endpoints endpoints.production.yml" in run
    assert "python scripts/render_credentials.py --template credentials.yml --out run/credentials.yml" in code
    assert "--credentials run/credentials.yml" in run
    for flag in ("--enable-api", "--auth-token", "--jwt-secret", "--cors", "--debug"):
        assert flag not in code, f"rasa-serve.sh passes {flag}"
    # every endpoints variable checked non-empty before start (REDIS_PASSWORD too: tests/unit/test_deploy_stores.py)
    required = set(re.findall(r': "\$\{([A-Z_]+):\?', code))
    assert required >= endpoint_variables()
    assert {"HOSPITAL_CARE_TEAM_PHONE", "HOSPITAL_AFTER_HOURS_PHONE"} <= required
    assert "load_settings()" in code


def test_actions_serve_requires_the_real_numbers():
    code = shell_code(DEPLOY / "actions-serve.sh")
    required = set(re.findall(r': "\$\{([A-Z_]+):\?', code))
    assert {"HOSPITAL_CARE_TEAM_PHONE", "HOSPITAL_AFTER_HOURS_PHONE"} <= required
    assert "load_settings()" in code


def test_no_deploy_file_enables_the_http_api():
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix not in (".md",):
            code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
            assert "--enable-api" not in code, f"{path.relative_to(ROOT)} enables the HTTP API"


# --- docker-compose.yml ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def environment(service: dict) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: ("" if v is None else str(v)) for k, v in env.items()}


def test_compose_has_two_rasa_replicas_actions_postgres_redis_and_nginx(compose):
    services = compose["services"]
    assert {"rasa-1", "rasa-2", "actions", "postgres", "redis", "nginx"} <= set(services)
    for name in ("rasa-1", "rasa-2"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile.rasa"
        assert (DEPLOY / services[name]["build"]["context"]).resolve() == ROOT
    assert services["actions"]["build"]["dockerfile"] == "deploy/Dockerfile.actions"
    assert services["rasa-1"]["environment"] == services["rasa-2"]["environment"]


def test_only_nginx_publishes_a_port_and_the_backend_network_is_internal(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    for name, service in services.items():
        assert "expose" not in service or name != "actions"
        assert service.get("network_mode") not in ("host",), f"{name} uses the host network"
    assert compose["networks"]["backend"].get("internal") is True
    for name in ("actions", "postgres", "redis"):
        networks = services[name]["networks"]
        assert all(compose["networks"][n].get("internal") is True for n in networks), \
            f"{name} is on a network with a route outside: {networks}"
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
    action_endpoint = yaml.safe_load(_uncommented(ROOT / "endpoints.production.yml"))["action_endpoint"]["url"]
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
    if replica_lock_lifetime():
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
                assert match and match.group(1) == key, \
                    f"compose {name}: {key} must come from the environment with no default, not {value!r}"


def test_compose_variables_are_listed_in_the_env_example(compose):
    used = {m.group(1) for m in VARIABLE.finditer(_uncommented(DEPLOY / "docker-compose.yml"))}
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


def check_nginx_site(conf: str):
    conf = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"^\s*listen 8080;", conf, re.M)
    assert re.search(r"root /srv/webchat/public;", conf)
    assert "include /srv/webchat/security-headers.conf;" in conf
    locations = re.findall(r"location\s+(=?\s*\S+)\s*\{", conf)
    assert set(locations) == {"= /healthz", "/", "/socket.io/", "/webhooks/rest/", "/webhooks/"}
    assert set(re.findall(r"proxy_pass (\S+);", conf)) <= {"http://rasa", "http://rasa_socket"}
    socket_io = re.search(r"location /socket.io/ \{(.*?)\n    \}", conf, re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in socket_io
    assert "proxy_set_header Connection $connection_upgrade;" in socket_io
    assert "non_idempotent" not in conf  # a message that reached a replica is never sent twice
    for port in (ACTIONS_PORT, 5432, 6379):
        assert str(port) not in conf


# --- Kubernetes -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def k8s():
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return documents


def of_kind(documents, kind):
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def pod_spec(workload):
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def containers(spec):
    return spec.get("initContainers", []) + spec["containers"]


def provided(container, documents) -> set:
    names = {item["name"] for item in container.get("env", [])}
    config_maps = of_kind(documents, "ConfigMap")
    for source in container.get("envFrom", []):
        ref = source["configMapRef"]["name"]
        assert ref in config_maps, f"envFrom names ConfigMap {ref}, which the manifests do not define"
        names |= set(config_maps[ref]["data"])
    return names


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            assert (K8S / entry.split("=")[-1]).is_file()
    images = {image["name"] for image in kustomization["images"]}
    assert images == {"neutropenia-assistant-rasa", "neutropenia-assistant-actions"}


def test_k8s_rasa_has_two_replicas_and_probes_on_its_port(k8s):
    deployments = of_kind(k8s, "Deployment")
    assert {"rasa", "actions", "webchat"} <= set(deployments)
    assert deployments["rasa"]["spec"]["replicas"] == 2
    for name, port, path in (("rasa", RASA_PORT, "/"), ("actions", ACTIONS_PORT, "/health")):
        container = pod_spec(deployments[name])["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert list(ports.values()) == [port]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            check = container[probe]["httpGet"]
            assert check["path"] == path and ports.get(check["port"], check["port"]) == port, f"{name} {probe}"
    rasa = pod_spec(deployments["rasa"])["containers"][0]
    assert rasa["command"] == ["sh", "/app/deploy/rasa-serve.sh"] and "args" not in rasa
    actions = pod_spec(deployments["actions"])["containers"][0]
    assert actions["command"] == ["sh", "/app/deploy/actions-serve.sh"] and "args" not in actions


def test_k8s_images_and_users_match_the_dockerfiles(k8s):
    users = {}
    for name, image in (("Dockerfile.rasa", "neutropenia-assistant-rasa"), ("Dockerfile.actions", "neutropenia-assistant-actions")):
        user = [a for stage, i, a in dockerfile(name) if stage == "final" and i == "USER"][-1]
        users[image] = int(user.split(":")[0])
    for workload in list(of_kind(k8s, "Deployment").values()) + list(of_kind(k8s, "CronJob").values()):
        spec = pod_spec(workload)
        for container in containers(spec):
            if container["image"] in users:
                uid = container.get("securityContext", {}).get("runAsUser", spec.get("securityContext", {}).get("runAsUser"))
                assert uid == users[container["image"]], f"{workload['metadata']['name']}/{container['name']}: uid {uid}"


def test_k8s_services_are_cluster_internal_and_the_action_url_resolves(k8s):
    assert not of_kind(k8s, "Ingress"), "an Ingress is the operator's (deploy/README.md)"
    services = of_kind(k8s, "Service")
    for name, service in services.items():
        assert service["spec"].get("type") == "ClusterIP", f"Service {name} must be ClusterIP"
        assert all("nodePort" not in port for port in service["spec"]["ports"])
    config = of_kind(k8s, "ConfigMap")["neutropenia-assistant-config"]["data"]
    url = urlsplit(config["ACTION_SERVER_URL"])
    assert (url.scheme, url.port, url.path) == ("http", ACTIONS_PORT, "/webhook")
    service = services[url.hostname]
    port = next(p for p in service["spec"]["ports"] if p["port"] == url.port)
    deployment = next(d for d in of_kind(k8s, "Deployment").values()
                      if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v
                             for k, v in service["spec"]["selector"].items()))
    assert deployment["metadata"]["name"] == "actions"
    container_ports = {p["name"]: p["containerPort"] for p in pod_spec(deployment)["containers"][0]["ports"]}
    assert container_ports[port["targetPort"]] == ACTIONS_PORT
    # the same URL as in compose: the service is called `actions` in both
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert environment(compose["services"]["rasa-1"])["ACTION_SERVER_URL"] == config["ACTION_SERVER_URL"]
    # nginx in the webchat pods proxies to the rasa Service's port
    conf = (K8S / "nginx-webchat.conf").read_text()
    assert re.findall(r"^\s*server (\S+);", conf, re.M) == [f"rasa:{RASA_PORT}"]
    assert services["rasa"]["spec"]["ports"][0]["port"] == RASA_PORT
    check_nginx_site(conf)


def test_k8s_network_policy_lets_only_the_rasa_pods_reach_the_action_server(k8s):
    policies = of_kind(k8s, "NetworkPolicy")
    deny = [p for p in policies.values() if p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"]
            and not p["spec"].get("ingress")]
    assert deny, "no default-deny ingress policy"
    actions_labels = pod_spec(of_kind(k8s, "Deployment")["actions"]) and \
        of_kind(k8s, "Deployment")["actions"]["spec"]["template"]["metadata"]["labels"]
    rasa_labels = of_kind(k8s, "Deployment")["rasa"]["spec"]["template"]["metadata"]["labels"]
    selecting = [p for p in policies.values() if p["spec"]["podSelector"].get("matchLabels")
                 and all(actions_labels.get(k) == v for k, v in p["spec"]["podSelector"]["matchLabels"].items())]
    assert len(selecting) == 1
    rules = selecting[0]["spec"]["ingress"]
    assert len(rules) == 1
    assert [peer["podSelector"]["matchLabels"] for peer in rules[0]["from"]] == [
        {k: rasa_labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/component")}]
    assert rules[0]["ports"] == [{"protocol": "TCP", "port": ACTIONS_PORT}]
    # and no other policy admits anything to the actions pods
    for name, policy in policies.items():
        if policy is selecting[0] or not policy["spec"].get("ingress"):
            continue
        labels = policy["spec"]["podSelector"].get("matchLabels", {})
        assert labels and not all(actions_labels.get(k) == v for k, v in labels.items()), name


def test_k8s_provides_every_variable_the_code_reads(k8s):
    deployments = of_kind(k8s, "Deployment")
    rasa = pod_spec(deployments["rasa"])["containers"][0]
    missing = rasa_variables() - provided(rasa, k8s)
    assert not missing, f"the rasa Deployment lacks {sorted(missing)}"
    assert not hospital_variables() - provided(pod_spec(deployments["actions"])["containers"][0], k8s)
    site = pod_spec(deployments["webchat"])["initContainers"][0]
    assert site["command"] == ["python", "webchat/site.py", "--out", "/srv/webchat"]
    assert not (hospital_variables() | {"WEBCHAT_RASA_URL"}) - provided(site, k8s)
    if replica_lock_lifetime():
        assert of_kind(k8s, "ConfigMap")["neutropenia-assistant-config"]["data"]["TICKET_LOCK_LIFETIME"] == \
            replica_lock_lifetime()
    retention = pod_spec(of_kind(k8s, "CronJob")["retention"])["containers"][0]
    assert not (endpoint_variables() | {"CONVERSATION_RETENTION_DAYS"}) - provided(retention, k8s)
    assert "--endpoints" in retention["command"] and "endpoints.production.yml" in retention["command"]


def test_k8s_empty_settings_are_required_by_the_start_scripts_or_optional(k8s):
    """A value the operator must set is empty in the ConfigMap, and then the pod refuses to start."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("webchat_site", ROOT / "webchat" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    required = set(re.findall(r': "\$\{([A-Z_]+):\?', shell_code(DEPLOY / "rasa-serve.sh"))) | set(module.REQUIRED)
    data = of_kind(k8s, "ConfigMap")["neutropenia-assistant-config"]["data"]
    empty = {key for key, value in data.items() if value == ""}
    site_specific = {"POSTGRES_HOST", "REDIS_HOST", "HOSPITAL_CARE_TEAM_PHONE", "HOSPITAL_AFTER_HOURS_PHONE",
                     "WEBCHAT_RASA_URL"}
    assert empty == site_specific | OPTIONAL_SETTINGS
    assert site_specific <= required, sorted(site_specific - required)
    from actions.hospital_settings import load_settings

    load_settings(environ={key: "" for key in OPTIONAL_SETTINGS})  # the file's values stand in


def test_k8s_has_no_secret_values(k8s):
    assert not of_kind(k8s, "Secret"), "Secrets are created by the operator, never kept in the manifests"
    for name, data in ((n, c["data"]) for n, c in of_kind(k8s, "ConfigMap").items()):
        for key in data:
            assert not SECRET_NAME.search(key), f"ConfigMap {name} holds {key}"
    for workload in list(of_kind(k8s, "Deployment").values()) + list(of_kind(k8s, "CronJob").values()):
        for container in containers(pod_spec(workload)):
            for item in container.get("env", []):
                if SECRET_NAME.search(item["name"]):
                    assert "value" not in item and "secretKeyRef" in item["valueFrom"], \
                        f"{workload['metadata']['name']}: {item['name']} must come from a Secret"
                    assert item["valueFrom"]["secretKeyRef"]["key"] == item["name"]


def test_k8s_pods_have_resources_and_run_locked_down(k8s):
    for workload in list(of_kind(k8s, "Deployment").values()) + list(of_kind(k8s, "CronJob").values()):
        spec = pod_spec(workload)
        name = workload["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in containers(spec):
            where = f"{name}/{container['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{where}: resources.{kind}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where


def test_every_deployment_variable_is_documented():
    readme = (DEPLOY / "README.md").read_text()
    names = rasa_variables() | {"WEBCHAT_RASA_URL", "CONVERSATION_RETENTION_DAYS", "SANIC_HOST"}
    missing = sorted(name for name in names if name not in readme)
    assert not missing, f"deploy/README.md does not mention {missing}"


def test_no_deploy_file_holds_a_secret_value():
    pattern = re.compile(r"(PASSWORD|SECRET|TOKEN|ACCOUNT_SID)\s*[:=]\s*(\S*)", re.IGNORECASE)
    for path in DEPLOY.rglob("*"):
        if not path.is_file() or path.suffix == ".md" or path.suffix == ".py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            line = VARIABLE.sub("$VARIABLE", line)  # ${X:?...} is a reference, not a value
            for match in pattern.finditer(line):
                value = match.group(2).strip("\"'")
                assert value in ("", "true", "false") or value.startswith("$"), \
                    f"{path.relative_to(ROOT)}:{number}: {line.strip()}"


# --- the web chat site -------------------------------------------------------------------------

@pytest.fixture()
def webchat_site():
    import importlib.util

    spec = importlib.util.spec_from_file_location("webchat_site", ROOT / "webchat" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_webchat_site_writes_the_page_config_and_headers_as_the_dev_server_does(webchat_site, tmp_path):
    import shutil

    from actions.hospital_settings import load_settings
    from webchat.server import PUBLIC, config_script, security_headers

    public = tmp_path / "public-src"
    shutil.copytree(PUBLIC, public, ignore=shutil.ignore_patterns("vendor"))
    (public / "vendor").mkdir()
    (public / "vendor" / "socket.io.min.js").write_text("/* socket.io */")
    env = {"WEBCHAT_RASA_URL": "https://chat.example.org", "HOSPITAL_CARE_TEAM_PHONE": "+1 555 010 0100",
           "HOSPITAL_AFTER_HOURS_PHONE": "+1 555 010 0101"}
    out = tmp_path / "site"
    webchat_site.write_site(out, env, public=public)
    webchat_site.write_site(out, env, public=public)  # a restart replaces the site
    assert (out / "public" / "index.html").read_text() == (PUBLIC / "index.html").read_text()
    assert (out / "public" / "vendor" / "socket.io.min.js").is_file()
    config = (out / "public" / "config.js").read_bytes()
    assert config == config_script("https://chat.example.org", load_settings(environ=env))
    assert b"+1 555 010 0100" in config
    headers = (out / "security-headers.conf").read_text()
    for name, value in security_headers("https://chat.example.org").items():
        assert f'add_header {name} "{value}" always;' in headers
    assert "wss://chat.example.org" in headers
    assert not (out / ".public.new").exists()


def test_webchat_site_refuses_to_run_without_the_public_origin_and_the_numbers(webchat_site, monkeypatch, tmp_path, capsys):
    for name in webchat_site.REQUIRED:
        monkeypatch.delenv(name, raising=False)
    assert webchat_site.main(["--out", str(tmp_path / "site")]) == 1
    error = capsys.readouterr().err
    assert "WEBCHAT_RASA_URL is not set" in error and "HOSPITAL_CARE_TEAM_PHONE is not set" in error
    assert not (tmp_path / "site").exists()

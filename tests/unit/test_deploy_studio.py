"""Static checks of the content studio's deployment (deploy/Dockerfile.studio, studio-serve.sh, the
compose services studio and studio-login, kubernetes/studio.yaml): the image has every module the
studio and its try-it servers load, the studio listens on loopback behind its login proxy only and
believes the user header from it alone, the proxy forwards to the studio's port, its start script
requires what it needs, and every setting is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from tests.unit.deploy_files import DEPLOY, K8S, ROOT, dockerfile, environment, shell_code
from tests.unit.test_deploy_images import _covered

OURS = ("actions", "addons", "webchat", "scripts", "content", "studio", "spacy_pipeline")


def imports_of(path: Path) -> set:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.split(".")[0] in OURS}


def module_file(module: str) -> str:
    path = module.replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def test_the_studio_image_has_every_module_the_studio_and_its_try_it_servers_load():
    instructions = dockerfile("Dockerfile.studio")
    # the studio itself, and what the side-by-side chat's Rasa servers load (config.yml's components,
    # credentials.yml's channels, endpoints.yml's stores and NLG: the servers run this code)
    todo = [f"studio.{p.stem}" for p in (ROOT / "studio").glob("*.py")]
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    todo += [item["name"].rsplit(".", 1)[0] for item in config["pipeline"] + config["policies"] if "." in item["name"]]
    todo += [key.rsplit(".", 1)[0] for key in yaml.safe_load((ROOT / "credentials.yml").read_text()) if "." in key]
    for section in yaml.safe_load((ROOT / "endpoints.yml").read_text()).values():
        if isinstance(section, dict) and "." in str(section.get("type", "")):
            todo.append(section["type"].rsplit(".", 1)[0])
    todo += ["actions.escalation", "clinical.settings"]  # the action server beside them
    seen = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        file = module_file(module)
        assert (ROOT / file).exists(), f"{module}: {file} does not exist"
        assert _covered(file, instructions), f"Dockerfile.studio does not copy {file} ({module})"
        todo.extend(imports_of(ROOT / file))
    for file in ("credentials.yml", "endpoints.yml", "endpoints.production.yml", "logging.yml", "config.yml"):
        assert _covered(file, instructions), f"Dockerfile.studio does not copy {file}"
    for template in (ROOT / "studio" / "templates").iterdir():
        assert _covered(f"studio/templates/{template.name}", instructions)
    copied_vendor = [args for stage, i, args in instructions if stage == "final" and i == "COPY" and "htmx" in args]
    assert copied_vendor == ["--from=studio-vendor /studio/static/vendor/htmx.min.js studio/static/vendor/htmx.min.js"]
    # the image clones and publishes with git
    runs = " ".join(a for stage, i, a in instructions if stage == "final" and i == "RUN")
    assert "apt-get install -y --no-install-recommends git" in runs


def test_the_studio_serves_on_the_port_its_health_check_and_proxy_use():
    final = [(i, a) for stage, i, a in dockerfile("Dockerfile.studio") if stage == "final"]
    assert [a for i, a in final if i == "EXPOSE"] == ["8090"]
    health = next(a for i, a in final if i == "HEALTHCHECK")
    assert "http://127.0.0.1:8090/healthz" in health
    assert [a for i, a in final if i == "CMD"] == ['["sh", "/app/deploy/studio-serve.sh"]']
    serve = shell_code(DEPLOY / "studio-serve.sh")
    assert serve.rstrip().endswith("exec python -m studio")
    required = set(re.findall(r': "\$\{([A-Z_]+):\?', serve))
    assert {"STUDIO_REPO", "STUDIO_STATE_DIR", "STUDIO_TRUSTED_USER_HEADER", "STUDIO_ACCOUNTS"} <= required
    assert {"POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD"} <= required
    assert 'git clone --quiet "$STUDIO_REPO_URL"' in serve and "checkout --quiet --detach" in serve


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]


def test_compose_reaches_the_studio_through_its_login_only(compose):
    studio, login = compose["studio"], compose["studio-login"]
    assert studio["profiles"] == login["profiles"] == ["studio"]
    assert "ports" not in studio and studio["network_mode"] == "service:studio-login"
    assert login["ports"] == ["${STUDIO_BIND_ADDRESS:-127.0.0.1}:${STUDIO_PORT:-4180}:4180"]
    env = environment(studio)
    assert (env["STUDIO_HOST"], env["STUDIO_PORT"]) == ("127.0.0.1", "8090")
    assert env["STUDIO_TRUSTED_USER_HEADER"] == "X-Forwarded-User" and env["STUDIO_TRUSTED_PROXIES"] == "127.0.0.1"
    assert env["STUDIO_SECURE_COOKIES"] == "1"
    assert "--upstream=http://127.0.0.1:8090/" in login["command"]
    assert "--pass-user-headers=true" in login["command"]
    assert studio["build"]["dockerfile"] == "deploy/Dockerfile.studio"
    assert "studio-data:/data" in studio["volumes"]


@pytest.fixture(scope="module")
def manifests():
    return [doc for doc in yaml.safe_load_all((K8S / "studio.yaml").read_text()) if doc]


def test_kubernetes_runs_the_studio_beside_its_login_proxy_on_loopback(manifests):
    kinds = {(d["kind"], d["metadata"]["name"]) for d in manifests}
    assert {("Deployment", "studio"), ("Service", "studio"), ("PersistentVolumeClaim", "studio-data")} <= kinds
    deployment = next(d for d in manifests if d["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
    login, studio = deployment["spec"]["template"]["spec"]["containers"]
    assert "--upstream=http://127.0.0.1:8090/" in login["args"] and "--pass-user-headers=true" in login["args"]
    assert [p["containerPort"] for p in login["ports"]] == [4180]
    assert "ports" not in studio  # only the proxy's port leaves the pod
    config = next(d for d in manifests if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "studio-config")["data"]
    assert (config["STUDIO_HOST"], config["STUDIO_PORT"]) == ("127.0.0.1", "8090")
    assert (
        config["STUDIO_TRUSTED_PROXIES"] == "127.0.0.1" and config["STUDIO_TRUSTED_USER_HEADER"] == "X-Forwarded-User"
    )
    assert config["STUDIO_SECURE_COOKIES"] == "1"
    service = next(d for d in manifests if d["kind"] == "Service")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    policies = [d for d in yaml.safe_load_all((K8S / "networkpolicy.yaml").read_text()) if d]
    studio_policy = next(p for p in policies if p["metadata"]["name"] == "studio-through-its-login-only")
    assert studio_policy["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 4180}]}]


def test_every_studio_setting_is_documented_in_the_deploy_readme():
    settings = (ROOT / "studio" / "settings.py").read_text()
    read = set(re.findall(r"\"(STUDIO_[A-Z_]+)\"", settings))
    assert {"STUDIO_HOST", "STUDIO_TRUSTED_USER_HEADER", "STUDIO_PUSH_REMOTE"} <= read
    readme = (DEPLOY / "README.md").read_text()
    missing = sorted(name for name in read | {"STUDIO_REPO_URL"} if name not in readme)
    assert not missing, f"deploy/README.md does not mention {missing}"

"""Static checks of deploy/'s images: Docker does not run on the development machines, so the
Dockerfiles, their .dockerignore files and the start scripts they run are checked here against the
code: their files exist and are in the build context, they install the locked dependencies as a
non-root user, the ports are the ones Rasa and rasa-sdk serve on, the Rasa image has every module
the server loads, and the HTTP API stays off."""

from __future__ import annotations

import ast
import fnmatch
import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.unit.deploy_files import ACTIONS_PORT, DEPLOY, RASA_PORT, ROOT, dockerfile, endpoint_variables, shell_code


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


DOCKERFILES = ["Dockerfile.rasa", "Dockerfile.actions", "Dockerfile.studio"]
# each image installs its own server's lock (requirements/), never the development lock
IMAGE_LOCKS = {
    "Dockerfile.rasa": "requirements/rasa-server.lock",
    "Dockerfile.actions": "requirements/action-server.lock",
    "Dockerfile.studio": "requirements/studio.lock",
}


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
                assert not (
                    fnmatch.fnmatch(source.rstrip("/"), pattern) or source.startswith(pattern.rstrip("/") + "/")
                ), f"{name}: COPY {source} is excluded from the build context by {name}.dockerignore ({pattern})"


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

    lock = IMAGE_LOCKS[name]
    copied = {
        (source, destination) for sources, destination, src in copies(instructions) if not src for source in sources
    }
    lock_sources = sorted(s for s, _ in copied if s.startswith("requirements"))
    assert lock_sources == [lock], f"{name}: copies {lock_sources}, not {lock} alone"
    installed_from = next(d for s, d in copied if s == lock)
    installs = [a for _, i, a in instructions if i == "RUN" and "pip install" in a]
    assert installs, f"{name}: no pip install"
    for command in installs:
        assert (
            f"pip install --require-hashes --no-deps -r {installed_from}" in command
        ), f"{name}: pip must install from {lock} with --require-hashes --no-deps: {command}"
        assert command.count("pip install") == 1, f"{name}: a second pip install outside the lock: {command}"

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
    # rasa_sdk's own command: the action image has no Rasa
    assert re.search(rf"exec python -m rasa_sdk --actions actions --port {ACTIONS_PORT}\b", actions)


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
    for sources, _destination, source_stage in copies(instructions, stage):
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
    and the project modules those import (addons imports clinical.settings)."""
    modules = set()
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for item in config["pipeline"] + config["policies"]:
        if "." in item["name"]:
            modules.add(item["name"].rsplit(".", 1)[0])
    modules.update(
        key.rsplit(".", 1)[0] for key in yaml.safe_load((ROOT / "credentials.yml").read_text()) if "." in key
    )
    for section in yaml.safe_load((ROOT / "endpoints.production.yml").read_text()).values():
        if isinstance(section, dict) and "." in str(section.get("type", "")):
            modules.add(section["type"].rsplit(".", 1)[0])
    modules.update({"scripts.render_credentials", "clinical.settings", "scripts.delete_old_conversations"})
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
    for file in (
        "hospital_settings.yml",
        "credentials.yml",
        "endpoints.production.yml",
        "deploy/rasa-serve.sh",
        "webchat/site.py",
        "webchat/public/index.html",
    ):
        assert _covered(file, instructions), f"Dockerfile.rasa does not copy {file}"
    vendor = [(s, d) for s, d, src in copies(instructions, "final") if src == "webchat-vendor"]
    assert vendor == [(["/webchat/public/vendor/socket.io.min.js"], "webchat/public/vendor/socket.io.min.js")]


def test_actions_image_has_the_action_package_and_settings():
    instructions = dockerfile("Dockerfile.actions")
    for file in (
        "actions/__init__.py",
        "actions/escalation.py",
        "clinical/settings.py",
        "clinical/temperature.py",
        "rasa_sdk_plugins/__init__.py",  # rasa_sdk's plugin: the action server fails cleanly
        "hospital_settings.yml",
        "deploy/actions-serve.sh",
    ):
        assert _covered(file, instructions), f"Dockerfile.actions does not copy {file}"
    for module_file in [*(ROOT / "actions").glob("*.py"), ROOT / "rasa_sdk_plugins" / "__init__.py"]:
        for module in _project_imports(module_file):
            assert module.startswith(
                ("actions", "rasa_sdk_plugins")
            ), f"{module_file.name} imports {module}, which the image lacks"


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

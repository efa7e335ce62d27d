"""The dependency locks in requirements/ (tools/lock_dependencies.sh): every package pinned with its
hash (uv's too, which make setup installs first), one version of a package across the four locks
(the tests run what production runs), the production locks free of test tools (the studio's carries
textstat, which its content checks run), the action server's lock enough for what actions/ imports
without Rasa or TensorFlow, and the studio's enough for what studio/ and content/ import."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {
    name: ROOT / "requirements" / f"{name}.lock"
    for name in ("development", "rasa-server", "action-server", "studio", "bootstrap")
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)
# what only the tools and the tests use: never in a server image
TEST_TOOLS = {"pytest", "pytest-timeout", "playwright", "textstat", "rich", "psutil", "ruff", "mypy"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict:
    return {normalized(name): version for name, version in PIN.findall(LOCKS[lock].read_text())}


@pytest.mark.parametrize("lock", LOCKS)
def test_every_package_is_pinned_with_its_hash(lock):
    text = LOCKS[lock].read_text()
    entries = re.split(r"\n(?=\S)", text.strip())
    requirements = [e for e in entries if not e.startswith("#")]
    assert requirements, f"{lock}.lock is empty"
    for entry in requirements:
        assert PIN.match(entry), f"{lock}.lock: not an exact pin: {entry.splitlines()[0]}"
        assert "--hash=sha256:" in entry, f"{lock}.lock: no hash for {entry.splitlines()[0]}"


def test_a_package_has_one_version_in_every_lock():
    development = pins("development")
    for lock in ("rasa-server", "action-server", "studio"):
        for name, version in pins(lock).items():
            assert development.get(name) == version, (
                f"{lock}.lock pins {name}=={version}, development.lock {development.get(name)}: "
                "run tools/lock_dependencies.sh"
            )


def test_production_locks_carry_no_test_tools_and_the_action_lock_no_rasa():
    for lock in ("rasa-server", "action-server"):
        assert not TEST_TOOLS & set(pins(lock)), f"{lock}.lock has test tools: {TEST_TOOLS & set(pins(lock))}"
    # the studio runs the content checks, whose reading level is textstat's; nothing else of the tests
    assert TEST_TOOLS & set(pins("studio")) == {"textstat"}
    action = pins("action-server")
    assert "rasa-sdk" in action and "pyyaml" in action
    assert not {"rasa", "tensorflow", "spacy"} & set(action)
    assert pins("rasa-server")["rasa"] == pins("development")["rasa"]


def third_party_imports(folder: Path) -> set:
    """Top-level modules imported anywhere in folder that are neither the standard library nor ours."""
    ours = {p.name for p in ROOT.iterdir() if p.is_dir()}
    modules = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in ours and m != "__future__"}


# the distribution of an imported module, where the names differ
DISTRIBUTION = {"rasa_sdk": "rasa-sdk", "yaml": "pyyaml"}


def test_the_action_lock_provides_every_module_the_actions_import():
    action = pins("action-server")
    imported = third_party_imports(ROOT / "actions")
    # structlog is imported only to redact Rasa's structlog events (actions/log_privacy.py), and only if present
    optional = {"structlog"}
    assert "rasa_sdk" in imported
    for module in imported - optional:
        distribution = normalized(DISTRIBUTION.get(module, module))
        assert distribution in action, f"actions/ imports {module}, which requirements/action-server.lock lacks"


# the distribution of a module the studio or the content library imports, where the names differ
STUDIO_DISTRIBUTION = {**DISTRIBUTION, "ruamel": "ruamel-yaml", "jinja2": "jinja2"}


def test_the_studio_lock_has_the_rasa_servers_and_every_module_studio_and_content_import():
    studio = pins("studio")
    for name, version in pins("rasa-server").items():
        assert studio.get(name) == version, f"studio.lock lacks {name}=={version} of rasa-server.lock"
    imported = third_party_imports(ROOT / "studio") | third_party_imports(ROOT / "content")
    assert {"sanic", "jinja2", "ruamel", "textstat", "rasa", "spacy"} <= imported
    for module in imported - {"rasa", "spacy", "textstat"}:
        distribution = normalized(STUDIO_DISTRIBUTION.get(module, module))
        assert distribution in studio, f"studio/ or content/ imports {module}, which requirements/studio.lock lacks"
    assert {"rasa", "spacy", "textstat", "pyphen"} <= set(studio)

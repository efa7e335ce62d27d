"""The content studio's unit tests (no server): each works on a copy of the project's content in a
temporary folder, never on the repository's own files."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

# what the content checks read: a copy of these is a whole project for them
CONTENT = (
    "domain.yml",
    "content_sources.yml",
    "hospital_settings.yml",
    "config.yml",
    "data",
    "tests/nlu_holdout",
    "tests/test_stories",
    "docs/intents.md",
)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def copy_content(destination: Path) -> Path:
    for rel in CONTENT:
        source = ROOT / rel
        target = destination / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return destination


@pytest.fixture
def project(tmp_path):
    """A copy of the content, committed to its own repository (the checks compare with the last commit)."""
    root = copy_content(tmp_path / "project")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "content as published")
    return root

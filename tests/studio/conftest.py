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


# --- the studio on a copy, with people and seeded conversations ---------------------------------

PASSWORD = "correct horse battery staple"
PEOPLE = {
    # user: (name, roles)
    "ana": ("Ana Editor", ["editor"]),
    "ben": ("Ben Editor", ["editor"]),
    "rita": ("Rita Reviewer", ["clinical_reviewer"]),
    "tomas": ("Tomás Translator", ["translator"]),
}
# a parent's opener with no question, which the inbox lists besides make review's kinds
OPENER_TEXT = "my daughter Lucy was just diagnosed with neutropenia"


def seed_conversations(directory: Path) -> Path:
    """An endpoints file whose SQLite tracker store holds make review's seeded conversations
    (tests/unit/review_conversations.py) and one opener."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    from tests.unit import review_conversations as seeded
    from tools.project_domain import load_domain

    database = directory / "conversations.db"
    domain = load_domain()
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(database))
    seeded.seed(store)
    stamp = seeded.SECOND_DAY + 5000
    events = [
        *seeded.session(stamp),
        seeded.user(OPENER_TEXT, "share_situation", 0.91, stamp + 1, "socketio"),
        *seeded.reply("utter_acknowledge_situation", stamp + 2),
        seeded.listen(stamp + 2),
    ]
    import asyncio

    asyncio.run(store.save(DialogueStateTracker.from_events("web-opener", events, domain.slots)))
    store.engine.dispose()
    path = directory / "endpoints.yml"
    path.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")
    return path


@pytest.fixture(scope="session")
def seeded_endpoints(tmp_path_factory):
    return seed_conversations(tmp_path_factory.mktemp("studio-conversations"))


@pytest.fixture
def studio(project, tmp_path, seeded_endpoints):
    """The studio's service (no server) on a copy of the content, with four people."""
    from studio.accounts import Accounts
    from studio.service import Studio
    from studio.settings import StudioSettings

    state = tmp_path / "state"
    settings = StudioSettings(
        repo=project,
        state=state,
        publish_branch="content/studio",
        base_branch="main",
        accounts_file=state / "accounts.yml",
        endpoints=seeded_endpoints,
        current_model=ROOT / "models" / "neutropenia-assistant.tar.gz",
    )
    accounts = Accounts(settings.accounts_file)
    for user, (name, roles) in PEOPLE.items():
        accounts.save(user, name, f"{user}@hospital.example.org", roles, PASSWORD)
    return Studio(settings)


@pytest.fixture
def people(studio):
    return {user: studio.accounts.get(user) for user in PEOPLE}

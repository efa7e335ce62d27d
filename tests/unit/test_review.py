"""`make review` (tools/review/) on a tracker store seeded with realistic conversations
(tests/unit/review_conversations.py): what it reads, the report, the editor's pass through the real
questionary prompts (prompt_toolkit's pipe input), and the examples it writes, checked by
`rasa data validate` and Rasa's NLU reader on a copy of the project (the live data/ is never written)."""

import base64
import io
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.nlu.training_data.loading import load_data
from rich.console import Console

from content.conversations import read_endpoint_conversations
from content.masking import default_masker
from content.missed import missed_groups
from content.training_data import add_examples
from tests.unit import review_conversations as seeded
from tools.project_domain import load_domain
from tools.review.command import main
from tools.review.editor import QuestionaryPrompts

ROOT = Path(__file__).resolve().parent.parent.parent
RASA = ROOT / ".venv" / "bin" / "rasa"
# what `make validate` runs on the project, here on its copy: the content checks, then Rasa's own
VALIDATE = [
    "bash",
    "-c",
    f"{ROOT}/.venv/bin/python {ROOT}/tools/check_content.py . && {RASA} data validate --config config.yml "
    "--domain domain.yml --data data --fail-on-warnings --quiet",
]
DOWN, UP, ENTER = "\x1b[B", "\x1b[A", "\r"
PERSONAL = ["555-123-4567", "jane.doe@example.com", "Jake", "Emma", *seeded.SENDER_IDS]
URGENT_TEXTS = [
    seeded.URGENT_FALLBACK,
    seeded.URGENT_FALLBACK_MASKED,
    seeded.URGENT_WITH_EMAIL,
    "you can write to <email>",
    seeded.SAFETY_POLICY_FEVER,
]


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory):
    """An endpoints file whose SQL tracker store (SQLite) holds the seeded conversations."""
    directory = tmp_path_factory.mktemp("review-store")
    database = directory / "conversations.db"
    store = SQLTrackerStore(load_domain(), dialect="sqlite", db=str(database))
    seeded.seed(store)
    store.engine.dispose()
    path = directory / "endpoints.yml"
    path.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")
    return path


@pytest.fixture
def project(tmp_path):
    """A copy of what the review reads and writes and the content checks read: the domain, config,
    sources, data/, the test sets and stories."""
    for name in ("domain.yml", "config.yml", "content_sources.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("data", "tests/nlu_holdout", "tests/blind", "tests/test_stories"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def run_review(project, endpoints, validate_command=VALIDATE, **options):
    console = Console(file=io.StringIO(), width=200, color_system=None)
    code = main(
        ["--endpoints", str(endpoints), "--out", str(project / "results" / "review")],
        root=project,
        console=console,
        validate_command=validate_command,
        **options,
    )
    return code, console.file.getvalue()


class ScriptedKeys(QuestionaryPrompts):
    """questionary's own prompts, each answered by the keys scripted for it, in order: (a part of
    the question it must show, the keys)."""

    def __init__(self, pipe, script):
        self.pipe, self.script, self.asked = pipe, list(script), []

    def _answer(self, message):
        assert self.script, f"an unexpected question: {message!r}"
        expected, keys = self.script.pop(0)
        assert expected in message, f"asked {message!r}, expected a question about {expected!r}"
        self.asked.append(message)
        self.pipe.send_text(keys)

    def select(self, message, choices, default):
        self._answer(message)
        return super().select(message, choices, default)

    def autocomplete(self, message, choices):
        self._answer(message)
        return super().autocomplete(message, choices)

    def confirm(self, message):
        self._answer(message)
        return super().confirm(message)


def drive(project, endpoints, script, **options):
    pipe = create_pipe_input()
    try:
        with create_app_session(input=pipe, output=DummyOutput()):
            prompts = ScriptedKeys(pipe, script)
            code, output = run_review(project, endpoints, prompts=prompts, interactive=True, **options)
    finally:
        pipe.close()
    assert not prompts.script, f"questions never asked: {prompts.script}"
    return code, output, prompts


def day(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, tz=timezone.utc).date().isoformat()


def table_rows(markdown: str, header_start: str):
    """The rows of the Markdown table whose header starts so, as dicts."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip("|").split("|")])
    return [dict(zip(table[0], row, strict=False)) for row in table[2:]]


def block_examples(path: Path, intent: str):
    """The examples of an intent's block, as the file lists them."""
    text = path.read_text(encoding="utf-8")
    block = re.findall(rf"^- intent: {intent}\n(.*?)(?=^- intent:|\Z)", text, re.MULTILINE | re.DOTALL)[0]
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def test_every_conversation_and_day_is_read_through_rasas_tracker_store(endpoints):
    conversations = read_endpoint_conversations(endpoints)
    assert len(conversations) == 8 and [c.number for c in conversations] == list(range(1, 9))
    assert sorted(c.channel for c in conversations) == ["slack", "socketio", "socketio", *["twilio"] * 5]
    assert sum(len(c.turns) for c in conversations) == 11
    assert sum(c.urgent for c in conversations) == 2
    corrected = [t for c in conversations for t in c.turns if t.corrected_to]
    assert [(t.text, t.corrected_to) for t in corrected] == [(seeded.UNSURE_CORRECTED, "ask_bone_marrow_transplant")]
    spanish = [t for c in conversations for t in c.turns if t.language == "es"]
    assert [t.text for t in spanish] == [seeded.SPANISH_NOT_COVERED]


def test_a_conversation_rasa_cannot_rebuild_is_skipped_and_counted_never_named(endpoints, capsys):
    from content.conversations import open_store, read_conversations

    store = open_store(endpoints)
    real_retrieve = store.retrieve_full_tracker
    broken = sorted(__import__("asyncio").run(store.keys()))[0]

    async def retrieve(sender_id):
        if sender_id == broken:  # as Rasa raises on a stored event it cannot deserialise
            raise AttributeError("'NoneType' object has no attribute 'get'")
        return await real_retrieve(sender_id)

    store.retrieve_full_tracker = retrieve
    assert len(read_conversations(store)) == 7
    err = capsys.readouterr().err
    assert "1 stored conversation(s) could not be read" in err and broken not in err


def test_missed_messages_are_grouped_by_likely_intent_most_frequent_first(endpoints):
    groups = missed_groups(read_endpoint_conversations(endpoints), default_masker(ROOT))
    assert [(g.intent, g.count) for g in groups] == [
        ("ask_not_covered", 4),
        ("ask_contact_care_team", 2),
        ("ask_bone_marrow_transplant", 1),
        ("report_fever", 1),
    ]
    not_covered = groups[0].messages
    assert [(m.text, m.count) for m in not_covered] == [
        (seeded.NOT_COVERED_PLAIN, 2),
        (seeded.NOT_COVERED_MASKED, 1),
        (seeded.SPANISH_NOT_COVERED, 1),
    ]
    assert not_covered[0].replies == ["utter_not_covered"]
    corrected = groups[2].messages[0]
    assert corrected.kinds == ["corrected", "unsure"]
    assert corrected.replies == ["utter_causes + utter_offer_alternatives"]
    urgent = groups[3].messages[0]
    assert (urgent.text, urgent.urgent, urgent.kinds) == (seeded.URGENT_FALLBACK_MASKED, True, ["rephrase"])


def test_without_a_terminal_the_report_is_written_and_nothing_is_asked(project, endpoints):
    before = {p: p.read_bytes() for p in (project / "data").rglob("*.yml")}
    code, output = run_review(project, endpoints, prompts=ScriptedKeys(None, []))  # a question would fail
    assert code == 0
    assert "Read 8 conversations (11 messages from parents) over 2 days with messages" in output
    # a scheduled job's output may end up in a log: figures only, no message text
    assert "8 missed message(s) under 4 likely intent(s)" in output
    assert not any(text in output for text in (seeded.NOT_COVERED_PLAIN, seeded.SPANISH_NOT_COVERED, "<phone>"))
    assert {p: p.read_bytes() for p in (project / "data").rglob("*.yml")} == before

    markdown = (project / "results/review/report.md").read_text()
    page = (project / "results/review/report.html").read_text()
    first, second = (day(stamp) for stamp in (seeded.FIRST_DAY, seeded.SECOND_DAY))
    assert f"| {first} | 3 |" in markdown and f"| {second} | 5 |" in markdown
    assert "| twilio | 5 |" in markdown and "| socketio | 2 |" in markdown and "| slack | 1 |" in markdown
    # one triaged reading and one reply of the safety policy while the action server was down, on the second day
    escalations = table_rows(markdown, "| day (UTC) | call_911")
    assert [row["day (UTC)"] for row in escalations] == [second]
    assert escalations[0]["call_now_reading"] == "1" and escalations[0]["safety policy: utter_call_now_fever"] == "1"
    assert sum(int(v) for k, v in escalations[0].items() if k != "day (UTC)") == 2
    assert "| rephrase | 3 | 27.3 % |" in markdown and "| unsure | 1 | 9.1 % |" in markdown
    assert "| not covered | 4 | 36.4 % |" in markdown and "| corrected | 1 | 9.1 % |" in markdown
    assert "| 2 | can he get the flu vaccine | ask_not_covered | utter_not_covered |" in markdown
    assert "can the nurse call me back at <phone> about the drug trial" in markdown
    # the charts: three PNGs in the page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    for text in (markdown, page, output):
        for personal in PERSONAL:
            assert personal not in text
    for text in (markdown, page):
        for urgent in URGENT_TEXTS:
            assert urgent not in text
    assert "2 missed message(s) in urgent conversations are counted above, never quoted" in markdown


def test_the_editor_turns_missed_messages_into_training_examples_rasa_accepts(project, endpoints):
    care_team_before = (project / "data/nlu/care_team.yml").read_text()
    code, output, prompts = drive(
        project,
        endpoints,
        [
            (seeded.NOT_COVERED_PLAIN, ENTER),  # not covered, the default
            (seeded.NOT_COVERED_MASKED, ENTER),
            (seeded.SPANISH_NOT_COVERED, ENTER),
            ("call me back at <phone>", DOWN * 3 + ENTER),  # another intent...
            ("intent (Tab lists them)", "ask_contact_care_team" + ENTER),
            ("you can write to <email>", ENTER),  # urgent conversation: ignore is the default
            (seeded.UNSURE_CORRECTED, ENTER),  # the intent the parent chose
            (seeded.URGENT_FALLBACK_MASKED, UP * 2 + ENTER),  # report_fever
            ("from an urgent conversation. Copy it into the training examples of report_fever", "y"),
        ],
    )
    assert code == 0, output
    assert all(personal not in " ".join(prompts.asked) + output for personal in PERSONAL)
    nlu = project / "data/nlu"
    assert block_examples(nlu / "care_team.yml", "ask_not_covered")[-2:] == [
        seeded.NOT_COVERED_PLAIN,
        seeded.NOT_COVERED_MASKED,
    ]
    assert (
        block_examples(nlu / "care_team.yml", "ask_contact_care_team")[-1]
        == "can the nurse call me back at <phone> about the drug trial"
    )
    assert block_examples(nlu / "es/care_team.yml", "ask_not_covered")[-1] == seeded.SPANISH_NOT_COVERED
    assert block_examples(nlu / "treatment.yml", "ask_bone_marrow_transplant")[-1] == seeded.UNSURE_CORRECTED
    assert block_examples(nlu / "urgent.yml", "report_fever")[-1] == seeded.URGENT_FALLBACK_MASKED
    assert not any("<email>" in p.read_text() for p in nlu.rglob("*.yml"))
    # appended inside the blocks: every line the file had is still there, in order
    after = (nlu / "care_team.yml").read_text().splitlines()
    assert [line for line in after if line in care_team_before.splitlines()] == care_team_before.splitlines()
    assert len(after) == len(care_team_before.splitlines()) + 3
    # `rasa data validate --fail-on-warnings` ran on the copy and passed; Rasa's reader sees each example
    assert "The new examples pass the content checks" in output and "make train" in output
    examples = {(m.get("text"), m.get("intent")): m for m in load_data(str(nlu)).intent_examples}
    assert (seeded.NOT_COVERED_MASKED, "ask_not_covered") in examples
    assert (seeded.URGENT_FALLBACK_MASKED, "report_fever") in examples
    spanish = examples[(seeded.SPANISH_NOT_COVERED, "ask_not_covered")]
    assert (spanish.get("metadata") or {}).get("intent", {}).get("language") == "es"
    # a second pass finds them in the training data and adds nothing
    code, output, _ = drive(project, endpoints, [(seeded.NOT_COVERED_PLAIN, ENTER), ("", DOWN * 3 + ENTER)])
    assert code == 0 and "already a training example" in output and "training data is unchanged" in output


def test_an_urgent_conversations_message_stays_out_unless_the_editor_confirms(project, endpoints):
    before = (project / "data/nlu/urgent.yml").read_text()
    code, output, _ = drive(
        project,
        endpoints,
        [
            *[
                (text, DOWN + ENTER)
                for text in (seeded.NOT_COVERED_PLAIN, seeded.NOT_COVERED_MASKED, seeded.SPANISH_NOT_COVERED)
            ],  # ignore, after "not covered"
            ("call me back at <phone>", DOWN * 2 + ENTER),  # ignore, after the likely intent and "not covered"
            ("you can write to <email>", ENTER),
            (seeded.UNSURE_CORRECTED, DOWN * 2 + ENTER),
            (seeded.URGENT_FALLBACK_MASKED, UP * 2 + ENTER),
            ("from an urgent conversation", "n"),
        ],
    )
    assert code == 0 and "No message chosen" in output
    assert (project / "data/nlu/urgent.yml").read_text() == before


def test_ctrl_c_cancels_the_review_and_writes_nothing(project, endpoints):
    before = {p: p.read_bytes() for p in (project / "data").rglob("*.yml")}
    code, output, _ = drive(
        project, endpoints, [(seeded.NOT_COVERED_PLAIN, ENTER), (seeded.NOT_COVERED_MASKED, "\x03")]
    )
    assert code == 130 and "Cancelled: the training data is unchanged" in output
    assert {p: p.read_bytes() for p in (project / "data").rglob("*.yml")} == before


def test_failing_content_checks_fail_the_review_and_say_what_to_do(project, endpoints):
    code, output, _ = drive(
        project,
        endpoints,
        [(seeded.NOT_COVERED_PLAIN, ENTER), (seeded.NOT_COVERED_MASKED, DOWN * 3 + ENTER)],  # one, then stop
        validate_command=["false"],
    )
    assert code == 1 and "The content checks failed" in output and "make train" not in output
    assert block_examples(project / "data/nlu/care_team.yml", "ask_not_covered")[-1] == seeded.NOT_COVERED_PLAIN


def test_duplicates_and_test_set_questions_are_never_added(project):
    held_out_file = sorted((ROOT / "tests/nlu_holdout").glob("*.yml"))[0]
    held_out = next(line.strip()[2:] for line in held_out_file.read_text().splitlines() if line.startswith("    - "))
    blind = next(
        line[len("- text: ") :]
        for line in (ROOT / "tests/blind/en.yml").read_text().splitlines()
        if line.startswith("- text: ") and len(line) > 40
    )
    test_sets = {p: p.read_bytes() for p in (project / "tests").rglob("*.yml")}
    results = add_examples(
        project,
        [
            ("What  is Neutropenia?", "ask_what_is_neutropenia", "en"),  # trained; case, spaces, punctuation aside
            ("what is neutropenia", "ask_causes", "en"),  # trained under another intent
            (held_out, "ask_what_is_neutropenia", "en"),
            (blind[:-2] + "x" + blind[-1:], "ask_what_is_neutropenia", "en"),  # a near copy of a blind question
            ("[Tylenol](drug) for a teething toddler", "ask_not_covered", "en"),
        ],
    )
    assert [r.reason for r in results] == [
        "already a training example",
        "already a training example of ask_what_is_neutropenia",
        "in a test set (tests/nlu_holdout or tests/blind), or nearly",
        "in a test set (tests/nlu_holdout or tests/blind), or nearly",
        "",
    ]
    assert results[4].text == "(Tylenol)(drug) for a teething toddler"  # never read as an entity annotation
    assert results[4].path == project / "data/nlu/care_team.yml"
    assert {p: p.read_bytes() for p in (project / "tests").rglob("*.yml")} == test_sets


def test_make_review_is_a_make_target():
    result = subprocess.run(["make", "-n", "review"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "tools.review" in result.stdout, result.stderr


def test_a_missing_variable_or_database_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTGRES_HOST", "localhost")
    for name in ("POSTGRES_DB", "POSTGRES_PASSWORD", "POSTGRES_PORT", "POSTGRES_USER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match="set POSTGRES_DB, POSTGRES_PASSWORD, POSTGRES_PORT, POSTGRES_USER to read"):
        read_endpoint_conversations(ROOT / "endpoints.production.yml")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: run/data/conversations.db\n")
    with pytest.raises(SystemExit, match="conversations.db does not exist: no conversations yet"):
        read_endpoint_conversations(endpoints)
    assert not (tmp_path / "run").exists()

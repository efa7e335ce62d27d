"""The studio's YAML writer (content/yaml_files.py): a file read and written unchanged is
byte-identical, an edit changes only what it edits (comments, blank lines, order and quotes stay),
a new topic written piece by piece passes the content checks and the intent catalogue, and no name
or path leads outside the content files."""

import difflib
import os

import pytest
from ruamel.yaml import YAML

from content import yaml_files
from content.checks import run_checks
from tests.conftest import ROOT
from tests.studio import new_topic
from tools import check_docs

# the YAML files the studio may write (content/yaml_files.py CONTENT_PATHS)
CONTENT_GLOBS = (
    "data/responses/*.yml",
    "data/nlu/**/*.yml",
    "data/rules/*.yml",
    "domain.yml",
    "tests/nlu_holdout/**/*.yml",
    "tests/test_stories/*.yml",
)


def changed_lines(before: str, after: str):
    """(removed, added) lines of a diff."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


def test_every_content_file_is_byte_identical_after_a_round_trip():
    files = sorted({p for pattern in CONTENT_GLOBS for p in ROOT.glob(pattern)})
    assert len(files) > 20
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        file = yaml_files.YamlFile(ROOT, rel)
        assert file.dumps() == path.read_text(encoding="utf-8"), f"{rel} changes on a round trip"


def test_setting_the_same_values_writes_nothing(project):
    path = project / "data/responses/basics.yml"
    before = path.read_bytes()
    mtime = os.stat(path).st_mtime_ns
    text = YAML(typ="safe").load(before)["responses"]["utter_anc"][0]["text"]
    assert yaml_files.set_answer(project, "utter_anc", "en", text, {"reviewed": "2026-11-20"}) is None
    assert path.read_bytes() == before and os.stat(path).st_mtime_ns == mtime


def test_a_reworded_answer_changes_its_text_line_only(project):
    path = project / "data/responses/basics.yml"
    before = path.read_text(encoding="utf-8")
    new_text = (
        'Neutrophils are "germ fighters" among the white blood cells.\nThey kill bacteria.'
        "\nSource: UCSF Benioff Children's Hospitals"
    )
    assert yaml_files.set_answer(project, "utter_neutrophils", "en", new_text) == "data/responses/basics.yml"
    after = path.read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert len(removed) == len(added) == 1 and removed[0].lstrip().startswith("- text: ")
    # written as the files write it: one double-quoted line, quotes and line breaks escaped
    assert added[0] == (
        '  - text: "Neutrophils are \\"germ fighters\\" among the white blood cells.\\nThey kill bacteria.'
        "\\nSource: UCSF Benioff Children's Hospitals\""
    )
    assert YAML(typ="safe").load(after)["responses"]["utter_neutrophils"][0]["text"] == new_text
    assert "# What neutropenia is, neutrophils and the ANC." in after  # the file's comment stays


def test_a_translator_review_is_written_quoted_in_the_spanish_twin_only(project):
    path = project / "data/responses/basics.yml"
    before = path.read_text(encoding="utf-8")
    yaml_files.set_answer(project, "utter_anc", "es", metadata={"translation_reviewed": "Ana Ruiz, 2026-12-01"})
    removed, added = changed_lines(before, path.read_text(encoding="utf-8"))
    assert removed == ['      translation_reviewed: ""'] and added == [
        '      translation_reviewed: "Ana Ruiz, 2026-12-01"'
    ]


def test_a_new_topic_written_piece_by_piece_passes_the_checks_and_the_catalogue(project):
    t = new_topic
    en_meta = {
        "intent": t.INTENT,
        "topic": t.TITLE,
        "question": t.QUESTION,
        "source": t.SOURCE,
        "reviewed": "2026-11-20",
    }
    es_meta = {
        "intent": t.INTENT,
        "topic": "¿Es contagiosa?",
        "question": "¿La neutropenia es contagiosa?",
        "source": t.SOURCE,
        "translates": "2026-11-20",
        "translation_reviewed": "",
    }
    before = {p: p.read_text(encoding="utf-8") for pattern in CONTENT_GLOBS for p in project.glob(pattern)}
    written = {
        yaml_files.add_answer(project, t.TOPIC, t.RESPONSE, (t.ENGLISH, en_meta), (t.SPANISH, es_meta)),
        yaml_files.add_intent(project, t.INTENT, t.TOPIC),
        yaml_files.add_rule(project, t.TOPIC, t.INTENT, t.RESPONSE),
        yaml_files.add_story(project, t.TOPIC, t.INTENT, t.RESPONSE, t.EXAMPLES_EN[0], t.TITLE),
        yaml_files.add_example_block(project, "data/nlu", t.TOPIC, t.INTENT, "en", t.EXAMPLES_EN),
        yaml_files.add_example_block(project, "data/nlu", t.TOPIC, t.INTENT, "es", t.EXAMPLES_ES),
        yaml_files.add_example_block(project, "tests/nlu_holdout", t.TOPIC, t.INTENT, "en", t.HELD_OUT_EN),
        yaml_files.add_example_block(project, "tests/nlu_holdout", t.TOPIC, t.INTENT, "es", t.HELD_OUT_ES),
        yaml_files.add_catalogue_row(project, t.TOPIC, t.INTENT, "can others catch it", t.RESPONSE),
    }
    assert written == {
        "data/responses/basics.yml",
        "domain.yml",
        "data/rules/basics.yml",
        "tests/test_stories/test_basics.yml",
        "data/nlu/basics.yml",
        "data/nlu/es/basics.yml",
        "tests/nlu_holdout/basics.yml",
        "tests/nlu_holdout/es/basics.yml",
        "docs/intents.md",
    }
    problems = [p for p in run_checks(project) if not p.warning]
    assert problems == []
    assert check_docs.check_catalogue(project) == []
    # nothing was removed from any file: every change is an addition
    for path, text in before.items():
        removed, _ = changed_lines(text, path.read_text(encoding="utf-8"))
        assert removed == [], f"{path.relative_to(project)} lost {removed}"
    domain = (project / "domain.yml").read_text(encoding="utf-8").splitlines()
    at = domain.index(f"  - {t.INTENT}")
    assert domain[at - 1] == "  - ask_anc" and domain[at + 1] == "  # causes and types"


@pytest.mark.parametrize(
    "rel",
    ["config.yml", "../outside.yml", "data/responses/../../endpoints.yml", "data/nlu/es/../../../x.yml", "README.md"],
)
def test_a_path_outside_the_content_files_is_refused(project, rel):
    with pytest.raises(yaml_files.ContentPathError):
        yaml_files.write_content_file(project, rel, "x")
    assert not (project.parent / "outside.yml").exists()


@pytest.mark.parametrize("name", ["../basics", "basics/../../x", "Basics", "a b", "<script>", ""])
def test_a_name_that_is_not_a_plain_name_is_refused(project, name):
    with pytest.raises(yaml_files.ContentPathError):
        yaml_files.add_rule(project, name, "ask_x", "utter_x")


def test_a_symbolic_link_out_of_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("secret: 1\n")
    link = project / "data/rules/linked.yml"
    link.symlink_to(outside)
    with pytest.raises(yaml_files.ContentPathError):
        yaml_files.write_content_file(project, "data/rules/linked.yml", "rules: []\n")
    assert outside.read_text() == "secret: 1\n"

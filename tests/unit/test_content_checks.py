"""Each content check catches its mistake in a broken copy of the data, with a readable message."""
import shutil

import pytest

from tools.check_content import main, run_checks
from tests.conftest import ROOT


@pytest.fixture
def project(tmp_path):
    for folder in ("data", "tests/test_stories"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "content_sources.yml", tmp_path)
    shutil.copy(ROOT / "domain.yml", tmp_path)
    return tmp_path


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def messages(project):
    return [str(p) for p in run_checks(project)]


def test_the_real_content_passes():
    assert run_checks(ROOT) == []


def test_missing_source_is_reported_with_file_line_and_fix(project):
    edit(project / "data/responses/causes_and_types.yml",
         "      source: ucsf\n      reviewed: \"2026-11-20\"\n\n  utter_chronic_benign",
         "      reviewed: \"2026-11-20\"\n\n  utter_chronic_benign")
    [problem] = messages(project)
    assert problem.startswith("data/responses/causes_and_types.yml:")
    assert "utter_cyclic: no source. Fix: add \"source: <id>\"" in problem


def test_source_line_must_name_the_source(project):
    edit(project / "data/responses/basics.yml", "\\nSource: UCSF Benioff Children's Hospitals", "")
    [problem] = messages(project)
    assert "utter_neutrophils: the text does not name its source 'UCSF Benioff Children's Hospitals'" in problem


def test_missing_review_date(project):
    edit(project / "data/responses/treatment.yml", "      source: ucsf\n      reviewed: \"2026-11-20\"\n\n  utter_gcsf",
         "      source: ucsf\n\n  utter_gcsf")
    [problem] = messages(project)
    assert "utter_antibiotics: no review date" in problem


def test_duplicate_example_under_two_intents(project):
    with (project / "data/nlu/basics.yml").open("a") as f:
        f.write("\n- intent: ask_causes\n  examples: |\n    - What are neutrophils??\n")
    problems = [p for p in messages(project) if "is an example of both" in p]
    assert problems and problems[0].startswith("data/nlu/basics.yml:")
    assert "ask_causes and ask_neutrophils" in problems[0] or "ask_neutrophils and ask_causes" in problems[0]
    assert "Fix: keep it under the one intent" in problems[0]


def test_typed_phone_number(project):
    edit(project / "data/responses/care_team.yml", "at {care_team_phone}. At night", "at (415) 555-0134. At night")
    [problem] = messages(project)
    assert "utter_contact_care_team: phone number '(415) 555-0134' is typed into the answer" in problem
    assert "write {care_team_phone}" in problem


def test_too_complex_text(project):
    edit(project / "data/responses/basics.yml", "They kill bacteria in the blood and help protect your child from infections.",
         "They constitute the predominant phagocytic leukocyte population, eliminating extracellular bacterial "
         "pathogens through oxidative and non-oxidative antimicrobial mechanisms, consequently safeguarding immunocompromised individuals.")
    [problem] = messages(project)
    assert "utter_neutrophils: reading level is grade" in problem and "above grade 8" in problem


def test_too_few_examples_and_untested_intent(project):
    edit(project / "domain.yml", "  - ask_anc\n", "  - ask_anc\n  - ask_is_it_contagious\n")
    edit(project / "data/rules/basics.yml", "rules:\n", "rules:\n- rule: contagious\n  steps:\n  - intent: ask_is_it_contagious\n  - action: utter_anc\n\n")
    with (project / "data/nlu/basics.yml").open("a") as f:
        f.write("\n- intent: ask_is_it_contagious\n  examples: |\n    - is neutropenia contagious\n")
    problems = messages(project)
    assert any("intent ask_is_it_contagious has 1 examples, fewer than 25. Fix: add 24 more" in p for p in problems)
    assert any("intent ask_is_it_contagious is not in any test story" in p for p in problems)


def test_unused_answer(project):
    edit(project / "data/responses/basics.yml", "responses:\n", "responses:\n  utter_orphan:\n  - text: \"Hello.\"\n    metadata:\n      source: none\n      reviewed: \"2026-11-20\"\n")
    problems = messages(project)
    assert any("answer utter_orphan is not used by any rule or story" in p for p in problems)
    assert any("utter_orphan: says 'source: none', but it is a topic answer" in p for p in problems)


def test_command_exits_non_zero_and_prints_problems(project, capsys):
    edit(project / "data/responses/care_team.yml", "at {care_team_phone}. At night", "at 555 010 0140. At night")
    assert main([str(project)]) == 1
    out = capsys.readouterr().out
    assert "data/responses/care_team.yml:" in out and "1 content problem(s) found" in out


def test_too_long_answer(project):
    edit(project / "data/responses/basics.yml", "A child with neutropenia has too few of them.",
         "A child with neutropenia has too few of them. They live in the blood. They are made in the "
         "bone marrow. They are white cells.")
    [problem] = messages(project)
    assert "utter_neutrophils: 6 sentences; answers are 2 to 5" in problem

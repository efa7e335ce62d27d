"""`make validate`'s content checks: each mistake an editor can make, in a broken copy of a small
made-up project (tests/unit/content_fixture/), gives one readable line; the real content passes.

Nothing here copies the live answers' wording or dates: rewording any answer as CONTENT.md says
never breaks these tests. The tests of the real content check properties only.
"""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from clinical.vocabulary import ALARM_RESPONSES, CALL_911_RESPONSE
from content.checks import Project, load_answers, reading_ease_es, reading_grade, run_checks
from tests.conftest import ROOT
from tools.check_content import main

FIXTURE = Path(__file__).parent / "content_fixture"
# what an editor touches in the real project (a copy of them is a whole project for the checks)
REAL_CONTENT = (
    "domain.yml",
    "content_sources.yml",
    "hospital_settings.yml",
    "data",
    "tests/nlu_holdout",
    "tests/test_stories",
)


def git(root, *args):
    subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "user.name=editor",
            "-c",
            "user.email=editor@example.org",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        check=True,
        capture_output=True,
    )


def commit_all(root):
    """The editor's starting point: the project as of the last commit."""
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "content as reviewed")


@pytest.fixture
def project(tmp_path):
    """A copy of the fixture project without git: the checks that compare with the last commit skip."""
    copy = tmp_path / "project"
    shutil.copytree(FIXTURE, copy)
    return copy


@pytest.fixture
def committed(project):
    """A copy of the fixture project committed to its own git repository."""
    commit_all(project)
    return project


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path, text):
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def lines(project):
    """Every problem and warning, as `make validate` prints them."""
    return [str(p) for p in run_checks(project)]


def problems(project):
    return [str(p) for p in run_checks(project) if not p.warning]


def warnings(project):
    return [str(p) for p in run_checks(project) if p.warning]


def line_of(path, text):
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


# --- the fixture and the real content pass --------------------------------------------------


def test_the_fixture_project_passes_every_check(committed):
    assert lines(committed) == []


def test_the_real_content_passes_every_check():
    assert problems(ROOT) == []


def test_every_real_answer_names_a_source():
    answers, _ = load_answers(Project(ROOT))
    assert answers
    assert [a.label for a in answers if not a.metadata.get("source")] == []


def test_every_real_urgent_answer_says_call_now_with_the_number_in_both_languages():
    answers, _ = load_answers(Project(ROOT))
    alarms = [a for a in answers if a.name in ALARM_RESPONSES]
    assert {a.name for a in alarms} == set(ALARM_RESPONSES)
    for answer in alarms:
        if answer.language == "en":
            opening = "Call 911" if answer.name == CALL_911_RESPONSE else "Call now"
        else:
            opening = "Llame al 911" if answer.name == CALL_911_RESPONSE else "Llame ahora"
        assert answer.text.startswith(opening), answer.label
        assert "{care_team_phone}" in answer.text, answer.label


def test_rewording_a_real_answer_as_content_md_says_keeps_the_checks_green(tmp_path):
    """CONTENT.md: change the text, keep the Source line last, set reviewed: to today."""
    for part in REAL_CONTENT:
        source, target = ROOT / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    commit_all(tmp_path)
    before = problems(tmp_path)

    yaml = YAML(typ="rt")
    yaml.preserve_quotes, yaml.width = True, 4096
    path = tmp_path / "data/responses/basics.yml"
    doc = yaml.load(path.read_text(encoding="utf-8"))
    name, variations = next(iter(doc["responses"].items()))
    english = next(v for v in variations if "condition" not in v)
    source_line = english["text"].split("\n")[-1]
    english["text"] = f"This answer was reworded by an editor. It says the same thing in new words.\n{source_line}"
    english["metadata"]["reviewed"] = dt.date.today().isoformat()
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)

    assert problems(tmp_path) == before
    # the Spanish twin now translates an older English text: a warning, as CONTENT.md says
    assert [w for w in warnings(tmp_path) if "reviewed: is still" in w] == []
    assert any(
        f"{name} (Spanish): translates the English of" in w and "the English changed since this was translated" in w
        for w in warnings(tmp_path)
    )


# --- YAML mistakes: one plain line, never a traceback -----------------------------------------


def test_unescaped_quotation_mark_in_an_answer(project, capsys):
    path = project / "data/responses/basics.yml"
    edit(path, "white cells that eat germs", 'white cells that "eat" germs')
    [problem] = problems(project)
    assert problem == (
        f"data/responses/basics.yml:{line_of(path, 'eat')}: a quotation mark \" inside the text ends "
        "the text early. Fix: write a quotation mark inside the text as \\\" (or use ’ “ ”)"
    )
    assert main([str(project)]) == 1
    out = capsys.readouterr().out
    assert (
        "Traceback" not in out
        and "ScannerError" not in out
        and out.strip().endswith("1 problem in the content " "(CONTENT.md says what each check means)")
    )


def test_example_indented_two_spaces_instead_of_four(project):
    path = project / "data/nlu/basics.yml"
    edit(path, "    - where are neutrophils made", "  - where are neutrophils made")
    [problem] = problems(project)
    assert problem.startswith(
        f"data/nlu/basics.yml:{line_of(path, 'where are neutrophils made')}: this line is "
        "indented 2 spaces, which does not fit the lines above it (4 spaces). Fix: indent it"
    )


def test_tab_in_a_file(project):
    path = project / "data/nlu/es/basics.yml"
    edit(path, "    - neutrófilos qué son", "\t- neutrófilos qué son")
    [problem] = problems(project)
    assert problem.startswith(
        f"data/nlu/es/basics.yml:{line_of(path, 'neutrófilos qué son')}: a tab character; "
        "YAML indents with spaces only. Fix: replace the tab with spaces"
    )


def test_answer_written_twice(project):
    append(project / "data/responses/basics.yml", '\n  utter_neutrophils:\n  - text: "again"\n')
    [problem] = problems(project)
    assert "data/responses/basics.yml:" in problem and "'utter_neutrophils' is written twice in this file" in problem


def test_colon_in_unquoted_text(project):
    edit(
        project / "data/responses/chitchat.yml",
        '- text: "Hello, I answer questions about low white cells. If your ' 'child has a fever, tell me now."',
        "- text: Note: I answer questions about low white cells.",
    )
    [problem] = problems(project)
    assert "a colon followed by a space (': ') inside text that is not in quotes" in problem


def test_closing_quotation_mark_missing(project):
    path = project / "data/responses/basics.yml"
    edit(
        path,
        'Blood Counts"\n    metadata:\n      source: family_guide',
        "Blood Counts\n    metadata:\n      source: family_guide",
    )
    [problem] = problems(project)
    assert problem == (
        f"data/responses/basics.yml:{line_of(path, 'Neutrophils are')}: this text's closing quotation mark is missing. "
        'Fix: end the text with " on the same line (a quotation mark inside it is written \\")'
    )


def test_key_without_its_colon(project):
    path = project / "data/nlu/basics.yml"
    edit(path, "- intent: ask_neutrophils", "- intent ask_neutrophils")
    [problem] = problems(project)
    assert problem.startswith("data/nlu/basics.yml:3: '- intent ask_neutrophils' has no ':' after its key. Fix:")


# --- the answers -------------------------------------------------------------------------------


def test_missing_source_is_reported_with_file_line_and_fix(project):
    path = project / "data/responses/basics.yml"
    edit(path, "      source: family_guide\n      reviewed:", "      reviewed:")
    [problem] = problems(project)
    assert problem.startswith(
        f"data/responses/basics.yml:{line_of(path, 'Neutrophils are')}: utter_neutrophils: no source. "
        "Fix: add \"source: <id>\""
    )


def test_missing_review_date(project):
    edit(
        project / "data/responses/basics.yml",
        '      source: family_guide\n      reviewed: "2026-10-01"\n',
        "      source: family_guide\n",
    )
    [problem] = problems(project)
    assert "utter_neutrophils: no review date. Fix:" in problem


def test_typed_phone_number(project):
    edit(project / "data/responses/symptoms.yml", "you call {care_team_phone}", "you call (415) 555-0134")
    found = problems(project)
    assert any(
        "utter_symptoms: phone number '(415) 555-0134' is typed into the answer. Fix: write {care_team_phone}" in p
        for p in found
    )


def test_too_hard_to_read(project):
    edit(
        project / "data/responses/basics.yml",
        "Neutrophils are white cells that eat germs.",
        "Neutrophils constitute the predominant phagocytic leukocyte population, eliminating extracellular "
        "bacterial pathogens through oxidative antimicrobial mechanisms.",
    )
    [problem] = problems(project)
    assert (
        "utter_neutrophils: reading level is grade" in problem
        and "above grade 8. Fix: use shorter sentences" in problem
    )


def test_too_long_answer(project):
    edit(
        project / "data/responses/basics.yml",
        "germs can spread fast.",
        "germs can spread fast. They live in blood. They are made in bone. They are white. They move.",
    )
    [problem] = problems(project)
    assert "utter_neutrophils: 6 sentences; answers are 2 to 5" in problem


@pytest.mark.parametrize(
    "typed, reported",
    [
        ("above 38.0 °C", "38.0 °"),
        ("above 100.4 °F", "100.4 °"),
        ("above 38 degrees", "38 degrees"),
        ("at 38", "38"),
    ],
)
def test_fever_threshold_typed_into_an_answer(project, typed, reported):
    edit(project / "data/responses/symptoms.yml", "A fever above {fever_threshold}", f"A fever {typed}")
    [problem] = problems(project)
    assert f"utter_symptoms: the fever threshold '{reported}" in problem
    assert "is typed into the answer. Fix: write {fever_threshold}" in problem


def test_fever_threshold_typed_into_a_spanish_answer(project):
    edit(
        project / "data/responses/symptoms.yml",
        "Si la fiebre pasa de {fever_threshold}",
        "Si la fiebre pasa de 38,0 grados",
    )
    [problem] = problems(project)
    assert "utter_symptoms (Spanish): the fever threshold '38,0 grados' is typed into the answer" in problem


def test_numbers_that_are_not_the_threshold_pass(project):
    edit(
        project / "data/responses/symptoms.yml",
        "A fever above {fever_threshold} means you call {care_team_phone}.",
        "A count of 1,000 to 1,500 is mild, and a reading like 38.5 C or 101.3 F is above {fever_threshold}. "
        "Call 911 for trouble breathing, and call {care_team_phone} for a fever.",
    )
    # the twin says the same numbers, as a translation must (written the Spanish way)
    edit(
        project / "data/responses/symptoms.yml",
        "Si la fiebre pasa de {fever_threshold}, llame al {care_team_phone}.",
        "Un conteo de 1.000 a 1.500 es leve, y 38,5 C o 101,3 F pasa de {fever_threshold}. "
        "Llame al 911 si no respira bien, y al {care_team_phone} si hay fiebre.",
    )
    assert problems(project) == []


def test_a_spanish_twin_with_other_numbers_is_named(project):
    edit(
        project / "data/responses/symptoms.yml",
        "Si la fiebre pasa de {fever_threshold}, llame al {care_team_phone}.",
        "Si la fiebre pasa de {fever_threshold} durante 2 días, llame al {care_team_phone}.",
    )
    [problem] = problems(project)
    assert problem == (
        "data/responses/symptoms.yml:9: utter_symptoms (Spanish): its numbers (2) differ from the English (none). "
        "Fix: write the same numbers as the English answer (38,5 or 38.5 and 1.500 or 1,500 are fine)"
    )


def test_source_line_doubled(project):
    edit(
        project / "data/responses/basics.yml",
        '\\nSource: Family Guide to Blood Counts"',
        '\\nSource: Family Guide to Blood Counts\\nSource: Family Guide to Blood Counts"',
    )
    [problem] = problems(project)
    assert "utter_neutrophils: 2 'Source:' lines in the text. Fix: keep one 'Source: ...' line, at the end" in problem


def test_source_line_run_together(project):
    edit(project / "data/responses/basics.yml", "germs can spread fast.\\nSource:", "germs can spread fast.Source:")
    [problem] = problems(project)
    assert "utter_neutrophils: 'Source:' runs into the text before it" in problem
    assert "Fix: put \\n right before 'Source:'" in problem


def test_source_line_not_at_the_end(project):
    edit(
        project / "data/responses/basics.yml",
        "Neutrophils are white cells that eat germs. When a child has too few, germs can spread fast.\\nSource: Family Guide to Blood Counts",
        "Neutrophils are white cells that eat germs.\\nSource: Family Guide to Blood Counts\\nWhen a child has too few, germs can spread fast.",
    )
    [problem] = problems(project)
    assert "utter_neutrophils: the 'Source:' line is not the last line of the text" in problem


def test_source_line_must_name_the_source(project):
    edit(project / "data/responses/basics.yml", '\\nSource: Family Guide to Blood Counts"', '"')
    [problem] = problems(project)
    assert (
        "utter_neutrophils: the text does not name its source 'Family Guide to Blood Counts'. "
        'Fix: end the text with a line "Source: Family Guide to Blood Counts"'
    ) in problem


def test_source_line_names_a_source_metadata_does_not_list(project):
    edit(
        project / "data/responses/basics.yml",
        '\\nSource: Family Guide to Blood Counts"',
        '\\nSource: Family Guide to Blood Counts; hospital fever rules"',
    )
    [problem] = problems(project)
    assert (
        "utter_neutrophils: the 'Source:' line names 'hospital fever rules', which metadata 'source:' does not list"
        in problem
    )


def test_spanish_answer_ends_with_fuente(project):
    edit(project / "data/responses/basics.yml", "\\nFuente: Family Guide", "\\nSource: Family Guide")
    found = problems(project)
    assert any(
        "utter_neutrophils (Spanish): 'Source:' in a Spanish answer's text. Fix: the Spanish text ends with 'Fuente: ...'"
        in p
        for p in found
    )


# --- Spanish twins ----------------------------------------------------------------------------


def spanish_variation(path):
    text = path.read_text(encoding="utf-8")
    return text[text.index("  - condition:") :]


def test_english_answer_without_spanish_twin(project):
    path = project / "data/responses/basics.yml"
    edit(path, spanish_variation(path), "")
    [problem] = problems(project)
    assert problem.startswith(
        "data/responses/basics.yml:5: utter_neutrophils: no Spanish variation. Fix: add the Spanish"
    )


def test_spanish_answer_without_english(project):
    path = project / "data/responses/basics.yml"
    edit(
        path,
        '  - text: "Neutrophils are',
        '  - condition:\n    - type: slot\n      name: language\n      value: es\n    text: "Neutrophils are',
    )
    found = problems(project)
    assert any("utter_neutrophils: 2 Spanish variations" in p for p in found)


def test_spanish_placeholders_and_sources_must_match_the_english(project):
    path = project / "data/responses/symptoms.yml"
    edit(path, "llame al {care_team_phone}", "llame al equipo")
    edit(
        path,
        "      language: es\n      source: family_guide, fever_rules",
        "      language: es\n      source: family_guide",
    )
    edit(path, "Fuente: Family Guide to Blood Counts; hospital fever rules", "Fuente: Family Guide to Blood Counts")
    found = problems(project)
    assert any(
        "utter_symptoms (Spanish): placeholders differ from the English (missing {care_team_phone})" in p for p in found
    )
    assert any(
        "utter_symptoms (Spanish): source ids 'family_guide' differ from the English 'family_guide, fever_rules'" in p
        for p in found
    )


def test_phone_number_typed_into_a_spanish_answer(project):
    edit(
        project / "data/responses/urgent.yml",
        "Llame ahora: {care_team_phone}",
        "Llame ahora: 555 010 0111 o {care_team_phone}",
    )
    [problem] = problems(project)
    assert "utter_call_now_fever (Spanish): phone number '555 010 0111' is typed into the answer" in problem


def test_spanish_too_hard_to_read(project):
    edit(
        project / "data/responses/basics.yml",
        "Los neutrófilos son células blancas que comen gérmenes.",
        "Los neutrófilos constituyen la población predominante de leucocitos polimorfonucleares circulantes, "
        "responsables de la fagocitosis bacteriana extracelular mediante mecanismos oxidativos.",
    )
    [problem] = problems(project)
    assert (
        "utter_neutrophils (Spanish): Spanish reading ease is" in problem and "(Fernandez Huerta), below 70" in problem
    )


def test_spanish_reading_ease_leaves_textstat_in_english():
    import textstat

    sample = "Neutrophils are white cells that eat germs. When a child has too few, germs can spread fast."
    english_before = textstat.flesch_reading_ease(sample)
    reading_ease_es("Los neutrófilos son células blancas. Comen gérmenes.")
    assert textstat.flesch_reading_ease(sample) == english_before
    assert reading_grade(sample + "\nSource: x") == textstat.flesch_kincaid_grade(sample)


def test_spanish_twin_of_an_older_english_text_is_a_warning(project):
    edit(project / "data/responses/basics.yml", 'reviewed: "2026-10-01"', 'reviewed: "2026-10-20"')
    assert problems(project) == []
    [warning] = warnings(project)
    assert (
        "utter_neutrophils (Spanish): translates the English of 2026-10-01, but the English was reviewed on 2026-10-20: "
        "the English changed since this was translated. Fix:"
    ) in warning
    assert ": warning: " in warning


def test_unreviewed_spanish_answers_are_listed_in_one_warning(project):
    for topic in ("basics", "urgent"):
        edit(
            project / f"data/responses/{topic}.yml",
            'translation_reviewed: "Ana Ruiz, 2026-10-05"',
            'translation_reviewed: ""',
        )
    assert problems(project) == []
    [warning] = warnings(project)
    assert (
        "warning: 2 Spanish answers have no translation_reviewed yet (utter_neutrophils, utter_call_now_fever)"
        in warning
    )
    assert "a qualified medical translator must review them before a hospital puts them live" in warning
    assert "Section 1557" in warning


# --- examples and test questions ----------------------------------------------------------------


def test_duplicate_example_under_two_intents(project):
    append(project / "data/nlu/symptoms.yml", "    - What are neutrophils??\n")
    [problem] = problems(project)
    assert problem.startswith("data/nlu/symptoms.yml:")
    assert (
        "'What are neutrophils??' is an example of both ask_symptoms and ask_neutrophils (data/nlu/basics.yml:"
        in problem
    )
    assert "Fix: keep it under the one intent" in problem


def test_spanish_examples_need_their_language_metadata(project):
    edit(project / "data/nlu/es/basics.yml", "  metadata:\n    language: es\n", "")
    [problem] = problems(project)
    assert "ask_neutrophils: examples in data/nlu/es/basics.yml marked language none" in problem
    assert "add 'metadata:' with 'language: es'" in problem


def test_new_intent_with_too_few_examples_no_test_questions_and_no_story(project):
    edit(project / "domain.yml", "  - report_fever\n", "  - report_fever\n  - ask_contagious\n")
    append(
        project / "data/rules/basics.yml",
        "\n- rule: contagious\n  steps:\n  - intent: ask_contagious\n  - action: utter_neutrophils\n",
    )
    append(
        project / "data/nlu/basics.yml", "\n- intent: ask_contagious\n  examples: |\n    - is neutropenia contagious\n"
    )
    found = problems(project)
    assert any("intent ask_contagious has 1 examples, fewer than 25. Fix: add 24 more" in p for p in found)
    assert any(
        "domain.yml:8: intent ask_contagious has 0 English test questions, fewer than 10. Fix: add 10 fresh questions "
        "under '- intent: ask_contagious' in tests/nlu_holdout/<topic>.yml" in p
        for p in found
    )
    assert any("intent ask_contagious is not in any test story" in p for p in found)


def test_spanish_test_questions_for_an_intent_with_spanish_examples(project):
    path = project / "tests/nlu_holdout/es/basics.yml"
    edit(path, "    - ¿son importantes los neutrófilos?\n", "")
    [problem] = problems(project)
    assert problem.startswith(
        "domain.yml:5: intent ask_neutrophils has 9 Spanish test questions, fewer than 10. "
        "Fix: add 1 fresh questions under '- intent: ask_neutrophils' in tests/nlu_holdout/es/<topic>.yml"
    )


def test_test_question_copied_into_the_training_examples(project):
    append(project / "data/nlu/basics.yml", "    - Neutrophil role!\n")
    [problem] = problems(project)
    path = project / "tests/nlu_holdout/basics.yml"
    assert problem.startswith(
        f"tests/nlu_holdout/basics.yml:{line_of(path, 'neutrophil role')}: test question "
        "'neutrophil role' is copied into the training examples ('Neutrophil role!', data/nlu/basics.yml:"
    )


def test_test_question_nearly_copied_into_the_training_examples(committed):
    append(committed / "data/nlu/es/basics.yml", "    - ¿qué tienen que ver los neutrófilos con la infección?\n")
    [problem] = problems(committed)
    assert (
        "test question '¿qué tienen que ver los neutrófilos con las infecciones?' is nearly copied into the training examples"
        in problem
    )


def test_unused_answer(project):
    edit(
        project / "data/responses/basics.yml",
        "responses:\n",
        'responses:\n  utter_orphan:\n  - text: "Hello. Bye."\n'
        '    metadata:\n      source: none\n      reviewed: "2026-10-01"\n',
    )
    found = problems(project)
    assert any("answer utter_orphan is not used by any rule or story" in p for p in found)
    assert any("utter_orphan: says 'source: none', but it is a topic answer" in p for p in found)


# --- against the last commit ----------------------------------------------------------------------


def test_changed_text_with_the_same_review_date_is_a_warning(committed):
    edit(committed / "data/responses/basics.yml", "germs can spread fast.", "germs spread fast.")
    assert problems(committed) == []
    [warning] = warnings(committed)
    assert (
        "data/responses/basics.yml:5: warning: utter_neutrophils: the text changed since the last commit, but reviewed: "
        "is still 2026-10-01. Fix: check the new text against its sources and set reviewed: to today's date"
    ) == warning


def test_changed_text_with_a_new_review_date_passes(committed):
    edit(committed / "data/responses/basics.yml", "germs can spread fast.", "germs spread fast.")
    edit(
        committed / "data/responses/basics.yml", 'reviewed: "2026-10-01"', f'reviewed: "{dt.date.today().isoformat()}"'
    )
    assert [w for w in warnings(committed) if "reviewed: is still" in w] == []
    assert problems(committed) == []


def test_changed_spanish_text_keeping_its_translation_review_is_a_warning(committed):
    edit(committed / "data/responses/basics.yml", "los gérmenes crecen rápido.", "los gérmenes crecen muy rápido.")
    assert problems(committed) == []
    [warning] = warnings(committed)
    assert (
        "utter_neutrophils (Spanish): the text changed since the last commit, but translation_reviewed: is still "
        "'Ana Ruiz, 2026-10-05'. Fix: have the translator review the new text" in warning
    )


def test_new_intent_whose_subject_an_existing_intent_covers(committed):
    """Splitting mouth problems out of ask_symptoms: the examples still under ask_symptoms are named."""
    edit(committed / "domain.yml", "  - ask_symptoms\n", "  - ask_symptoms\n  - ask_mouth_problems\n")
    mouth = [
        "my son has sore gums",
        "what helps mouth sores",
        "her gums are bleeding a little",
        "mouth ulcers and neutropenia",
        "why does she get mouth sores every month",
        "how do i clean his mouth",
        "are gum problems part of this",
        "mouth care for kids with low counts",
    ]
    append(
        committed / "data/nlu/symptoms.yml",
        "\n- intent: ask_mouth_problems\n  examples: |\n" + "".join(f"    - {m}\n" for m in mouth),
    )
    found = [w for w in warnings(committed) if "overlaps the new intent" in w]
    path = committed / "data/nlu/symptoms.yml"
    assert (
        f"data/nlu/symptoms.yml:{line_of(path, 'can mouth sores be a symptom')}: warning: 'can mouth sores be a symptom' "
        "(ask_symptoms) overlaps the new intent ask_mouth_problems: shares the key words mouth, sore. Fix: move it under "
        "ask_mouth_problems (and its test questions), or reword it so it asks only about ask_symptoms; then run make evaluate"
    ) in found
    named = {w.split("'")[1] for w in found}
    assert {
        "do gums bleed with neutropenia",
        "are mouth ulcers common with low counts",
        "why does my son get sore gums",
    } <= named
    assert not any("(report_fever)" in w for w in found)


# --- the command ------------------------------------------------------------------------------------


def test_command_ends_with_one_line(project, capsys):
    assert main([str(project)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "all content checks passed"

    edit(project / "data/responses/basics.yml", 'reviewed: "2026-10-01"', 'reviewed: "2026-10-20"')
    edit(project / "data/responses/symptoms.yml", "you call {care_team_phone}", "you call 555 010 0140")
    assert main([str(project)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 3 and out[0].startswith("data/responses/symptoms.yml:") and ": warning: " in out[1]
    assert out[-1] == "1 problem, 1 warning in the content (CONTENT.md says what each check means)"


def test_examples_without_the_block_bar(project):
    path = project / "data/nlu/symptoms.yml"
    edit(path, "  examples: |\n", "  examples:\n")
    [problem] = problems(project)
    assert problem.startswith(
        f"data/nlu/symptoms.yml:{line_of(path, 'examples:')}: ask_symptoms: 'examples:' is not followed by '|', so the "
        "examples are not read as text. Fix: write 'examples: |' and the examples below it"
    )

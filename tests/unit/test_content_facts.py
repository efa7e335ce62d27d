"""No medical fact outside the sources (content/checks/facts.py): a number or a medical word an
English answer adds that the pages it cites never use is named, with the answer's line; what the
pages say, an example reading and 911 pass. On a copy of the content fixture, with source pages
written here (the real ones live outside the repository, in ../shared/content-sources/)."""

import shutil

import pytest

from content.checks import run_checks
from content.checks.facts import SOURCES_DIR_VARIABLE, facts_outside
from tests.unit.test_content_checks import FIXTURE, edit, line_of

# the fixture's two source pages, saying what its answers say (and a little more)
FAMILY_GUIDE = """Neutrophils are white cells that eat germs. When a child has too few, germs can spread
fast. Low white cells cause no pain by themselves. Watch for fever, chills, mouth sores and red skin.
Doctors may give antibiotics. A count below 500 is severe."""
FEVER_RULES = """Call the care team for a fever. Call 911 for trouble breathing or a seizure."""


@pytest.fixture
def project(tmp_path, monkeypatch):
    copy = tmp_path / "project"
    shutil.copytree(FIXTURE, copy)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "family-guide.txt").write_text(FAMILY_GUIDE)
    (pages / "fever-rules.md").write_text(FEVER_RULES)
    monkeypatch.setenv(SOURCES_DIR_VARIABLE, str(pages))
    return copy


def problems(project):
    return [str(p) for p in run_checks(project) if not p.warning]


def test_the_fixture_says_only_what_its_pages_say(project):
    assert problems(project) == []


def test_a_number_the_cited_page_lacks_is_named(project):
    path = project / "data/responses/basics.yml"
    edit(path, "germs can spread fast.", "germs can spread fast. It lasts 21 days.")
    [problem] = problems(project)
    line = line_of(path, '  - text: "Neutrophils are white cells')
    assert problem == (
        f"data/responses/basics.yml:{line}: utter_neutrophils: the number 21 is not in its sources "
        "(Family Guide to Blood Counts). Fix: take the number from the source pages the answer cites, "
        "or cite the page that gives it"
    )


def test_a_medical_word_the_cited_page_lacks_is_named(project):
    edit(project / "data/responses/basics.yml", "germs can spread fast.", "germs can spread fast. Give ibuprofen.")
    [problem] = problems(project)
    assert "utter_neutrophils: 'ibuprofen' is not in its sources (Family Guide to Blood Counts)" in problem
    assert problem.endswith("Fix: say only what the cited pages say, or cite the page that says it")


def test_what_the_pages_say_an_example_reading_and_911_pass():
    page = FAMILY_GUIDE.lower() + " " + FEVER_RULES.lower()
    text = (
        "Doctors may give antibiotics; a count below 500 is severe. Tell us the reading "
        "(for example 38.5 C). Call 911 for a seizure.\nSource: Family Guide to Blood Counts"
    )
    assert facts_outside(text, page) == ([], [])


def test_without_the_pages_nothing_is_compared(project, monkeypatch, tmp_path):
    monkeypatch.setenv(SOURCES_DIR_VARIABLE, str(tmp_path / "absent"))
    edit(project / "data/responses/basics.yml", "germs can spread fast.", "germs can spread fast. Give ibuprofen.")
    assert problems(project) == []

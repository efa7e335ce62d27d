"""The studio's way of a change, without a server (studio/service.py on a copy of the content in its
own git repository): roles enforced on the server, the clinical and translation sign-offs, the
publish as a commit with its author and sign-offs on the publish branch, two editors on one answer,
and nothing ever written but masked text and the content files."""

import datetime as dt
import subprocess

import pytest
from ruamel.yaml import YAML

from content.checks import run_checks
from studio.drafts import CLINICAL, TRANSLATION
from studio.repository import GitError
from studio.service import Forbidden, Invalid
from tests.studio import new_topic
from tests.studio.conftest import OPENER_TEXT, git
from tests.unit import review_conversations as seeded

TODAY = dt.date.today().isoformat()


def published(project, rel, branch="content/studio"):
    return subprocess.run(
        ["git", "-C", str(project), "show", f"{branch}:{rel}"], check=True, capture_output=True, text=True
    ).stdout


def answer(text_of_file, name, language="en"):
    variations = YAML(typ="safe").load(text_of_file)["responses"][name]
    return next(v for v in variations if ("condition" in v) == (language == "es"))


def reword(studio, account, name, old, new):
    view = studio.answer_texts(account, name)
    assert old in view["en_text"]
    return studio.save_answer(account, name, view["en_text"].replace(old, new), view["es_text"], view["sources"])


def test_an_editor_cannot_sign_off_or_publish(studio, people):
    reword(studio, people["ana"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    with pytest.raises(Forbidden, match="clinical reviewer"):
        studio.publish(people["ana"], "ana")
    with pytest.raises(Forbidden, match="clinical reviewer"):
        studio.sign_off(people["ana"], "ana", CLINICAL)
    with pytest.raises(Forbidden, match="translator"):
        studio.sign_off(people["ana"], "ana", TRANSLATION)


def test_an_answer_change_is_published_after_the_clinical_sign_off_as_a_commit_by_its_author(studio, people, project):
    main_before = git(project, "rev-parse", "main")
    reword(studio, people["ana"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    with pytest.raises(Invalid, match="a clinical reviewer must sign this off first: utter_anc"):
        studio.publish(people["rita"], "ana")
    signoff = studio.sign_off(people["rita"], "ana", CLINICAL)
    commit = studio.publish(people["rita"], "ana").commit

    assert git(project, "rev-parse", "content/studio").strip() == commit
    author, committer, message = git(project, "log", "-1", "--format=%an <%ae>%x1f%cn%x1f%B", commit).split("\x1f")
    assert author == "Ana Editor <ana@hospital.example.org>" and committer == "Rita Reviewer"
    assert message.startswith("Content studio: utter_anc (ANC (neutrophil count)): English text reworded")
    assert f"Clinical-sign-off: Rita Reviewer <rita@hospital.example.org> {signoff.date}" in message
    english = answer(published(project, "data/responses/basics.yml"), "utter_anc")
    assert "The doctors use the ANC" in english["text"] and english["metadata"]["reviewed"] == TODAY
    changed = git(project, "show", "--name-only", "--format=", commit).split()
    assert changed == ["data/responses/basics.yml"]
    # main and the repository's own files are untouched; the draft is gone
    assert git(project, "rev-parse", "main") == main_before and git(project, "status", "--porcelain") == ""
    assert studio.drafts.load("ana").empty


def test_a_change_after_the_sign_off_needs_a_new_one(studio, people):
    reword(studio, people["ana"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    studio.sign_off(people["rita"], "ana", CLINICAL)
    reword(studio, people["ana"], "utter_neutrophils", "They kill bacteria", "They destroy bacteria")
    with pytest.raises(Invalid, match="must sign this off first"):
        studio.publish(people["rita"], "ana")


def test_a_translator_signs_off_a_spanish_answer_with_name_and_date_and_publishes_it(studio, people, project):
    tomas = people["tomas"]
    view = studio.answer_texts(tomas, "utter_anc")
    with pytest.raises(Forbidden, match="the English needs the editor role"):
        studio.save_answer(tomas, "utter_anc", view["en_text"] + " More.", view["es_text"], view["sources"])
    studio.translation_review(tomas, "utter_anc")
    with pytest.raises(Forbidden):
        studio.translation_review(people["ana"], "utter_neutrophils")
    commit = studio.publish(tomas, "tomas").commit
    spanish = answer(published(project, "data/responses/basics.yml"), "utter_anc", "es")
    assert spanish["metadata"]["translation_reviewed"] == f"Tomás Translator, {TODAY}"
    assert "Translation-reviewed: utter_anc by Tomás Translator" in git(project, "log", "-1", "--format=%B", commit)


def test_a_reworded_spanish_answer_gets_the_translators_sign_off(studio, people, project):
    tomas = people["tomas"]
    view = studio.answer_texts(tomas, "utter_neutrophils")
    spanish = view["es_text"].replace("Matan las bacterias", "Destruyen las bacterias")
    studio.save_answer(tomas, "utter_neutrophils", view["en_text"], spanish, view["sources"])
    studio.sign_off(tomas, "tomas", TRANSLATION)
    studio.publish(tomas, "tomas")
    variation = answer(published(project, "data/responses/basics.yml"), "utter_neutrophils", "es")
    assert "Destruyen las bacterias" in variation["text"]
    assert variation["metadata"]["translation_reviewed"] == f"Tomás Translator, {TODAY}"


def test_two_editors_on_one_answer_are_told_and_nothing_is_lost(studio, people, project):
    reword(studio, people["ana"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    notices = reword(studio, people["ben"], "utter_anc", "so ask the care team", "so please ask the care team")
    assert notices and notices[0].startswith("Ana Editor is also changing this answer (English) in their draft")
    studio.sign_off(people["rita"], "ana", CLINICAL)
    studio.publish(people["rita"], "ana")
    # Ben's draft is kept, but it began before Ana's change: he must look at the newest text first
    assert "so please ask the care team" in studio.drafts.load("ben").answers["utter_anc|en"].text
    studio.sign_off(people["rita"], "ben", CLINICAL)
    with pytest.raises(Invalid, match="someone published a change of utter_anc|en since this draft began"):
        studio.publish(people["rita"], "ben")
    view = studio.answer_texts(people["ben"], "utter_anc")
    assert view["conflicts"] == ["en"] and "so please ask the care team" in view["en_text"]
    merged = view["en_text"].replace("Doctors use the ANC", "The doctors use the ANC")
    studio.save_answer(people["ben"], "utter_anc", merged, view["es_text"], view["sources"])
    studio.sign_off(people["rita"], "ben", CLINICAL)
    studio.publish(people["rita"], "ben")
    text = answer(published(project, "data/responses/basics.yml"), "utter_anc")["text"]
    assert "The doctors use the ANC" in text and "so please ask the care team" in text


def test_publishing_on_a_branch_someone_has_checked_out_is_refused(studio, people, project):
    studio.repository.publish_branch = "main"  # the project copy's working tree has main checked out
    reword(studio, people["ana"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    studio.sign_off(people["rita"], "ana", CLINICAL)
    with pytest.raises(Invalid, match="the publish branch main is checked out in"):
        studio.publish(people["rita"], "ana")
    assert not studio.drafts.load("ana").empty


def test_a_publish_never_overwrites_one_made_in_between(studio, people):
    repository = studio.repository
    with repository.lock("publish-ana"):
        path = repository.worktree("publish-ana")
    reword(studio, people["ben"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    studio.sign_off(people["rita"], "ben", CLINICAL)
    studio.publish(people["rita"], "ben")  # content/studio moved past the tree prepared above
    (path / "data/responses/basics.yml").write_text((path / "data/responses/basics.yml").read_text() + "\n")
    rita = people["rita"]
    from studio.repository import Person

    with pytest.raises(GitError, match="changed while you were reviewing"):
        repository.publish(path, "late", Person(rita.name, rita.email), Person(rita.name, rita.email))


def test_an_inbox_message_becomes_a_masked_example_published_in_its_topic_file(studio, people, project):
    studio.inbox.refresh()
    messages = {m.text: m for g in studio.inbox.groups() for m in g.messages}
    masked = seeded.REPHRASE_WITH_PHONE.replace("555-123-4567", "<phone>")
    assert masked in messages and seeded.REPHRASE_WITH_PHONE not in messages
    studio.inbox_assign(people["ana"], messages[masked].key, "ask_contact_care_team", confirm_urgent=False)
    assert masked not in {m.text for g in studio.inbox.groups() for m in g.messages}
    studio.publish(people["rita"], "ana")  # a question's example needs no clinical sign-off
    nlu = published(project, "data/nlu/care_team.yml")
    assert f"    - {masked}\n" in nlu and "555-123-4567" not in nlu


def test_a_message_of_an_urgent_conversation_needs_a_confirmation_and_a_new_urgent_phrase_the_clinical_sign_off(
    studio, people
):
    studio.inbox.refresh()
    urgent = next(m for g in studio.inbox.groups() for m in g.messages if m.text == seeded.URGENT_FALLBACK_MASKED)
    assert urgent.urgent
    with pytest.raises(Invalid, match="from an urgent conversation"):
        studio.inbox_assign(people["ana"], urgent.key, "report_fever", confirm_urgent=False)
    studio.inbox_assign(people["ana"], urgent.key, "report_fever", confirm_urgent=True)
    with pytest.raises(Invalid, match="a new urgent phrase"):
        studio.publish(people["rita"], "ana")


def test_the_inbox_lists_openers_and_sends_escalations_and_topic_requests_on_masked(studio, people):
    studio.inbox.refresh()
    messages = {m.text: m for g in studio.inbox.groups() for m in g.messages}
    opener = OPENER_TEXT.replace("Lucy", "<name>")
    assert messages[opener].kinds == ["opener"]
    not_covered = seeded.NOT_COVERED_MASKED
    studio.inbox_decide(people["ana"], messages[opener].key, "should have escalated")
    studio.inbox_decide(people["ana"], messages[not_covered].key, "new topic needed")
    assert [d.text for d in studio.inbox.listed("should have escalated")] == [opener]
    assert [d.text for d in studio.inbox.listed("new topic needed")] == [not_covered]
    with pytest.raises(Forbidden):
        studio.escalation_reviewed(people["ana"], messages[opener].key)
    studio.escalation_reviewed(people["rita"], messages[opener].key)
    assert studio.inbox.listed("should have escalated")[0].reviewed_by == "Rita Reviewer"
    remaining = {m.text for g in studio.inbox.groups() for m in g.messages}
    assert opener not in remaining and not_covered not in remaining


def test_nothing_the_studio_keeps_holds_personal_data(studio, people, tmp_path):
    studio.inbox.refresh()
    for group in studio.inbox.groups():
        for message in group.messages:
            studio.inbox_decide(people["ana"], message.key, "new topic needed")
    kept = "".join(p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*.json"))
    assert "<phone>" in kept and "<name>" in kept
    for personal in ("555-123-4567", "jane.doe@example.com", "Jake", "Emma", "Lucy", *seeded.SENDER_IDS):
        assert personal not in kept


def topic_form():
    """The new topic's form as an editor fills it in."""
    t = new_topic
    return {
        "topic": t.TOPIC,
        "intent": t.INTENT,
        "meaning": "can others catch it from my child",
        "title_en": t.TITLE,
        "question_en": t.QUESTION,
        "text_en": t.ENGLISH,
        "title_es": "¿Es contagiosa?",
        "question_es": "¿La neutropenia es contagiosa?",
        "text_es": t.SPANISH,
        "examples_en": "\n".join(t.EXAMPLES_EN),
        "examples_es": "\n".join(t.EXAMPLES_ES),
        "held_out_en": "\n".join(t.HELD_OUT_EN),
        "held_out_es": "\n".join(t.HELD_OUT_ES),
    }


def test_a_new_topic_is_published_with_every_piece_and_passes_the_checks(studio, people, project):
    t = new_topic
    edit = studio.topic_from_form(topic_form(), [t.SOURCE])
    assert studio.check_topic(edit) == []
    studio.save_topic(people["ana"], edit)
    with pytest.raises(Invalid, match="ask_contagious: a new topic"):
        studio.publish(people["rita"], "ana")
    studio.sign_off(people["rita"], "ana", CLINICAL)
    commit = studio.publish(people["rita"], "ana").commit
    changed = set(git(project, "show", "--name-only", "--format=", commit).split())
    assert {"domain.yml", "docs/intents.md", "data/rules/basics.yml", "tests/test_stories/test_basics.yml"} <= changed
    git(project, "checkout", "-q", "content/studio")
    assert [p for p in run_checks(project) if not p.warning] == []


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("topic", "../../etc", "is not a plain name"),
        ("intent", "ask_x/../../y", "is not a plain name"),
        ("text_en", "Neutropenia <script>alert(1)</script> is rare.\nSource: UCSF", "markup or a script"),
        ("title_es", "javascript:alert(1)", "markup or a script"),
    ],
)
def test_a_stray_path_or_script_in_a_field_is_refused(studio, field, value, says):
    form = {**topic_form(), field: value}
    with pytest.raises(Invalid, match=says):
        studio.topic_from_form(form, ["ucsf"])


def test_the_live_checks_name_a_typed_number_a_missing_source_line_and_other_numbers_in_spanish(studio, people):
    view = studio.answer_texts(people["ana"], "utter_contact_care_team")
    result = studio.check_answer("utter_contact_care_team", view["en_text"], view["es_text"], view["sources"])
    assert result.ok
    english = view["en_text"].replace("{care_team_phone}", "(555) 010-0140").split("\nSource:")[0]
    result = studio.check_answer("utter_contact_care_team", english, view["es_text"], view["sources"])
    messages = " ".join(p.message for p in result.problems["en"])
    assert "phone number '(555) 010-0140' is typed into the answer" in messages
    assert "does not name its source" in messages
    spanish = view["es_text"].replace("Fuente:", "Dos veces al día.\nFuente:")
    result = studio.check_answer("utter_contact_care_team", view["en_text"], spanish, view["sources"])
    assert result.ok  # "dos" is a word: no number typed
    spanish = view["es_text"].replace("Fuente:", "Llame 2 veces.\nFuente:")
    result = studio.check_answer("utter_contact_care_team", view["en_text"], spanish, view["sources"])
    assert any("its numbers (2, 911) differ from the English (911)" in p.message for p in result.problems["es"])


def test_the_preview_fills_the_hospitals_number_as_a_parent_sees_it(studio, people, monkeypatch):
    monkeypatch.setenv("HOSPITAL_CARE_TEAM_PHONE", "(555) 010-0177")
    view = studio.answer_texts(people["ana"], "utter_contact_care_team")
    result = studio.check_answer("utter_contact_care_team", view["en_text"], view["es_text"], view["sources"])
    web = result.previews["en"]
    assert "(555) 010-0177" in web.text and "{care_team_phone}" not in web.text
    links = [p["tel"] for line in web.web for p in line.pieces if p["tel"]]
    assert "tel:5550100177" in links
    assert web.web[-1].source and web.web[-1].text.startswith("Source:")
    assert web.sms_parts == [web.text] and web.sms_segments >= 1


def test_due_for_review_lists_old_review_dates_and_spanish_without_a_translator(studio):
    library = studio.library()
    today = dt.date.today()
    spanish_unreviewed = {n for n, p in library.answers.items() if p.es and not p.translation_reviewed}
    due = library.due(today, 365)
    assert {i.name for i in due if i.kind == "translation"} == spanish_unreviewed
    dated = {n for n, p in library.answers.items() if p.en and p.sources != ["none"]}
    later = library.due(today + dt.timedelta(days=5 * 365), 365)
    assert {i.name for i in later if i.kind == "review"} == dated


def test_a_publish_is_pushed_to_the_hospitals_remote_or_says_why_not(studio, people, project, tmp_path):
    remote = tmp_path / "hospital.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(project, "remote", "add", "hospital", str(remote))
    studio.repository.push_remote = "hospital"
    reword(studio, people["ana"], "utter_anc", "Doctors use the ANC", "The doctors use the ANC")
    studio.sign_off(people["rita"], "ana", CLINICAL)
    published_ = studio.publish(people["rita"], "ana")
    assert published_.push_problem is None
    assert git(remote, "rev-parse", "refs/heads/content/studio").strip() == published_.commit
    # an unreachable remote: the commit is published here, and the person is told
    git(project, "remote", "set-url", "hospital", str(tmp_path / "gone.git"))
    studio.translation_review(people["tomas"], "utter_anc")
    published_ = studio.publish(people["tomas"], "tomas")
    assert published_.push_problem.startswith("pushing content/studio to hospital failed")
    assert git(project, "rev-parse", "content/studio").strip() == published_.commit


def test_the_live_checks_name_a_number_the_cited_pages_do_not_give(studio, people, tmp_path):
    """With the source pages (here: pages that say what the published answers say), a number typed
    from memory is named beside the box; without them the page says they were not compared."""
    library = studio.library()
    view = studio.answer_texts(people["ana"], "utter_gcsf")
    assert any(
        "The source pages are not in" in n
        for n in studio.check_answer("utter_gcsf", view["en_text"], view["es_text"], view["sources"]).notes["en"]
    )
    pages = tmp_path / "pages"
    pages.mkdir()
    for source_id, source in library.sources.items():
        if source.get("file"):
            cited = [p.en.text for p in library.answers.values() if p.en and source_id in p.sources]
            (pages / source["file"]).write_text("\n".join(cited))
    studio.sources_folder = pages
    assert studio.check_answer("utter_gcsf", view["en_text"], view["es_text"], view["sources"]).ok
    english = view["en_text"].replace("\nSource:", " It is given every 21 days.\nSource:")
    result = studio.check_answer("utter_gcsf", english, view["es_text"], view["sources"])
    assert any("the number 21 is not in its sources" in p.message for p in result.problems["en"])

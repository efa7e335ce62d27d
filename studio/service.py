"""What each page of the studio does, with the roles enforced here, on the server, whatever a page
shows: an editor's request to publish is refused (Forbidden, 403) even if a button was forged.
Every mistake a person can make gets a plain message (Invalid, 400), and so does every refusal.
No HTTP here: studio/app.py turns forms into calls and results into pages."""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from content.checks import Answer, run_checks
from content.checks.answer_texts import check_answer_texts, fever_thresholds
from content.checks.examples import MIN_EXAMPLES, MIN_HELD_OUT
from content.checks.facts import SOURCES_DIR_VARIABLE, check_facts, source_pages, sources_dir
from content.checks.problems import Problem
from content.checks.translations import check_translations
from content.masking import EMAIL, PHONE, default_masker
from content.training_data import example_key, test_set_texts, training_examples
from content.yaml_files import NAME
from studio.accounts import CLINICAL_REVIEWER, EDITOR, ROLE_NAMES, TRANSLATOR, Account, Accounts
from studio.drafts import (
    CLINICAL,
    TRANSLATION,
    AnswerEdit,
    Drafts,
    ExampleEdit,
    SignOff,
    TopicEdit,
    TranslationReview,
    apply_draft,
)
from studio.inbox import ASSIGNED, DECISIONS, ESCALATE, Inbox
from studio.library import URGENT_INTENTS, Library
from studio.preview import Preview, hospital_settings, preview
from studio.repository import GitError, Person, Repository, commit_message
from studio.sessions import Sessions
from studio.settings import StudioSettings
from studio.tryit import TryIt

# what may never be in a text field: markup (the web chat shows text as typed, but a site's widget
# may render it), a script: URL, control characters
MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:|\bon\w+\s*=", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 2000
MAX_QUESTION = 300


class Forbidden(Exception):
    """The person's roles do not allow it (403)."""


class Invalid(Exception):
    """What the person sent cannot be used; the message says why and what to do (400)."""


def today() -> dt.date:
    return dt.date.today()


def plain_text(label: str, value: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    """A text field as the files will hold it: line breaks as \\n, no markup, no control characters."""
    # line breaks as \n, and no space at the end of a line (invisible, yet a change in the files)
    lines = (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip()
    if required and not text:
        raise Invalid(f"{label} is empty")
    if len(text) > limit:
        raise Invalid(f"{label} is {len(text)} characters long; the most is {limit}")
    if MARKUP.search(text):
        raise Invalid(f"{label} contains markup or a script (<...>, javascript:): write plain text only")
    if CONTROL.search(text):
        raise Invalid(f"{label} contains an invisible control character: type the text again")
    return text


def name_field(label: str, value: str) -> str:
    value = (value or "").strip()
    if not NAME.match(value):
        raise Invalid(
            f"{label} {value[:40]!r} is not a plain name: lower-case letters, digits and _ only, starting with a letter"
        )
    return value


def lines_of(label: str, value: str) -> List[str]:
    """One question per line, as typed in a text box."""
    text = plain_text(label, value, limit=200 * MAX_QUESTION, required=False)
    return [line.strip().lstrip("-").strip() for line in text.split("\n") if line.strip().lstrip("-").strip()]


@dataclass
class CheckResult:
    """The live checks of an answer pair, by language, and its previews."""

    problems: Dict[str, List[Problem]] = field(default_factory=dict)
    notes: Dict[str, List[str]] = field(default_factory=dict)
    previews: Dict[str, Preview] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(not p.warning for found in self.problems.values() for p in found)


@dataclass(frozen=True)
class Published:
    commit: str
    push_problem: Optional[str]  # None when pushed, or when no remote is configured


class Studio:
    def __init__(self, settings: StudioSettings):
        self.settings = settings
        self.repository = Repository(
            settings.repo, settings.state, settings.publish_branch, settings.base_branch, settings.push_remote
        )
        self.accounts = Accounts(settings.accounts_file)
        self.sessions = Sessions(settings.session_minutes)
        self.drafts = Drafts(settings.state / "drafts")
        self.inbox = Inbox(settings.endpoints, settings.repo, settings.state)
        self.tryit = TryIt(self.repository, settings.state, settings.current_model, sources_dir(settings.repo))
        # the source pages: $CONTENT_SOURCES_DIR, else beside the content repository (its
        # ../shared/content-sources/), for the facts check here, in the work trees and in try-it's checks
        self.sources_folder = sources_dir(settings.repo)
        self._library: Optional[Library] = None
        self._library_tip: Optional[str] = None
        self._library_lock = threading.Lock()

    # --- the published content ---------------------------------------------------------------

    def library(self) -> Library:
        """The content as published now (read again when the publish branch moved)."""
        tip = self.repository.content_tip()
        with self._library_lock:
            if self._library is None or tip != self._library_tip:
                with self.repository.lock("published"):
                    path = self.repository.worktree("published", tip)
                self._library, self._library_tip = Library.read(path), tip
            return self._library

    # --- roles --------------------------------------------------------------------------------

    @staticmethod
    def require(account: Account, *roles: str) -> None:
        if not any(account.has(role) for role in roles):
            names = " or ".join(ROLE_NAMES[r] for r in roles)
            raise Forbidden(f"this needs the {names} role; you are signed in as {account.role_names or 'no role'}")

    # --- inbox --------------------------------------------------------------------------------

    def inbox_assign(self, account: Account, key: str, intent: str, confirm_urgent: bool) -> ExampleEdit:
        self.require(account, EDITOR, CLINICAL_REVIEWER)
        message = self.inbox.message(key)
        if message is None:
            raise Invalid("that message is no longer in the inbox: refresh the page")
        library = self.library()
        if intent not in library.intents:
            raise Invalid(f"{intent!r} is not one of the assistant's topics: choose one from the list")
        if message.urgent and not confirm_urgent:
            raise Invalid(
                "this message is from an urgent conversation (a child's fever or infection sign): tick "
                "'I have read it: it is safe to learn from' to copy it into the training examples"
            )
        known = training_examples(library.root)
        if example_key(message.text) in known:
            raise Invalid(f"this is already a training example of {known[example_key(message.text)]}")
        draft = self.drafts.load(account.user)
        example = ExampleEdit(message.text, intent, message.language, key, message.urgent)
        draft.examples.append(example)
        self.drafts.save(draft)
        self.inbox.decide(message, ASSIGNED, account.user, intent)
        return example

    def inbox_decide(self, account: Account, key: str, decision: str) -> None:
        self.require(account, EDITOR, CLINICAL_REVIEWER)
        if decision not in DECISIONS or decision == ASSIGNED:
            raise Invalid("choose: should have escalated, new topic needed or dismiss")
        message = self.inbox.message(key)
        if message is None:
            raise Invalid("that message is no longer in the inbox: refresh the page")
        self.inbox.decide(message, decision, account.user)

    def escalation_reviewed(self, account: Account, key: str) -> None:
        self.require(account, CLINICAL_REVIEWER)
        if key not in {d.key for d in self.inbox.listed(ESCALATE)}:
            raise Invalid("that message is not on the list: refresh the page")
        self.inbox.mark_reviewed(key, account.name)

    # --- answers ------------------------------------------------------------------------------

    def answer_texts(self, account: Account, name: str) -> Dict[str, object]:
        """The answer as the person sees it: their draft's text, else the published one."""
        library = self.library()
        pair = library.answers.get(name)
        if pair is None:
            raise Invalid(f"there is no answer {name!r}")
        draft = self.drafts.load(account.user)
        en, es = draft.answers.get(f"{name}|en"), draft.answers.get(f"{name}|es")
        others = {
            lang: [d.user for d in self.drafts.others_editing(account.user, f"{name}|{lang}")] for lang in ("en", "es")
        }
        return {
            "pair": pair,
            "en_text": en.text if en else (pair.en.text if pair.en else ""),
            "es_text": es.text if es else (pair.es.text if pair.es else ""),
            "sources": en.sources if en else pair.sources,
            "drafted": {"en": en is not None, "es": es is not None},
            "conflicts": [k.split("|")[1] for k in draft.conflicts(library) if k.startswith(f"{name}|")],
            "others": others,
        }

    def check_answer(self, name: str, en_text: str, es_text: str, sources: Sequence[str]) -> CheckResult:
        """The same checks as `make validate` on one answer and its twin, as typed (no file written)."""
        library = self.library()
        pair = library.answers.get(name)
        if pair is None or pair.en is None:
            raise Invalid(f"there is no answer {name!r}")
        result = CheckResult()
        texts = {"en": en_text, "es": es_text}
        for language, text in texts.items():
            try:
                texts[language] = plain_text("the text", text)
            except Invalid as error:
                result.problems[language] = [Problem("", 0, f"{error}", "write plain text")]
        unknown = [s for s in sources if s not in library.sources and s != "none"]
        ids = ", ".join(sources)
        file_name = f"{pair.topic}.yml"
        en = Answer(
            name,
            pair.en.file,
            pair.en.line,
            texts["en"],
            {**pair.en.metadata, "source": ids},
            "en",
            f"{pair.topic}.yml",
        )
        answers = [en]
        if pair.es is not None:
            meta = {**pair.es.metadata, "source": ids}
            answers.append(Answer(name, pair.es.file, pair.es.line, texts["es"], meta, "es", file_name))
        found = answer_problems(library, answers, self.sources_folder)
        for answer in answers:
            own = [p for p in found if p.message.startswith(answer.label + ":")]
            result.problems.setdefault(answer.language, []).extend(own)
        if unknown:
            result.problems["en"].append(Problem("", 0, f"unknown source {', '.join(unknown)}", "choose from the list"))
        if not sources:
            result.problems["en"].append(
                Problem("", 0, "no source is chosen", "tick the sources the answer comes from")
            )
        notes: Dict[str, List[str]] = {"en": [], "es": []}
        if pair.en and texts["en"] != pair.en.text:
            notes["en"].append("Changed: a clinical reviewer must sign it off; its review date becomes the sign-off's.")
            if pair.es and texts["es"] == pair.es.text:
                notes["es"].append("The English changed: update this Spanish twin to say the same.")
        if pair.es and texts["es"] != pair.es.text:
            notes["es"].append("Changed: a medical translator's sign-off records the translation review.")
        elif pair.es and not pair.translation_reviewed:
            notes["es"].append("No medical translator has reviewed this Spanish answer yet.")
        if source_pages(library.root, library.sources, self.sources_folder) is None:
            notes["en"].append(
                f"The source pages are not in {self.sources_folder}: its numbers and medical words "
                f"were not compared with them (the studio's administrator sets {SOURCES_DIR_VARIABLE})."
            )
        result.notes = notes
        values = hospital_settings()
        for language, text in texts.items():
            result.previews[language] = preview(text, values)
        return result

    def save_answer(self, account: Account, name: str, en_text: str, es_text: str, sources: Sequence[str]) -> List[str]:
        """Saves the person's version into their draft; returns notices (someone else is changing it too)."""
        self.require(account, EDITOR, CLINICAL_REVIEWER, TRANSLATOR)
        library = self.library()
        pair = library.answers.get(name)
        if pair is None or pair.en is None:
            raise Invalid(f"there is no answer {name!r}")
        en_text = plain_text("the English text", en_text)
        es_text = plain_text("the Spanish text", es_text) if pair.es else ""
        unknown = [s for s in sources if s not in library.sources and s != "none"]
        if unknown:
            raise Invalid(f"unknown source {', '.join(unknown)}: choose the sources from the list")
        draft = self.drafts.load(account.user)
        english_changed = en_text != pair.en.text or list(sources) != pair.sources
        spanish_changed = bool(pair.es) and es_text != pair.es.text  # type: ignore[union-attr]
        if english_changed and not (account.has(EDITOR) or account.has(CLINICAL_REVIEWER)):
            raise Forbidden("a translator changes the Spanish answers only: the English needs the editor role")
        notices = []
        for language, changed, text in (("en", english_changed, en_text), ("es", spanish_changed, es_text)):
            key = f"{name}|{language}"
            if not changed:
                draft.answers.pop(key, None)
                continue
            published = pair.en if language == "en" else pair.es
            assert published is not None
            draft.answers[key] = AnswerEdit(
                name,
                language,
                text,
                published.text,
                list(sources) if language == "en" else [],
                pair.sources if language == "en" else [],
                dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            )
            for other in self.drafts.others_editing(account.user, key):
                who = self.accounts.get(other.user)
                which = "English" if language == "en" else "Spanish"
                notices.append(
                    f"{who.name if who else other.user} is also changing this answer ({which}) in their draft. "
                    "Both drafts are kept: whoever publishes second is asked to compare first."
                )
        self.drafts.save(draft)
        return notices

    def translation_review(self, account: Account, name: str) -> None:
        """A translator records that they reviewed the published Spanish answer as it stands."""
        self.require(account, TRANSLATOR)
        pair = self.library().answers.get(name)
        if pair is None or pair.es is None:
            raise Invalid(f"there is no Spanish answer {name!r}")
        draft = self.drafts.load(account.user)
        if f"{name}|es" in draft.answers:
            raise Invalid("you changed this Spanish answer: sign off your draft's translation on the review page")
        draft.translation_reviews = [r for r in draft.translation_reviews if r.name != name]
        draft.translation_reviews.append(TranslationReview(name, account.user, account.name, today().isoformat()))
        self.drafts.save(draft)

    # --- new topics ---------------------------------------------------------------------------

    def topic_from_form(self, form: Dict[str, str], sources: Sequence[str]) -> TopicEdit:
        library = self.library()
        topic = name_field("the topic group", form.get("topic", ""))
        if topic not in library.topics:
            raise Invalid(f"{topic!r} is not one of the topic groups: {', '.join(library.topics)}")
        intent = name_field("the intent name", form.get("intent", ""))
        if not intent.startswith("ask_"):
            raise Invalid("a question topic's intent name starts with ask_ (e.g. ask_contagious)")
        if intent in library.intents:
            raise Invalid(f"{intent} already exists: choose another name")
        response = "utter_" + intent.removeprefix("ask_")
        if response in library.answers:
            raise Invalid(f"an answer {response} already exists: choose another intent name")
        unknown = [s for s in sources if s not in library.sources or s == "none"]
        if not sources or unknown:
            raise Invalid("tick the curated sources the answer comes from")
        edit = TopicEdit(
            topic=topic,
            intent=intent,
            response=response,
            title_en=plain_text("the English title", form.get("title_en", ""), 60),
            question_en=plain_text("the English button question", form.get("question_en", ""), MAX_QUESTION),
            text_en=plain_text("the English answer", form.get("text_en", "")),
            title_es=plain_text("the Spanish title", form.get("title_es", ""), 60),
            question_es=plain_text("the Spanish button question", form.get("question_es", ""), MAX_QUESTION),
            text_es=plain_text("the Spanish answer", form.get("text_es", "")),
            sources=list(sources),
            meaning=plain_text("what a parent means", form.get("meaning", ""), 200),
            examples_en=lines_of("the English examples", form.get("examples_en", "")),
            examples_es=lines_of("the Spanish examples", form.get("examples_es", "")),
            held_out_en=lines_of("the English test questions", form.get("held_out_en", "")),
            held_out_es=lines_of("the Spanish test questions", form.get("held_out_es", "")),
        )
        return edit

    def check_topic(self, edit: TopicEdit) -> List[str]:
        """What stops the new topic, in plain words (empty: it can be saved)."""
        library = self.library()
        file, ids, date = f"data/responses/{edit.topic}.yml", ", ".join(edit.sources), today().isoformat()
        answers = [
            Answer(edit.response, file, 1, edit.text_en, {"source": ids, "reviewed": date}, "en", f"{edit.topic}.yml"),
            Answer(
                edit.response, file, 1, edit.text_es, {"source": ids, "translates": date}, "es", f"{edit.topic}.yml"
            ),
        ]
        problems = [
            f"{p.message.split(': ', 1)[-1]} ({'Spanish' if '(Spanish)' in p.message else 'English'} answer). "
            f"Fix: {p.fix}"
            for p in answer_problems(library, answers, self.sources_folder)
            if not p.warning
        ]
        if len(edit.examples_en) < MIN_EXAMPLES:
            problems.append(f"{len(edit.examples_en)} English example questions: write at least {MIN_EXAMPLES}")
        if len(edit.held_out_en) < MIN_HELD_OUT:
            problems.append(f"{len(edit.held_out_en)} English test questions: write at least {MIN_HELD_OUT}")
        if edit.examples_es and len(edit.held_out_es) < MIN_HELD_OUT:
            problems.append(f"{len(edit.held_out_es)} Spanish test questions: write at least {MIN_HELD_OUT}")
        known = training_examples(library.root)
        tests = test_set_texts(library.root)
        written = set()
        for label, questions in (
            ("example", edit.examples_en + edit.examples_es),
            ("test question", edit.held_out_en + edit.held_out_es),
        ):
            for question in questions:
                key = example_key(question)
                if key in known:
                    problems.append(f"the {label} '{question}' is already a training example of {known[key]}")
                elif key in tests and label == "example":
                    problems.append(f"the example '{question}' is a test question: test questions stay unseen")
                elif key in written:
                    problems.append(f"'{question}' is written twice")
                written.add(key)
                personal = default_masker(self.settings.repo).mask(question).kinds
                if PHONE in personal or EMAIL in personal:
                    problems.append(f"'{question}' holds a phone number or an e-mail address: take it out")
        return problems

    def save_topic(self, account: Account, edit: TopicEdit) -> None:
        self.require(account, EDITOR, CLINICAL_REVIEWER)
        problems = self.check_topic(edit)
        if problems:
            raise Invalid("; ".join(problems))
        draft = self.drafts.load(account.user)
        draft.topics = [t for t in draft.topics if t.intent != edit.intent] + [edit]
        self.drafts.save(draft)

    # --- drafts, try it -----------------------------------------------------------------------

    def discard(self, account: Account, what: str) -> None:
        """Discards one change of the person's own draft ("answer:<name>|<lang>", "example:<n>",
        "topic:<intent>", "review:<name>") or all of it ("all")."""
        draft = self.drafts.load(account.user)
        kind, _, item = what.partition(":")
        if what == "all":
            for example in draft.examples:
                if example.inbox_key:
                    self.inbox.undo(example.inbox_key)
            self.drafts.discard(account.user)
            return
        if kind == "answer":
            draft.answers.pop(item, None)
        elif kind == "example" and item.isdigit() and int(item) < len(draft.examples):
            example = draft.examples.pop(int(item))
            if example.inbox_key:
                self.inbox.undo(example.inbox_key)
        elif kind == "topic":
            draft.topics = [t for t in draft.topics if t.intent != item]
        elif kind == "review":
            draft.translation_reviews = [r for r in draft.translation_reviews if r.name != item]
        else:
            raise Invalid("there is no such change in your draft")
        self.drafts.save(draft)

    def start_training(self, account: Account):
        self.require(account, EDITOR, CLINICAL_REVIEWER, TRANSLATOR)
        draft = self.drafts.load(account.user)
        if draft.empty:
            raise Invalid("your draft is empty: change an answer or assign a message first")
        return self.tryit.start_training(draft, self.library(), today())

    # --- sign-off and publish -----------------------------------------------------------------

    def review(self, account: Account, user: str) -> Dict[str, object]:
        """A draft as its reviewers see it: what changed, what it needs, the diff and the checks."""
        if user != account.user:
            self.require(account, CLINICAL_REVIEWER, TRANSLATOR)
        draft = self.drafts.load(user)
        if draft.empty:
            raise Invalid("there is no draft to review: it was published or discarded")
        library = self.library()
        name = f"publish-{user}"
        with self.repository.lock(name):
            path = self.repository.worktree(name)
            added = apply_draft(draft, path, library, today())
            diff = self.repository.diff(path)
            problems = run_checks(path, self.sources_folder)
        author = self.accounts.get(user)
        return {
            "draft": draft,
            "author": author,
            "summary": draft.summary(library),
            "clinical_reasons": draft.clinical_reasons(library),
            "spanish": draft.spanish_changes(),
            "translation_only": draft.translation_only(),
            "conflicts": draft.conflicts(library),
            "clinical": draft.valid_signoff(CLINICAL),
            "translation": draft.valid_signoff(TRANSLATION),
            "skipped": [a for a in added if a.path is None],
            "diff": diff,
            "problems": [p for p in problems if not p.warning],
        }

    def sign_off(self, account: Account, user: str, kind: str) -> SignOff:
        if kind == CLINICAL:
            self.require(account, CLINICAL_REVIEWER)
        elif kind == TRANSLATION:
            self.require(account, TRANSLATOR)
        else:
            raise Invalid("a sign-off is clinical or translation")
        draft = self.drafts.load(user)
        if draft.empty:
            raise Invalid("there is no draft to sign off")
        if kind == TRANSLATION and not draft.spanish_changes():
            raise Invalid("this draft changes no Spanish answer: there is no translation to sign off")
        signoff = SignOff(kind, account.user, account.name, account.email, today().isoformat(), draft.fingerprint())
        draft.signoffs[kind] = signoff
        self.drafts.save(draft)
        return signoff

    def publish(self, account: Account, user: str) -> "Published":
        """Publishes a draft as one commit on the publish branch (pushed to STUDIO_PUSH_REMOTE if set)."""
        self.require(account, CLINICAL_REVIEWER, TRANSLATOR)  # before anything about the draft is said
        draft = self.drafts.load(user)
        if draft.empty:
            raise Invalid("there is no draft to publish")
        library = self.library()
        if not account.has(CLINICAL_REVIEWER):
            if not (account.has(TRANSLATOR) and draft.translation_only()):
                raise Forbidden(
                    "publishing needs the clinical reviewer role (a translator may publish Spanish-only changes)"
                )
        reasons = draft.clinical_reasons(library)
        clinical = draft.valid_signoff(CLINICAL)
        if reasons and clinical is None:
            raise Invalid("a clinical reviewer must sign this off first: " + "; ".join(reasons))
        conflicts = draft.conflicts(library)
        if conflicts:
            raise Invalid(
                "someone published a change of "
                + ", ".join(conflicts)
                + " since this draft began: its author must open the answer, compare and save again"
            )
        author = self.accounts.get(user)
        if author is None:
            raise Invalid(f"{user} has no studio account any more: their draft cannot be published")
        name = f"publish-{user}"
        with self.repository.lock(name):
            path = self.repository.worktree(name)
            apply_draft(draft, path, library, today())
            problems = [p for p in run_checks(path, self.sources_folder) if not p.warning]
            if problems:
                raise Invalid("the content checks found problems: " + "; ".join(str(p) for p in problems[:5]))
            trailers = []
            if clinical:
                trailers.append(f"Clinical-sign-off: {clinical.by_name} <{clinical.by_email}> {clinical.date}")
            translation = draft.valid_signoff(TRANSLATION)
            if translation:
                trailers.append(
                    f"Translation-sign-off: {translation.by_name} <{translation.by_email}> {translation.date}"
                )
            for review in draft.translation_reviews:
                trailers.append(f"Translation-reviewed: {review.name} by {review.by_name} {review.date}")
            trailers.append(f"Published-by: {account.name} <{account.email}> (content studio)")
            summary = draft.summary(library)
            subject = "Content studio: " + (
                summary[0] if len(summary) == 1 else f"{len(summary)} changes by {author.name}"
            )
            message = commit_message(subject[:100], summary, trailers)
            try:
                commit = self.repository.publish(
                    path, message, Person(author.name, author.email), Person(account.name, account.email)
                )
            except GitError as error:
                raise Invalid(str(error)) from None
        self.drafts.discard(user)
        return Published(commit, self.repository.push())


def answer_problems(library: Library, answers: List[Answer], sources_folder: Path) -> List[Problem]:
    """`make validate`'s checks of answer texts, sources, facts and the Spanish twin, on answers as
    typed (the translator-review reminder aside: the page says it in its own words)."""
    sources = library.sources
    found = check_answer_texts(answers, sources, fever_thresholds(_settings_file(library.root)))
    found += check_facts(answers, sources, source_pages(library.root, sources, sources_folder))
    flawed = {a.language for a in answers if any(p.message.startswith(a.label + ":") for p in found)}
    found += [
        p
        for p in check_translations([a for a in answers if a.language not in flawed], answers)
        if "have no translation_reviewed yet" not in p.message
    ]
    return found


def _settings_file(root: Path) -> dict:
    from ruamel.yaml import YAML

    path = root / "hospital_settings.yml"
    return (YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def inbox_choices(library: Library) -> List[Tuple[str, str]]:
    """(intent, "Title (intent)") for the inbox's list, urgent intents last and marked."""
    plain = [i for i in library.intents if i not in URGENT_INTENTS]
    urgent = [i for i in library.intents if i in URGENT_INTENTS]
    return [(i, f"{library.intent_title(i)} ({i})") for i in plain] + [
        (i, f"URGENT: {library.intent_title(i)} ({i})") for i in urgent
    ]

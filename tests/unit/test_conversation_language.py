"""The conversation's language slot follows the parent's latest clear message, set in the Rasa
server before the reply is rendered (no action server needed)."""

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.policies.conversation_language import language_to_set
from tools.project_domain import load_domain

DOMAIN: Domain = load_domain()


def tracker_after(*messages):
    tracker = DialogueStateTracker.from_events("parent", [], slots=DOMAIN.slots)
    for text, language in messages:
        parse_data = {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}
        if language:
            parse_data["language"] = language
        tracker.update(UserUttered(text, parse_data=parse_data))
        next_language = language_to_set(tracker)
        if next_language:
            tracker.update(SlotSet("language", next_language))
        tracker.update(ActionExecuted("utter_greet"))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


def test_the_conversation_starts_in_english():
    assert tracker_after().get_slot("language") == "en"


def test_a_clear_spanish_message_switches_and_a_neutral_one_keeps_it():
    tracker = tracker_after(("hola, mi hijo tiene neutropenia", "es"), ("ok", None), ("101", None))
    assert tracker.get_slot("language") == "es"


def test_a_clear_english_message_switches_back():
    assert tracker_after(("hola", "es"), ("what causes it?", "en")).get_slot("language") == "en"


def test_only_the_first_prediction_after_the_message_sets_it():
    tracker = DialogueStateTracker.from_events("parent", [], slots=DOMAIN.slots)
    tracker.update(UserUttered("tiene fiebre", parse_data={"intent": {"name": "report_fever"}, "language": "es"}))
    assert language_to_set(tracker) == "es"
    tracker.update(SlotSet("language", "es"))
    assert language_to_set(tracker) is None  # already the conversation's
    tracker.update(ActionExecuted("action_escalate_fever"))
    assert language_to_set(tracker) is None


def test_the_slot_cannot_be_set_by_a_message():
    slot = next(slot for slot in DOMAIN.slots if slot.name == "language")
    assert [mapping["type"] for mapping in slot.mappings] == ["custom"] and not slot.influence_conversation

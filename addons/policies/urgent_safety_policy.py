"""A dialogue policy that makes sure the one urgency decision of a message is rendered, always.

The Rasa server's NLU reader decided what the message calls for (clinical/triage.py, in the parse
data under `triage`); `decide_turn` puts it in the conversation (the answer to a confirmation
question just asked, a call earlier in the last 24 hours). This policy:

1. sends every turn with a decision (a call, a confirmation question, a recheck, a reading asked
   again) to `action_escalate_fever`, whatever intent the classifier chose, so "he's feverish and
   his cheeks are red" read as a question about a type is escalated all the same;
2. when that action set no `triage_decision` and said nothing (action server down, timed out, or
   raising: Rasa 3.6 would carry on with no reply), renders the same decision itself: it sets the
   slots the action would have set (policy events, applied before the response) and predicts the
   decision's response, rendered in the Rasa server by addons/nlg/hospital_nlg.py with the numbers
   from the hospital settings. The reply is the same with the action server up or down, except
   that a degraded system asks no question: instead of "does your child have this now?" it sends
   the Call now the "yes" would get;
3. after a "no" to the confirmation question, answers what the parent asked (the topic answer of
   the intent of the message the question was about, or when to call);
4. listens after a reply it chose itself.

It predicts nothing otherwise, and outranks RulePolicy (priority 6) only when it does.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from addons import metrics
from addons.nlu.language_detector import ENGLISH, LANGUAGE_SLOT, LANGUAGES
from addons.policies.confidence_bands import topic_answers
from clinical.triage import ANSWER_THE_QUESTION, Triage, TurnDecision, decide_turn, turns_from_events
from clinical.vocabulary import (
    ASK_WHEN_TO_CALL,
    CALL_NOW_DECISIONS,
    CALL_NOW_FEVER,
    CONFIRM_DECISIONS,
    DECISION_SLOT,
    DECISIONS,
    ESCALATION_ACTION,
    READING_SLOT,
    RESPONSE_FOR_DECISION,
    TRIAGE_KEY,
    URGENT_INTENTS,
)

# RulePolicy has priority 6; a prediction of this policy must win a tie at confidence 1.0.
DEFAULT_PRIORITY = 7
# the answer after a "no" when the question was about no topic of its own
WHEN_TO_CALL_RESPONSE = "utter_when_to_call"


def events_since_last_user_message(tracker: DialogueStateTracker) -> List[Any]:
    events: List[Any] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        events.append(event)
    return list(reversed(events))


def current_turn(tracker: DialogueStateTracker) -> TurnDecision:
    """This turn's decision, from the same function and the same events as the action server's."""
    events = [e.as_dict() for e in tracker.events if isinstance(e, (UserUttered, SlotSet, SessionStarted))]
    earlier, latest = turns_from_events(events)
    if latest is None:
        return TurnDecision("none")
    parse = latest.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    triage = Triage.from_dict(parse.get(TRIAGE_KEY))
    if TRIAGE_KEY not in parse and intent in URGENT_INTENTS:
        # the NLU did not run ("/report_fever" typed as a payload): an urgent intent is a call
        triage = Triage(CALL_NOW_FEVER)
    return decide_turn(triage, latest.get("text") or "", float(latest.get("timestamp") or 0.0), earlier, intent=intent)


def answer_after_no(turn: TurnDecision, domain: Domain, language: Text) -> Text:
    """The topic answer of what the parent asked, or when to call."""
    answers = topic_answers(domain.responses, language) or topic_answers(domain.responses)
    answer = answers.get(turn.answer_intent or "") or answers.get(ASK_WHEN_TO_CALL)
    return answer["response"] if answer else WHEN_TO_CALL_RESPONSE


def next_safety_action(tracker: DialogueStateTracker, domain: Domain) -> Tuple[Optional[Text], List[Event]]:
    """The action this policy insists on now and the events it applies first, or (None, [])."""
    since_user = events_since_last_user_message(tracker)
    actions = [e.action_name for e in since_user if isinstance(e, ActionExecuted)]
    language = tracker.get_slot(LANGUAGE_SLOT)
    language = language if language in LANGUAGES else ENGLISH

    if actions == [ACTION_LISTEN_NAME] or not actions:
        turn = current_turn(tracker)
        if turn.decision == ANSWER_THE_QUESTION:
            return answer_after_no(turn, domain, language), []
        if turn.decision in DECISIONS:
            message = tracker.latest_message.parse_data if tracker.latest_message else {}
            if (message.get("intent") or {}).get("name") not in URGENT_INTENTS:
                # read as a question, "please rephrase", or a confirmation's answer: escalated all the same
                metrics.count_safety_policy_takeover(metrics.URGENT_BUT_UNSURE)
            return ESCALATION_ACTION, []
        return None, []

    if ESCALATION_ACTION not in actions:
        turn = current_turn(tracker)
        if turn.decision == ANSWER_THE_QUESTION and actions == [answer_after_no(turn, domain, language)]:
            return ACTION_LISTEN_NAME, []  # the answer after a "no": no rule knows this turn
        return None, []
    last = max(
        i for i, e in enumerate(since_user) if isinstance(e, ActionExecuted) and e.action_name == ESCALATION_ACTION
    )
    after_escalation = since_user[last + 1 :]
    if any(isinstance(e, SlotSet) and e.key == DECISION_SLOT and e.value for e in after_escalation):
        if any(isinstance(e, BotUttered) for e in after_escalation) and actions[-1] in RESPONSE_FOR_DECISION.values():
            return ACTION_LISTEN_NAME, []  # the reply is out, whoever chose it
        return None, []  # the rules in data/rules/urgent.yml pick the reply
    if any(isinstance(e, BotUttered) for e in after_escalation):
        return ACTION_LISTEN_NAME, []
    # the action failed: render the decision it would have set, but never a question: with part of
    # the system down, a parent who may have a feverish child gets Call now
    turn = current_turn(tracker)
    decision = turn.decision if turn.decision in DECISIONS else CALL_NOW_FEVER
    if decision in CONFIRM_DECISIONS:
        decision = turn.triage.if_yes if turn.triage.if_yes in CALL_NOW_DECISIONS else CALL_NOW_FEVER
    metrics.count_safety_policy_takeover(metrics.ACTION_SERVER_FAILED)
    events: List[Event] = [
        SlotSet(DECISION_SLOT, decision),
        SlotSet(READING_SLOT, turn.triage.reading_text(language)),
    ]
    return RESPONSE_FOR_DECISION[decision], events


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class UrgentSafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": DEFAULT_PRIORITY}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn: the policy renders clinical/triage.py's decision.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action, events = next_safety_action(tracker, domain)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
            return self._prediction(probabilities, events=events)
        return self._prediction(probabilities)

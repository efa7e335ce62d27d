"""Which urgent entities count for triage: shared by the action server and the Rasa server.

The project's spaCy pipeline (spacy_pipeline/urgent_context.py) gives each urgent entity an
`assertion`: "reported" when the parent reports it now, or why it is not (negated,
hypothetical, historical, other_person, modifier, general_question, not_a_temperature).
Rasa keeps that key in the message's entities, so both servers read the same verdict. The labels
and verdicts are named in clinical/vocabulary.py.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

from clinical.temperature import TemperatureReading, read_temperature
from clinical.vocabulary import (
    ASSERTION,
    GENERAL_QUESTION,
    HYPOTHETICAL,
    REPORTED,
    RESOLVED,
    TEMPERATURE,
    UNCLEAR,
    URGENT_ENTITIES,
)

# A readable temperature counts when it "went down" too ("she had 38.6, I gave paracetamol and it
# came down"): clinical-rules.md says a reading at or above the threshold once is a call, and that
# fever medicine can hide a fever. When a cue may or may not govern it, or it sits in a question or
# a "what if" ("what if his temp is 38.5?"), it may be the child's reading or not: clinical/triage.py
# asks whether it was the child's temperature today (READING_MAY_BE_NOW), never "right now".
TEMPERATURE_COUNTS_WHEN = (REPORTED, RESOLVED)
READING_MAY_BE_NOW = (UNCLEAR, HYPOTHETICAL, GENERAL_QUESTION)


def counts_for_triage(entity: Dict[str, Any]) -> bool:
    """True when this entity is something the child has now (or a reading to triage)."""
    label = entity.get("entity")
    if label not in URGENT_ENTITIES:
        return False
    assertion = entity.get(ASSERTION) or REPORTED  # no verdict: count it (safety first)
    if label == TEMPERATURE:
        if assertion == REPORTED:
            return True
        # gone down since: only a number that reads as a body temperature counts
        return assertion in TEMPERATURE_COUNTS_WHEN and _reads_as_temperature(str(entity.get("value", "")))
    return assertion == REPORTED


def _reads_as_temperature(text: str) -> bool:
    return isinstance(read_temperature(text), TemperatureReading)


def counted(entities: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [e for e in entities or [] if counts_for_triage(e)]

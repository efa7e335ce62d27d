"""Which urgent entities count for triage: shared by the action server and the Rasa server.

The project's spaCy pipeline (spacy_pipeline/urgent_context.py) gives each urgent entity an
`assertion`: "reported" when the parent reports it now, or why it is not (negated,
hypothetical, historical, other_person, modifier, general_question, not_a_temperature).
Rasa keeps that key in the message's entities, so both servers read the same verdict. The labels
and verdicts are named in actions/urgent_vocabulary.py.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

from actions.urgent_vocabulary import (
    ASSERTION,
    GENERAL_QUESTION,
    HYPOTHETICAL,
    REPORTED,
    RESOLVED,
    TEMPERATURE,
    URGENT_ENTITIES,
)

# A readable temperature counts even in a question or a "what if": the reading decides, and the
# Call-now reply for a reading is worded to be right for a parent who asked hypothetically. It
# counts when it "went down" too ("she had 38.6, I gave paracetamol and it came down"):
# clinical-rules.md says a reading at or above the threshold once is a call, and that fever
# medicine can hide a fever.
TEMPERATURE_COUNTS_WHEN = (REPORTED, HYPOTHETICAL, GENERAL_QUESTION, RESOLVED)


def counts_for_triage(entity: Dict[str, Any]) -> bool:
    """True when this entity is something the child has now (or a reading to triage)."""
    label = entity.get("entity")
    if label not in URGENT_ENTITIES:
        return False
    assertion = entity.get(ASSERTION) or REPORTED  # no verdict: count it (safety first)
    if label == TEMPERATURE:
        if assertion == REPORTED:
            return True
        # in a question or a "what if", only a number that reads as a body temperature counts
        return assertion in TEMPERATURE_COUNTS_WHEN and _reads_as_temperature(str(entity.get("value", "")))
    return assertion == REPORTED


def _reads_as_temperature(text: str) -> bool:
    from actions.temperature import TemperatureReading, read_temperature

    return isinstance(read_temperature(text), TemperatureReading)


def counted(entities: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [e for e in entities or [] if counts_for_triage(e)]

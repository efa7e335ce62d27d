"""rasa.shared.core.events.Event.resolve_by_type: event classes are looked up by type name in a
table instead of by walking every subclass of Event for every stored event each time a
conversation is loaded (about 5 % of a message's time)."""

from __future__ import annotations

from typing import Dict, Optional, Text, Type, cast

import rasa.shared.utils.common
from rasa.shared.core.events import Event

# Rasa's original
_rasa_resolve_by_type = Event.resolve_by_type

_event_classes: Dict[Text, Type[Event]] = {}


def _event_class_table() -> Dict[Text, Type[Event]]:
    table: Dict[Text, Type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match, as Rasa's loop returns
    return table


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    found = _event_classes.get(type_name)
    if found is None:
        # unknown here: an Event class imported since the table was built, "topic", or not an event
        _event_classes.clear()
        _event_classes.update(_event_class_table())
        found = _event_classes.get(type_name)
        if found is None:
            return cast(Optional[Type[Event]], _rasa_resolve_by_type(type_name, default))
    return found


def apply() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)

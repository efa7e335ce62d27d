"""Extensions that run inside the Rasa server (not the action server).

They are what keeps urgent replies working when the action server is not: the NLG fills the
hospital's numbers into answers in-process, the safety policy answers an urgent message whose
custom action failed, and the lock store survives a Redis outage.

Importing this package (Rasa does, to load the NLG named in endpoints.yml and the policy in
config.yml) also bounds how long Rasa waits for the action server: Rasa 3.6 waits up to 300 s
(rasa.core.constants.DEFAULT_REQUEST_TIMEOUT, not configurable), and a parent reporting a fever
must have the Call-now reply within seconds. After ACTION_SERVER_TIMEOUT_SECONDS (default 3) the
action counts as failed and the UrgentSafetyPolicy sends the Call-now reply itself.
"""
import logging
import os

import rasa.core.actions.action as _rasa_actions

logger = logging.getLogger(__name__)


def _action_server_timeout() -> float:
    raw = os.environ.get("ACTION_SERVER_TIMEOUT_SECONDS", "3")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"ACTION_SERVER_TIMEOUT_SECONDS is {raw!r}; set it to a number of seconds, e.g. 3") from None
    if not 0.5 <= value <= 60:
        raise ValueError(f"ACTION_SERVER_TIMEOUT_SECONDS is {value}; it must be between 0.5 and 60 seconds")
    return value


# RemoteAction.run reads this module global at call time.
_rasa_actions.DEFAULT_REQUEST_TIMEOUT = _action_server_timeout()

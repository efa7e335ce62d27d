"""The action server's plugin: it fails cleanly. rasa_sdk's own extension point: at start
it imports a top-level package named `rasa_sdk_plugins`, when there is one, calls its
`init_hooks(manager)` and then `attach_sanic_app_extensions(app)` for the app it serves
(rasa_sdk/plugin.py, rasa_sdk/endpoint.py). The action server runs from the repository root (`make
run`, the tests) or /app (deploy/Dockerfile.actions), where this package is.

rasa_sdk 3.6 answers every error, an unknown path included, with 500, the request's body echoed
back and a traceback in the log for each request; a body that is not JSON, or not an action
call, ends the same way. Here:

* an unknown path is 404, a wrong method 405, a request Sanic cannot read 400, each with a short
  fixed message and no log line of its own;
* POST /webhook takes an action call only: `Content-Type: application/json` (what Rasa sends;
  else 415), a JSON object (deflated when Rasa compresses it) with `next_action`, a registered
  action (else 404), and the containers rasa_sdk reads (`tracker` with a
  string `sender_id`, `slots`, `events`, `latest_message`; `domain`; `version`), else 400
  saying which field is wrong. Nothing of the request is echoed;
* an action that fails answers 500 with a fixed message; the log says which action and the
  exception's type, with the traceback the first time (logging.yml's limits:
  actions/log_limits.py). Rasa then treats the action as failed, and the safety policy sends a
  Call-now reply itself (addons/policies/urgent_safety_policy.py).

The action server must still never be exposed (docs/security.md); this only keeps what a local
client can send from echoing or flooding.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import zlib
from typing import Any, FrozenSet, Optional

import pluggy
from sanic import Sanic, response
from sanic.exceptions import MethodNotSupported, NotFound, SanicException
from sanic.request import Request

logger = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker("rasa_sdk")

JSON_MEDIA_TYPE = "application/json"
# a deflated action call may not grow past what Sanic accepts as a body (REQUEST_MAX_SIZE, 100 MB)
MAX_ACTION_CALL_BYTES = 100_000_000
MAX_VERSION_CHARACTERS = 32
FAILED_ACTION = "the action failed; the action server's log says why"


def init_hooks(manager: pluggy.PluginManager) -> None:
    """rasa_sdk's call: registers this module's hook implementation."""
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    fail_cleanly(app, registered_actions())


def registered_actions() -> FrozenSet[str]:
    """The names of the actions rasa_sdk serves: every concrete Action subclass outside Rasa's own
    packages (rasa_sdk's ActionExecutor's rule; it has imported the `actions` package by now)."""
    from rasa_sdk import Action
    from rasa_sdk.utils import all_subclasses

    own = ("rasa_core.", "rasa.", "rasa_sdk.", "rasa_core_sdk.")
    return frozenset(
        action().name()
        for action in all_subclasses(Action)
        if not action.__module__.startswith(own) and not inspect.isabstract(action)
    )


def action_call_problem(call: Any, actions: FrozenSet[str]) -> Optional[str]:
    """What keeps `call` from being an action call rasa_sdk can run (None: nothing)."""
    if not isinstance(call, dict):
        return "the body must be a JSON object (Rasa's action call)"
    if not isinstance(call.get("next_action"), str):
        return "'next_action' must be the name of an action"
    tracker = call.get("tracker")
    if not isinstance(tracker, dict):
        return "'tracker' must be an object"
    if not isinstance(tracker.get("sender_id"), str):
        return "'tracker.sender_id' must be a string"
    for field, kinds in (("slots", (dict,)), ("events", (list,)), ("latest_message", (dict, type(None)))):
        if field in tracker and not isinstance(tracker[field], kinds):
            return f"'tracker.{field}' has the wrong type"
    if not all(isinstance(event, dict) for event in tracker.get("events") or []):
        return "'tracker.events' must be a list of objects"
    if "domain" in call and not isinstance(call["domain"], dict):
        return "'domain' must be an object"
    version = call.get("version")
    if not isinstance(version, str) or not 0 < len(version) <= MAX_VERSION_CHARACTERS:
        return "'version' must be Rasa's version"
    return None


def read_action_call(request: Request) -> Any:
    """The request's body as JSON (inflated first when Rasa deflated it); raises ValueError."""
    body = request.body
    if request.headers.get("content-encoding") == "deflate":
        inflater = zlib.decompressobj()
        try:
            body = inflater.decompress(body, MAX_ACTION_CALL_BYTES)
        except zlib.error as error:
            raise ValueError("not deflated") from error
        if inflater.unconsumed_tail:
            raise ValueError("too large")
    return json.loads(body)


def error(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status)


def fail_cleanly(app: Sanic, actions: FrozenSet[str]) -> None:
    """The request check and the error handlers of the module docstring, on rasa_sdk's app."""

    @app.middleware("request")
    async def check_action_call(request: Request) -> Optional[response.HTTPResponse]:
        if request.method != "POST" or request.path != "/webhook":
            return None
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != JSON_MEDIA_TYPE:
            return error(415, f'an action call is sent as JSON, with "Content-Type: {JSON_MEDIA_TYPE}"')
        try:
            call = read_action_call(request)
        except (ValueError, UnicodeDecodeError):
            return error(400, "the body must be a JSON object (Rasa's action call)")
        problem = action_call_problem(call, actions)
        if problem:
            return error(400, problem)
        if call["next_action"] not in actions:
            return error(404, "this action server has no action of that name")
        request.ctx.action_name = call["next_action"]
        return None

    async def not_found(request: Request, exception: Exception) -> response.HTTPResponse:
        return error(404, "not found")

    async def method_not_allowed(request: Request, exception: Exception) -> response.HTTPResponse:
        return error(405, "method not allowed")

    async def bad_request(request: Request, exception: Exception) -> response.HTTPResponse:
        status = getattr(exception, "status_code", 400) or 400
        return error(status if 400 <= status < 500 else 400, "the request could not be read")

    async def action_failed(request: Request, exception: Exception) -> response.HTTPResponse:
        action_name = getattr(getattr(request, "ctx", None), "action_name", None)
        if action_name is None:  # failed before any action ran: Sanic could not read the request
            return await bad_request(request, exception)
        # the action's name (a registered one) and the error's type: never the tracker or a message
        logger.error(
            "action server: the action %s failed (%s)", action_name, type(exception).__name__, exc_info=exception
        )
        return error(500, FAILED_ACTION)

    # rasa_sdk's own handler for Exception (500, the body echoed) is replaced; Sanic picks the
    # handler of the nearest class in the exception's MRO
    app.error_handler.add(NotFound, not_found)
    app.error_handler.add(MethodNotSupported, method_not_allowed)
    app.error_handler.add(SanicException, bad_request)
    app.error_handler.add(Exception, action_failed)

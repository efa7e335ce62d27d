"""rasa.core.run.configure_app: the Rasa server's Sanic app also answers GET /metrics (addons/metrics.py).

Rasa has no place for a route of the server itself: the HTTP API (--enable-api, off here) is its
own, and an input channel's routes are mounted under /webhooks/. A channel could escape that prefix
(rasa.core.channels.channel.register joins "/webhooks/" and the channel's url_prefix() with urljoin,
so an absolute "/metrics" wins), but /metrics is not a chat channel: it would sit in credentials.yml
among the channels, count in every "channels on:" line, and go when an operator trims the channels
to the ones the hospital uses. Here the route is added to the app Rasa configured, next to Rasa's
own GET /, for as long as the server runs this project's channels (they apply the patches).
rasa.core.run.serve_application looks configure_app up when it is called, after the channels."""

from __future__ import annotations

from typing import Any

import rasa.core.run
from sanic import Sanic

from addons.metrics import METRICS_PATH, metrics_endpoint

# Rasa's original
_rasa_configure_app = rasa.core.run.configure_app


def add_metrics_route(app: Sanic) -> None:
    app.add_route(metrics_endpoint, METRICS_PATH, methods=["GET"], name="prometheus_metrics")


def configure_app(*args: Any, **kwargs: Any) -> Sanic:
    app: Sanic = _rasa_configure_app(*args, **kwargs)
    add_metrics_route(app)
    return app


def apply() -> None:
    rasa.core.run.configure_app = configure_app

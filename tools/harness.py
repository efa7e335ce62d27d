"""Starts the real servers (action server + Rasa server, REST channel) on free loopback ports, for
the tests (tests/live, channels, browser, replica), the load benchmark (tools/bench.py) and the
blind evaluation (tools/blind_evaluation.py).

    from tools.harness import Servers

    with Servers(tmp_dir) as servers:          # both servers up; both stopped on leaving, also on failure
        servers.say("parent-1", "she has a fever of 101.5")

The Rasa server gets the credentials file `make run` would write (scripts/render_credentials.py):
by default with no messaging channel on, whatever the shell has set; pass `channel_env` to turn
channels on (tests/channels). `production_servers` points them at PostgreSQL and Redis instead
(endpoints.production.yml, the stores from tools/local_services.py), for replicas behind nginx.
Each server runs in its own process group and is stopped with everything it started
(scripts/process_group.py). The servers themselves are scripts/model_servers.py's (the content
studio starts them too); here they get the tests' settings. A tool: nothing the servers run imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional

from scripts.model_servers import (  # noqa: F401  (re-exported: the tests and tools import them from here)
    LOGGING_CONFIG,
    MODEL,
    ROOT,
    STOP_GRACE_SECONDS,
    VENV_BIN,
    ModelServers,
    wait_until_up,
)
from tools.local_services import Postgres, Redis

# A number that differs from hospital_settings.yml: proves replies take it from the settings.
TEST_CARE_TEAM_PHONE = "(555) 010-0123"
PRODUCTION_ENDPOINTS = ROOT / "endpoints.production.yml"
# Rasa's conversation lock lifetime (docs/production.md): how long a crashed replica's claim on a
# conversation holds that conversation's next message. Longer than the slowest message (the action
# server wait, ACTION_SERVER_TIMEOUT_SECONDS = 3 s, plus NLU and the stores).
TICKET_LOCK_LIFETIME = "10"


class Servers(ModelServers):
    """ModelServers with the tests' settings: the trained model and a care-team number that differs
    from hospital_settings.yml's (a reply with it took it from the settings)."""

    def __init__(
        self,
        tmp: Path,
        channel_env: Optional[Mapping[str, str]] = None,
        rasa_args: Iterable[str] = (),
        endpoints: Optional[Path] = None,
        extra_env: Optional[Mapping[str, str]] = None,
    ):
        """channel_env: environment variables for the messaging channels (credentials.yml) and
        their test settings; rasa_args: extra arguments for `rasa run`; endpoints: an endpoints
        file used as it is (default: endpoints.yml on an SQLite file in `tmp`), with extra_env
        (e.g. the variables of endpoints.production.yml; ACTION_SERVER_URL is set here)."""
        assert MODEL.exists(), "no trained model: run 'make train'"
        super().__init__(
            tmp,
            MODEL,
            channel_env=channel_env,
            rasa_args=rasa_args,
            endpoints=endpoints,
            extra_env={"HOSPITAL_CARE_TEAM_PHONE": TEST_CARE_TEAM_PHONE, **(extra_env or {})},
        )


def production_env(postgres: Postgres, redis: Redis) -> Dict[str, str]:
    """The variables endpoints.production.yml reads, for these stores, and the lock lifetime."""
    return {**postgres.env(), **redis.env(), "TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME}


def production_servers(
    tmp: Path, postgres: Postgres, redis: Redis, extra_env: Optional[Mapping[str, str]] = None
) -> Servers:
    """Servers on endpoints.production.yml: PostgreSQL tracker store, Redis lock store (not started;
    replicas are spawned with spawn_rasa on ports of the caller's choosing)."""
    environment = {**production_env(postgres, redis), **(extra_env or {})}
    return Servers(tmp, endpoints=PRODUCTION_ENDPOINTS, extra_env=environment)

#!/bin/sh
# Starts one Rasa server replica in its container (deploy/Dockerfile.rasa's CMD): the channels of
# credentials.yml whose variables are set (scripts/render_credentials.py, as `make run` does),
# endpoints.production.yml (PostgreSQL tracker store, Redis lock store, the action server at
# ACTION_SERVER_URL), port 5005 on the container's interfaces, and no HTTP API: --enable-api is
# deliberately absent, so only GET / and the channels' webhooks exist.
set -eu
cd /app

# endpoints.production.yml's variables. Rasa itself stops only on an unset one; an empty
# POSTGRES_HOST would leave conversations in memory, so empty counts as missing here (an empty
# REDIS_PASSWORD too: the lock store refuses a Redis without a password).
: "${ACTION_SERVER_URL:?is not set: the action server webhook, e.g. http://actions:5055/webhook}"
: "${POSTGRES_HOST:?is not set (deploy/README.md)}"
: "${POSTGRES_PORT:?is not set (deploy/README.md)}"
: "${POSTGRES_DB:?is not set (deploy/README.md)}"
: "${POSTGRES_USER:?is not set (deploy/README.md)}"
: "${POSTGRES_PASSWORD:?is not set (deploy/README.md)}"
: "${REDIS_HOST:?is not set (deploy/README.md)}"
: "${REDIS_PORT:?is not set (deploy/README.md)}"
: "${REDIS_PASSWORD:?is not set: the Redis password (requirepass); a Redis without one is refused}"

# A deployment must name the hospital's real numbers: without these variables hospital_settings.yml's
# placeholders (555-01xx, reserved for fiction) would be what a parent is told to call.
: "${HOSPITAL_CARE_TEAM_PHONE:?is not set: the care team phone number parents must call (deploy/README.md)}"
: "${HOSPITAL_AFTER_HOURS_PHONE:?is not set: the after-hours phone number (deploy/README.md)}"
# Fail at start, with the setting's own message, rather than at a parent's first fever report.
python -c "from clinical.settings import load_settings; load_settings()"

# The origins of the hospital's pages that may open the chat socket (webchat/origins.py): set,
# never empty or "*", and with the web chat page's own origin; and WEBCHAT_SESSION_SECRET, what the
# web chat signs its session ids with (webchat/session_ids.py). The same check `make run` makes;
# its options are not used: nginx serves the page and these routes on one origin, and the socket
# checks the Origin itself (webchat/socketio_channel.py).
: "${WEBCHAT_RASA_URL:?is not set: the public origin of the web chat page, e.g. https://chat.your-hospital.org}"
python scripts/rasa_server_options.py --production --page "$WEBCHAT_RASA_URL" >/dev/null

python scripts/render_credentials.py --template credentials.yml --out run/credentials.yml
# Several Sanic workers are several processes: each writes its metrics into this directory (run/ is
# the container's tmpfs), emptied at every start, and /metrics reports the sums (addons/metrics.py).
if [ "${SANIC_WORKERS:-1}" -gt 1 ] 2>/dev/null; then
  export PROMETHEUS_MULTIPROC_DIR=/app/run/metrics
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec rasa run \
  --model models/neutropenia-assistant.tar.gz \
  --endpoints endpoints.production.yml \
  --credentials run/credentials.yml \
  --interface 0.0.0.0 \
  --port 5005 \
  --logging-config-file logging.yml  # no message text or phone number in any log line

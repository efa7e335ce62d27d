#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST and socketio channels) and the web chat page
# (webchat/server.py, http://localhost:8080/) under scripts/supervise.py, which restarts any
# of them that stops (the others keep serving), prints how to chat, and stops them all on Ctrl-C or
# SIGTERM. Called by `make run` once the venv, the spaCy pipeline, the model and webchat/ are ready.
# Logs and process ids: run/logs/ (LOG_DIR), e.g. run/logs/rasa.log and run/logs/rasa.pid.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
WEBCHAT_PORT="${WEBCHAT_PORT:-8080}"
MODEL="${MODEL:-models/neutropenia-assistant.tar.gz}"
# endpoints.yml (one server, SQLite) or endpoints.production.yml (PostgreSQL and Redis, driven by
# environment variables: docs/production.md)
RASA_ENDPOINTS="${RASA_ENDPOINTS:-endpoints.yml}"
# production: any endpoints file but a development endpoints.yml (this one, or a copy of it named
# so, as tests/live/test_make_run.py uses); then ALLOWED_ORIGINS must be set
PRODUCTION_OPTIONS=()
if [ "$(basename "$RASA_ENDPOINTS")" != endpoints.yml ]; then PRODUCTION_OPTIONS=(--production); fi
LOG_DIR="${LOG_DIR:-run/logs}"
# Each part's log is rotated by size (scripts/supervise.py): past LOG_MAX_BYTES (default 10 MB) it
# becomes NAME.log.1, and LOG_BACKUPS older files (default 3) are kept, so no client can fill the disk.
LOG_OPTIONS=()
if [ -n "${LOG_MAX_BYTES:-}" ]; then LOG_OPTIONS+=(--log-max-bytes "$LOG_MAX_BYTES"); fi
if [ -n "${LOG_BACKUPS:-}" ]; then LOG_OPTIONS+=(--log-backups "$LOG_BACKUPS"); fi
mkdir -p "$LOG_DIR" run/data
# Several Sanic workers are several processes: each writes its metrics into this directory, emptied
# at every start, and /metrics reports the sums (addons/metrics.py, prometheus_client's multiprocess mode).
if [ "${SANIC_WORKERS:-1}" -gt 1 ] 2>/dev/null; then
  export PROMETHEUS_MULTIPROC_DIR="$PWD/run/metrics"
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
# The action server must never be reachable from outside this machine.
export SANIC_HOST=127.0.0.1

if [ "$RASA_ENDPOINTS" != endpoints.yml ]; then
  # the action server started below, unless ACTION_SERVER_URL points elsewhere
  export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://localhost:$ACTIONS_PORT/webhook}"
  # a crashed server's claim on a conversation holds it 10 s, not Rasa's 60 (docs/production.md)
  export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-10}"
  missing=()
  for var in $(grep -v '^[[:space:]]*#' "$RASA_ENDPOINTS" | grep -o '\${[A-Za-z_][A-Za-z0-9_]*}' | tr -d '${}' | sort -u); do
    [ -n "${!var+set}" ] || missing+=("$var")
  done
  if ((${#missing[@]})); then
    echo "$RASA_ENDPOINTS needs these environment variables (README \"Production\"): ${missing[*]}" >&2
    exit 1
  fi
fi

# Fail early, with the setting's own message, rather than at a parent's first fever report.
.venv/bin/python -c "from clinical.settings import load_settings; load_settings()"

for port in "$ACTIONS_PORT" "$RASA_PORT" "$WEBCHAT_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is already in use (another 'make run'?): stop that process or set RASA_PORT / ACTIONS_PORT / WEBCHAT_PORT." >&2
    exit 1
  fi
done

# endpoints.yml names the action server at localhost:5055; another ACTIONS_PORT gets a copy that
# names this run's action server instead (per port, so two runs never share one).
if [ "$ACTIONS_PORT" != 5055 ] && grep -q 'localhost:5055/webhook' "$RASA_ENDPOINTS"; then
  ports_endpoints="run/$(basename "$RASA_ENDPOINTS" .yml).actions-$ACTIONS_PORT.yml"
  sed "s#localhost:5055/webhook#localhost:$ACTIONS_PORT/webhook#" "$RASA_ENDPOINTS" >"$ports_endpoints"
  RASA_ENDPOINTS="$ports_endpoints"
fi

# credentials.yml's channels whose variables are set (docs/channels.md); prints which
.venv/bin/python scripts/render_credentials.py --out run/credentials.yml
# In development, unset ALLOWED_ORIGINS is the local page's own origin, on whichever port it is
# served; in production it must be set. "-", not ":-": an empty value reaches the check and is refused.
if ((${#PRODUCTION_OPTIONS[@]} == 0)); then
  export ALLOWED_ORIGINS="${ALLOWED_ORIGINS-http://localhost:$WEBCHAT_PORT http://127.0.0.1:$WEBCHAT_PORT}"
fi
# The web chat signs its session ids with WEBCHAT_SESSION_SECRET (webchat/session_ids.py). In
# development, unset, one is made once and kept in run/webchat-session-secret (owner-readable), so
# that a page keeps its conversation across restarts; in production it must be set.
if ((${#PRODUCTION_OPTIONS[@]} == 0)) && [ -z "${WEBCHAT_SESSION_SECRET:-}" ]; then
  if [ ! -s run/webchat-session-secret ]; then
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))' >run/webchat-session-secret)
  fi
  WEBCHAT_SESSION_SECRET="$(cat run/webchat-session-secret)"
  export WEBCHAT_SESSION_SECRET
fi
# API off unless RASA_ENABLE_API with a token or JWT secret; CORS for ALLOWED_ORIGINS only.
RASA_OPTIONS="$(.venv/bin/python scripts/rasa_server_options.py "${PRODUCTION_OPTIONS[@]}")" || exit 1
mapfile -t RASA_OPTIONS <<<"$RASA_OPTIONS"
# logging.yml keeps message text and phone numbers out of both servers' logs (actions/log_privacy.py).
LOGGING_OPTIONS=(--logging-config-file logging.yml)

echo "starting the action server (:$ACTIONS_PORT), the Rasa server (:$RASA_PORT) and the web chat page (:$WEBCHAT_PORT); logs in $LOG_DIR/"
READY_MESSAGE="$(cat <<MSG

The assistant is answering. Chat with it:

  on the hospital page, in a browser: http://localhost:$WEBCHAT_PORT/

  curl -s http://localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
       -d '{"sender": "parent-1", "message": "what is neutropenia?"}'

  or, in another terminal, a console chat with the same model and actions:
    .venv/bin/rasa shell --model $MODEL --endpoints $RASA_ENDPOINTS --port 5006

A server that stops is restarted (the others keep answering). Press Ctrl-C to stop.
MSG
)"

# Each part: its name (for its log and pid file), the URL that answers once it is up, its command.
# quiet_rasa.py is `rasa` without the libraries' DeprecationWarnings at the top of each log.
RASA=(.venv/bin/python scripts/quiet_rasa.py)
exec .venv/bin/python scripts/supervise.py --log-dir "$LOG_DIR" "${LOG_OPTIONS[@]}" --ready-message "$READY_MESSAGE" \
  --- actions "http://127.0.0.1:$ACTIONS_PORT/health" \
    "${RASA[@]}" run actions --actions actions --port "$ACTIONS_PORT" "${LOGGING_OPTIONS[@]}" \
  --- rasa "http://127.0.0.1:$RASA_PORT/" \
    "${RASA[@]}" run --model "$MODEL" --endpoints "$RASA_ENDPOINTS" --credentials run/credentials.yml \
      --interface 127.0.0.1 --port "$RASA_PORT" "${RASA_OPTIONS[@]}" "${LOGGING_OPTIONS[@]}" \
  --- webchat "http://127.0.0.1:$WEBCHAT_PORT/" \
    env WEBCHAT_RASA_URL="${WEBCHAT_RASA_URL:-http://localhost:$RASA_PORT}" WEBCHAT_PORT="$WEBCHAT_PORT" \
      .venv/bin/python webchat/server.py

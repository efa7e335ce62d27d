#!/bin/sh
# Starts the action server in its container (deploy/Dockerfile.actions's CMD), as `make run`'s
# `rasa run actions --actions actions --port 5055` does, with rasa_sdk's own command: the image has
# rasa-sdk and no Rasa (requirements/action-server.lock). It listens on SANIC_HOST (0.0.0.0 in
# the image: the container's own interfaces, reachable only on the internal network).
set -eu
cd /app

# The same hospital settings as the Rasa server; without the phone variables
# hospital_settings.yml's placeholders (555-01xx, reserved for fiction) would be used.
: "${HOSPITAL_CARE_TEAM_PHONE:?is not set: the care team phone number parents must call (deploy/README.md)}"
: "${HOSPITAL_AFTER_HOURS_PHONE:?is not set: the after-hours phone number (deploy/README.md)}"
python -c "from clinical.settings import load_settings; load_settings()"

# logging.yml: no message text and no phone number in any log line (actions/log_privacy.py)
# (rasa_sdk spells its option --logging-config_file, with an underscore)
exec python -m rasa_sdk --actions actions --port 5055 --logging-config_file logging.yml

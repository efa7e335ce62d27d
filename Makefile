# The two commands: `make run` and `make test`. Everything else is a step they depend on; `make check`
# is the quick one to run before each commit (docs/development.md).
# Each step is a file target, so a re-run with nothing changed does no work.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# `rasa` without the libraries' DeprecationWarnings, which PYTHONWARNINGS cannot silence (scripts/quiet_rasa.py)
RASA := $(PY) scripts/quiet_rasa.py
# Rasa 3.6 runs on Python 3.10 only (.python-version selects it under pyenv).
PYTHON310 := $(shell command -v python3.10 2>/dev/null)
MODEL := models/neutropenia-assistant.tar.gz
SPACY_STAMP := build/spacy/.built
# the web chat's socket.io-client, served from webchat/public/; the browser for its test
WEBCHAT_JS := webchat/public/vendor/socket.io.min.js
CHROMIUM := /usr/bin/chromium
# the content studio's htmx, served from studio/static/
STUDIO_JS := studio/static/vendor/htmx.min.js
# the code that shapes a trained model counts too: the NLU components, the policies
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(SPACY_STAMP) \
  $(shell find addons/nlu addons/policies -name '*.py' 2>/dev/null)
# Debian's servers a tier needs (tools/local_services.py), installed before its tests when missing
INSTALL_SERVERS := $(PY) -c "import sys; from tools.local_services import ensure_installed; ensure_installed(sys.argv[1:])"
# quiet TensorFlow's start-up chatter in every rasa command
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup check format lint build train run test test-unit test-services validate test-stories test-nlu test-blind test-live evaluate clean webchat test-browser test-channels test-abuse test-replica bench review ask studio studio-user studio-js test-studio

help:
	@echo "make run    set up if needed, then start the assistant (web chat on http://localhost:8080/, REST on :5005)"
	@echo "make test   set up if needed, then run every check: make check, then every tier below (about 19 min)"
	@echo "make check  before each commit: lint, types, the unit tests and the content checks (under 2 min)"
	@echo ""
	@echo "the steps they depend on, also run alone (docs/testing.md says what each tier covers; times on two cores):"
	@echo "  setup          the venv from requirements/development.lock, the project (editable), the spaCy pipeline"
	@echo "  format         ruff format, then ruff check --fix: fixes what it can"
	@echo "  lint           ruff check, ruff format --check, mypy and import-linter's contracts (pyproject.toml; seconds)"
	@echo "  build          the spaCy pipeline only (build/spacy/)"
	@echo "  train          train the model when data, domain, config or patterns changed (about 3 min)"
	@echo "  webchat        the web chat's socket.io-client from webchat/package-lock.json"
	@echo "the tiers, in the order make test runs them:"
	@echo "  test-unit      tests/unit: no server, no model, no browser, nothing installed (about 1 min, both cores)"
	@echo "  validate       content checks, the intent catalogue, the spaCy build, rasa data validate (about 10 s)"
	@echo "  test-services  tests/services: Redis, nginx, the action server, make run's supervisor on loopback (about 15 s)"
	@echo "  test-stories   rasa test on tests/test_stories/ (about 1 min after training)"
	@echo "  test-nlu       the held-out set: every intent's F1 >= 0.90, urgent messages escalated (about 1 min)"
	@echo "  test-blind     the blind sets end to end through the REST channel, gated (about 2 min)"
	@echo "  test-live      the real servers over REST, also with the action server stopped (about 2.5 min, two modules at once)"
	@echo "  test-browser   the web chat page in headless Chromium (about 1 min, two modules at once)"
	@echo "  test-studio    the content studio: tests/studio (no server), then tests/studio_browser in headless Chromium (about 3 min)"
	@echo "  test-channels  SMS, WhatsApp, Messenger, Telegram and Slack, providers faked (about 1.5 min, two modules at once)"
	@echo "  test-abuse     make run probed as an attacker would: floods, sessions, key spaces, cross-site posts (about 2 min)"
	@echo "  test-replica   production mode on loopback: two replicas, PostgreSQL, Redis, nginx, faults (about 3.5 min)"
	@echo "other commands:"
	@echo "  studio-js      the content studio's htmx (and axe-core for its tests) from studio/package-lock.json"
	@echo "  ask            one question answered as a parent sees it: make ask Q=\"my son has a fever of 39\" (30 to 60 s without make run)"
	@echo "  evaluate       NLU cross-validation, held-out report, blind sets with every miss (results/)"
	@echo "  bench          load benchmark against a stock rasa init assistant (15 to 20 min; docs/benchmark.md)"
	@echo "  review         what parents asked that the assistant missed, as training data; results/review/ (CONTENT.md)"
	@echo "  studio         the content studio in a browser, on http://127.0.0.1:8090/ (CONTENT.md \"In the browser\")"
	@echo "  studio-user    add or change a content studio account (name, e-mail, roles, password)"
	@echo "  clean          delete build/, models/, results/ and .rasa/"
	@echo "  help           this list"

# uv (requirements/bootstrap.lock, installed by pip) installs the lock: about 25 s on a fresh clone
# where pip takes two minutes. uv reads no pip configuration: behind a package mirror, set
# UV_INDEX_URL (or UV_DEFAULT_INDEX); if uv cannot install, pip does, more slowly, with the same hashes.
PIP_LOCK = $(PY) -m pip install --quiet --require-hashes --no-deps -r $(1) 2>&1 \
  | { grep -v "is ignored: it is neither a file nor a directory" || true; }
$(VENV)/.installed: requirements/bootstrap.lock requirements/development.lock
	@if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (Rasa 3.6 supports no other): 'pyenv install 3.10' and retry." >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	@echo "installing the locked dependencies into $(VENV) (first run only: under a minute)"
	@{ $(call PIP_LOCK,requirements/bootstrap.lock) && \
	   $(VENV)/bin/uv pip install --quiet --python $(PY) --require-hashes --no-deps -r requirements/development.lock; } \
	  || { echo "uv could not install requirements/development.lock (above); installing with pip instead (a few minutes)" >&2; \
	       $(call PIP_LOCK,requirements/development.lock); }
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; exit 1; }
	@touch $@

# The project itself, editable (pyproject.toml): its packages import from any directory without
# sys.path edits. Offline, a few seconds; its own stamp, so that editing pyproject.toml retrains nothing.
$(VENV)/.project-installed: $(VENV)/.installed pyproject.toml
	@$(PY) -m pip install --quiet --no-index --no-deps --no-build-isolation -e .
	@touch $@

setup: $(VENV)/.installed $(VENV)/.project-installed $(SPACY_STAMP)

$(SPACY_STAMP): $(VENV)/.installed spacy_pipeline/entity_patterns.jsonl spacy_pipeline/entity_patterns_es.jsonl spacy_pipeline/context_terms.yml spacy_pipeline/context_terms_es.yml spacy_pipeline/urgent_context.py tools/build_spacy_pipeline.py
	@$(PY) tools/build_spacy_pipeline.py
	@touch $@

build: $(SPACY_STAMP)

# Retrains only when the data, domain, config, entity patterns or the NLU components and policies changed.
$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	@echo "training the assistant (data, domain, config or components changed)"
	@touch build/.training-started
	@# no training cache: Rasa keys a component's cached output by its config and inputs, not its code,
	@# so an edited addons/nlu component would be served from the cache (a cold train is as fast here)
	@RASA_MAX_CACHE_SIZE=0 $(RASA) train --config config.yml --domain domain.yml --data data --out models --fixed-model-name neutropenia-assistant --quiet
	@# dated when training started: a file edited during training still triggers the next one
	@touch -r build/.training-started $@

train: $(MODEL)

run: $(MODEL) $(WEBCHAT_JS)
	@scripts/run_assistant.sh

# One question, as a parent would see the reply (tools/ask.py): `make run`'s server when it is up,
# otherwise servers started for this question. Q reaches the script through the environment, so any
# quotes in it stay as typed.
ask: $(MODEL)
	@$(PY) tools/ask.py "$${Q-}"

# make check first: a change that breaks lint, types, a unit test or the content fails in two minutes,
# before the tiers that train and start servers
test: check test-services test-stories test-nlu test-blind test-live test-browser test-studio test-channels test-abuse test-replica

# Before each commit (and pre-commit's hook): no server, no model, no browser, nothing installed, no
# root; under 2 minutes on two cores once `make setup` has run (figures: docs/development.md).
# The three run at once (mypy and the content checks overlap the unit tests), each one's output
# printed whole when it ends; any that fails fails the check.
check: setup
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-unit validate

# What ruff can fix: the format first, then the lint rules that have a safe fix.
format: $(VENV)/.installed
	@$(VENV)/bin/ruff format --quiet .
	@$(VENV)/bin/ruff check --quiet --fix .

lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/ruff format --check --quiet .
	@$(VENV)/bin/mypy
	@# what may import what: the contracts in pyproject.toml [tool.importlinter]
	@out=$$($(VENV)/bin/lint-imports --no-cache 2>&1) || { echo "$$out" >&2; exit 1; }

# on every core (pytest-xdist): the suite is mostly waiting on Rasa's imports and small subprocesses
test-unit: setup
	@$(PY) -m pytest -q -n auto tests/unit

# Tests that start a process serving on loopback: Redis (pytest-redis), nginx, the action server,
# make run's supervisor. Debian's redis-server and nginx are installed here when missing (root or
# sudo), never by a test.
test-services: setup
	@$(INSTALL_SERVERS) redis nginx
	@$(PY) -m pytest -q tests/services

# The content checks, the intent catalogue, the spaCy build and `rasa data validate`, stopping at the
# first that fails; the last line is always the verdict (tools/validate.py).
validate: setup
	@$(PY) tools/validate.py

test-stories: $(MODEL)
	@# a story that fails stops Rasa with that story printed; its "… written to" lines name files even when none failed
	@$(RASA) test core --model $(MODEL) --stories tests/test_stories --out results/stories --fail-on-prediction-errors --quiet \
	  | { grep -v " written to '" || true; }
	@echo "test stories: all passed (results/stories)"

test-nlu: $(MODEL)
	@$(RASA) test nlu --model $(MODEL) --domain domain.yml --nlu tests/nlu_holdout --out results/nlu_holdout --quiet
	@$(PY) tools/nlu_gate.py results/nlu_holdout

# What a parent gets, end to end through the REST channel of the real servers, on the frozen blind
# sets (tests/blind/, written by helpers that never saw the training data; tests/blind/real/ adapted
# from real parents' public writing): call-now and 911 recall 100 % (the confirmation question
# counts as safe), false reassurance 0, false alarms <= 3 %, the right answer for >= 93 % of covered
# questions, "rephrase" <= 3 %.
BLIND_SETS := $(wildcard tests/blind/en*.yml tests/blind/es*.yml tests/blind/real/*.yml)
# the newest batch, measured by `make evaluate` but not gated until its misses are fixed by class
MEASURED_SETS := $(wildcard tests/blind/measured/*.yml)
test-blind: $(MODEL)
	@$(PY) tools/blind_evaluation.py --gate --quiet $(BLIND_SETS)

# The server tiers below run their modules two at a time (pytest-xdist, each module's servers on
# their own free ports): most of a module's time is servers starting and requests waiting, so two
# cores serve two modules (figures: docs/development.md).
SERVER_TIER_WORKERS := -n 2 --dist loadscope

# tests/live/test_make_run.py runs `make run` itself, which serves the web chat page
test-live: $(MODEL) $(WEBCHAT_JS)
	@$(PY) -m pytest -q $(SERVER_TIER_WORKERS) tests/live

# Twilio (SMS, WhatsApp), Facebook Messenger, Telegram and Slack: each provider's webhook posted to
# the real servers, the replies caught by a local fake of its API (there is no internet here).
test-channels: $(MODEL)
	@$(PY) -m pytest -q $(SERVER_TIER_WORKERS) tests/channels

# The abuse suite (docs/security.md): `make run` itself on free ports with every channel on
# (providers faked), probed as an attacker on this machine would: 10,000 malformed packets, socket
# take-overs, one id on every channel, a page of another site in Chromium posting to REST, the
# internal servers' error paths, and what held before (API off, origins, traversal, injection, logs).
# Figures in results/abuse/figures.json.
test-abuse: $(MODEL) $(WEBCHAT_JS) $(CHROMIUM)
	@$(PY) -m pytest -q tests/abuse

# Production mode on loopback (docs/production.md): PostgreSQL, Redis and nginx (Debian's packages,
# installed here when missing: root or sudo, never by a test), two Rasa replicas and the action
# server; 50 concurrent conversations, a replica killed and both restarted; one sender's messages
# on both replicas at once, 1,000 times; PostgreSQL (down, hung), Redis and the action server
# failing; 6,000 messages while the database fails (memory flat); retention on PostgreSQL. About
# 3.5 minutes; figures in results/replica/.
test-replica: $(MODEL)
	@$(INSTALL_SERVERS) postgresql redis nginx
	@rm -f results/replica/faults.json
	@$(PY) -m pytest -q tests/replica

# The web chat (webchat/): its one dependency, socket.io-client, installed from the lock; the
# browser build is copied into webchat/public/vendor/ and served locally (nothing fetched at run time).
# The devDependency rasa-webchat stays in node_modules/ for tests/browser/test_rasa_webchat.py.
webchat/node_modules/.installed: webchat/package-lock.json
	@cd webchat && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEBCHAT_JS): webchat/node_modules/.installed
	@mkdir -p $(@D)
	@cp webchat/node_modules/socket.io-client/dist/socket.io.min.js $@

webchat: $(WEBCHAT_JS)

# Debian's chromium for the browser test (Playwright's own browser download is not used).
$(CHROMIUM):
	@tools/install_chromium.sh

# The page in headless Chromium against the real servers (screenshots in tests/artifacts/).
test-browser: $(MODEL) $(WEBCHAT_JS) $(CHROMIUM)
	@$(PY) -m pytest -q $(SERVER_TIER_WORKERS) tests/browser

# Load benchmark (docs/benchmark.md), not a test: simulated parents at 1, 10 and 50 concurrent
# conversations against one server, two Sanic workers and two replicas behind nginx, and the same for a
# stock `rasa init` assistant trained now. About 20 minutes; results/bench/ (bench.md, latency.png).
bench: $(MODEL)
	@$(INSTALL_SERVERS) postgresql redis nginx
	@$(PY) tools/bench.py

# The content team's review loop (CONTENT.md "Review loop"): the conversations of `make run` (or
# PostgreSQL: RASA_ENDPOINTS=endpoints.production.yml with its variables), masked; what was missed,
# by likely intent; in a terminal the editor's choices become data/nlu/ examples, then `make validate`.
# Without a terminal, the report only (results/review/report.md and report.html). REVIEW_OPTIONS: e.g. --days 30
review: setup
	@$(PY) -m tools.review $(REVIEW_OPTIONS)

# The content studio (CONTENT.md "In the browser"): the content team's inbox, answers, try-it and
# sign-off in a browser, on the same data as `make run` (its conversations, its model). Serves on
# 127.0.0.1 (STUDIO_HOST, STUDIO_PORT); the first run in a terminal asks for the first account.
studio: setup $(MODEL) $(STUDIO_JS)
	@$(PY) -m studio

# Adds or changes a studio account (run/studio/accounts.yml, scrypt-hashed passwords): asks for the
# name, e-mail, roles and password. STUDIO_USER_OPTIONS: e.g. --user ana --roles translator --no-password
studio-user: setup
	@$(PY) -m studio.accounts $(STUDIO_USER_OPTIONS)

# htmx for the studio's pages, installed from the committed lock and copied into studio/static/vendor/
# (served by the studio itself, nothing fetched at run time); axe-core, a devDependency, stays in
# node_modules/ for the accessibility checks of tests/studio_browser/.
studio/node_modules/.installed: studio/package-lock.json
	@cd studio && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STUDIO_JS): studio/node_modules/.installed
	@mkdir -p $(@D)
	@cp studio/node_modules/htmx.org/dist/htmx.min.js $@

studio-js: $(STUDIO_JS)

# The studio's unit tests (a copy of the content, no server), then the studio in headless Chromium on
# a clone of the repository: one server, one candidate model trained for all the browser tests.
test-studio: $(MODEL) $(STUDIO_JS) $(CHROMIUM)
	@$(PY) -m pytest -q tests/studio tests/studio_browser

# 5-fold cross-validation + the held-out set: reports, confusion matrices, summary.md; then the
# blind sets end to end, with every miss (results/blind/summary.md)
evaluate: $(MODEL)
	@rm -rf results/evaluate
	@$(RASA) test nlu --nlu data/nlu --config config.yml --domain domain.yml --cross-validation --folds 5 --out results/evaluate/cross_validation --quiet
	@$(RASA) test nlu --model $(MODEL) --domain domain.yml --nlu tests/nlu_holdout --out results/evaluate/holdout --quiet
	@$(PY) tools/evaluation_summary.py results/evaluate
	@$(PY) tools/blind_evaluation.py $(BLIND_SETS) $(MEASURED_SETS)

clean:
	rm -rf build models results .rasa

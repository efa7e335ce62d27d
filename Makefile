# The two commands: `make run` and `make test`. Everything else is a step they depend on.
# Each step is a file target, so a re-run with nothing changed does no work.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# Rasa 3.6 runs on Python 3.10 only (.python-version selects it under pyenv).
PYTHON310 := $(shell command -v python3.10 2>/dev/null)
MODEL := models/neutropenia-assistant.tar.gz
SPACY_STAMP := build/spacy/.built
TRAINING_INPUTS := config.yml $(shell find domain data -name '*.yml' 2>/dev/null) $(SPACY_STAMP)
# quiet TensorFlow's start-up chatter in every rasa command
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup build train run test test-unit validate test-stories test-nlu test-live evaluate clean

help:
	@echo "make run    set up if needed, then start the assistant (REST on http://localhost:5005)"
	@echo "make test   set up if needed, then run every check"

$(VENV)/.installed: requirements.lock
	@if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (Rasa 3.6 supports no other): 'pyenv install 3.10' and retry." >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	@echo "installing the locked dependencies into $(VENV) (first run only: a few minutes)"
	@$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; exit 1; }
	@touch $@

setup: $(VENV)/.installed $(SPACY_STAMP)

$(SPACY_STAMP): $(VENV)/.installed spacy_pipeline/entity_patterns.jsonl scripts/build_spacy_pipeline.py
	@$(PY) scripts/build_spacy_pipeline.py
	@touch $@

build: $(SPACY_STAMP)

# Retrains only when the data, domain, config or entity patterns changed.
$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	@echo "training the assistant (data, domain or config changed)"
	@touch build/.training-started
	@$(RASA) train --config config.yml --domain domain --data data --out models --fixed-model-name neutropenia-assistant --quiet
	@# dated when training started: a file edited during training still triggers the next one
	@touch -r build/.training-started $@

train: $(MODEL)

run: $(MODEL)
	@scripts/run_assistant.sh

test: test-unit validate test-stories test-nlu test-live

test-unit: setup
	@$(PY) -m pytest -q tests/unit

validate: setup
	@$(PY) scripts/check_content.py
	@$(PY) scripts/build_spacy_pipeline.py --check
	@$(RASA) data validate --config config.yml --domain domain --data data --fail-on-warnings --quiet

test-stories: $(MODEL)
	@$(RASA) test core --model $(MODEL) --stories tests/test_stories --out results/stories --fail-on-prediction-errors --quiet
	@echo "test stories: all passed (results/stories)"

test-nlu: $(MODEL)
	@$(RASA) test nlu --model $(MODEL) --nlu tests/nlu_holdout --out results/nlu_holdout --quiet
	@$(PY) scripts/nlu_gate.py results/nlu_holdout

test-live: $(MODEL)
	@$(PY) -m pytest -q tests/live

# 5-fold cross-validation + the held-out set: reports, confusion matrices, summary.md
evaluate: $(MODEL)
	@rm -rf results/evaluate
	@$(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --out results/evaluate/cross_validation --quiet
	@$(RASA) test nlu --model $(MODEL) --nlu tests/nlu_holdout --out results/evaluate/holdout --quiet
	@$(PY) scripts/evaluation_summary.py results/evaluate

clean:
	rm -rf build models results .rasa

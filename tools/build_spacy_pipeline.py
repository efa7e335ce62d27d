"""Builds the project's own spaCy pipeline: spacy.blank("en") + an entity_ruler.

No pretrained spaCy package can be downloaded on the hospital's build machines, and the
assistant needs only rule-based entities (temperatures, fever and infection-sign phrases,
body sites, life-threatening signs), so the pipeline is built from the pattern files in
spacy_pipeline/: entity_patterns.jsonl (English) and entity_patterns_es.jsonl (Spanish:
one bilingual pipeline, the same labels). Parents often type Spanish without accents, so every
Spanish phrase pattern is also added without them ("escalofríos" and "escalofrios").

Rasa's SpacyNLP fingerprints the pipeline by its path alone, so the pipeline is saved to a
folder whose name carries a hash of the patterns, and config.yml is pointed at it: a changed
pattern file means a new path, and `rasa train` retrains instead of reusing a stale cache.

Usage: python tools/build_spacy_pipeline.py [--check]
  --check   exit 1 (with the fix) when config.yml does not point at the current patterns.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "spacy_pipeline" / "entity_patterns.jsonl"
SPANISH_PATTERNS = ROOT / "spacy_pipeline" / "entity_patterns_es.jsonl"
CONTEXT_TERMS = ROOT / "spacy_pipeline" / "context_terms.yml"
SPANISH_CONTEXT_TERMS = ROOT / "spacy_pipeline" / "context_terms_es.yml"
BUILD_DIR = ROOT / "build" / "spacy"
CONFIG = ROOT / "config.yml"
# Bump when the way the pipeline is assembled changes (not the patterns: they are hashed).
BUILDER_VERSION = "4"
MODEL_LINE = re.compile(r"^(\s*model:\s*)(\S+)\s*$", re.MULTILINE)


def pipeline_path() -> Path:
    digest = hashlib.sha256(
        BUILDER_VERSION.encode()
        + PATTERNS.read_bytes()
        + SPANISH_PATTERNS.read_bytes()
        + CONTEXT_TERMS.read_bytes()
        + SPANISH_CONTEXT_TERMS.read_bytes()
        + (ROOT / "spacy_pipeline" / "urgent_context.py").read_bytes()
    ).hexdigest()[:12]
    return BUILD_DIR / f"neutropenia_en_{digest}"


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def configured_model() -> str | None:
    match = MODEL_LINE.search(CONFIG.read_text())
    return match.group(2) if match else None


def with_unaccented_phrases(patterns: list[dict]) -> list[dict]:
    """Each phrase pattern, and the same phrase without accents when it has any."""
    from spacy_pipeline.urgent_context import without_accents

    result = list(patterns)
    for pattern in patterns:
        phrase = pattern["pattern"]
        if isinstance(phrase, str) and without_accents(phrase) != phrase:
            result.append({**pattern, "pattern": without_accents(phrase)})
    return result


def merged_terms(english: dict, spanish: dict) -> dict:
    """The English context lists with the Spanish ones of the same name added (one bilingual pipeline)."""
    merged = dict(english)
    for key, value in spanish.items():
        if isinstance(value, dict):
            merged[key] = merged_terms(merged.get(key) or {}, value)
        else:
            merged[key] = list(merged.get(key) or []) + list(value or [])
    return merged


def build(path: Path) -> None:
    import spacy
    import yaml
    from spacy.pipeline import EntityRuler

    import spacy_pipeline.urgent_context  # noqa: F401  (registers the "urgent_context" factory)

    nlp = spacy.blank("en")
    # phrase patterns match on lowercase text, so "Fever" and "FEVER" match "fever"
    # add_pipe is typed as returning any component; this one is the entity ruler
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}))
    ruler.from_disk(PATTERNS)
    spanish = [json.loads(line) for line in SPANISH_PATTERNS.read_text().splitlines() if line.strip()]
    ruler.add_patterns(with_unaccented_phrases(spanish))
    # sentences bound each cue's reach; then whether each urgent mention is reported now
    nlp.add_pipe("sentencizer")
    terms = merged_terms(yaml.safe_load(CONTEXT_TERMS.read_text()), yaml.safe_load(SPANISH_CONTEXT_TERMS.read_text()))
    # spaCy's config file cannot hold token patterns (lists of dicts) as they are: one JSON text
    terms["cue_patterns"] = json.dumps(terms.get("cue_patterns") or [])
    nlp.add_pipe("urgent_context", config={"terms": terms})
    nlp.meta["name"] = "neutropenia_en"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = (
        "blank English tokenizer + entity_ruler (spacy_pipeline/entity_patterns.jsonl and "
        "entity_patterns_es.jsonl) + sentencizer "
        "+ urgent_context (context cues of spacy_pipeline/context_terms.yml and context_terms_es.yml)"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    nlp.to_disk(tmp)
    tmp.rename(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    path = pipeline_path()
    wanted = relative(path)
    current = configured_model()
    if current is None:
        print(f"config.yml: no 'model:' line under SpacyNLP; add 'model: {wanted}'.", file=sys.stderr)
        return 1
    if args.check:
        if current != wanted:
            print(
                f"config.yml points SpacyNLP at {current}, but the entity patterns now build "
                f"{wanted}. Run 'make build' (or python tools/build_spacy_pipeline.py) and commit config.yml.",
                file=sys.stderr,
            )
            return 1
        return 0
    if not path.exists():
        build(path)
        print(f"built spaCy pipeline {wanted}")
    if current != wanted:
        CONFIG.write_text(MODEL_LINE.sub(lambda m: m.group(1) + wanted, CONFIG.read_text(), count=1))
        print(f"config.yml now points SpacyNLP at {wanted} (the entity patterns changed); commit config.yml.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

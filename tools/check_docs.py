"""The intent catalogue (docs/intents.md) matches the domain: run by `make validate`.

Every intent declared in domain.yml has a row in docs/intents.md, in the row's "topic file"
column the topic whose file holds its English examples (data/nlu/<topic>.yml); every row names an
intent the domain declares. A
catalogue that lags behind the domain tells a content editor or a reviewer about intents that no
longer exist, or hides new ones. Each problem is printed as `file:line: what is wrong. Fix: what
to do.`, like tools/check_content.py.
Usage: python tools/check_docs.py [PROJECT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ruamel.yaml import YAML

CATALOGUE = "docs/intents.md"


def domain_intents(root: Path) -> Dict[str, int]:
    """Each intent of domain.yml, with the line that declares it."""
    with (root / "domain.yml").open(encoding="utf-8") as handle:
        domain = YAML(typ="rt").load(handle) or {}
    declared = domain.get("intents")
    if not declared:
        return {}
    intents = {}
    for index, entry in enumerate(declared):
        # an intent is a name, or a one-key mapping of its name to its options
        name = entry if isinstance(entry, str) else next(iter(entry))
        intents[str(name)] = declared.lc.item(index)[0] + 1
    return intents


def example_topics(root: Path) -> Dict[str, str]:
    """Each intent's topic: the data/nlu/<topic>.yml file holding its English examples."""
    topics: Dict[str, str] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            for block in (YAML(typ="safe").load(handle) or {}).get("nlu") or []:
                if "intent" in block:
                    topics.setdefault(str(block["intent"]), path.stem)
    return topics


def catalogue_rows(root: Path) -> Dict[str, Tuple[str, int]]:
    """Each intent row of docs/intents.md, with its topic file column and the line."""
    rows = {}
    lines = (root / CATALOGUE).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or set(cells[0]) <= set("-: "):
            continue
        if cells[1] == "intent":  # the header row
            continue
        rows[cells[1]] = (cells[0], number)
    return rows


def check_catalogue(root: Path) -> List[str]:
    if not (root / CATALOGUE).exists():
        return [f"{CATALOGUE}:1: the intent catalogue is missing. Fix: restore {CATALOGUE}"]
    declared = domain_intents(root)
    topics = example_topics(root)
    catalogued = catalogue_rows(root)
    problems = []
    for intent, line in declared.items():
        topic = topics.get(intent, "<topic>")
        if intent not in catalogued:
            problems.append(
                f"domain.yml:{line}: intent {intent} is not in {CATALOGUE}. Fix: add a row "
                f"'| {topic} | {intent} | what a parent means | the answer |'"
            )
            continue
        listed, row_line = catalogued[intent]
        if intent in topics and listed != topic:
            problems.append(
                f"{CATALOGUE}:{row_line}: intent {intent} is listed under topic file '{listed}' but "
                f"its examples are in data/nlu/{topic}.yml. Fix: write '{topic}' in its first column"
            )
    for intent, (_, row_line) in catalogued.items():
        if intent not in declared:
            problems.append(
                f"{CATALOGUE}:{row_line}: intent {intent} is not declared in domain.yml. "
                f"Fix: remove the row, or correct the intent's name"
            )
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parents[1]
    problems = check_catalogue(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} problem(s) between domain.yml and the intent catalogue ({CATALOGUE}).")
        return 1
    print(f"intent catalogue matches the domain ({len(domain_intents(root))} intents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Content checks for the content team: run by `make validate` (and so by `make test`); the checks
themselves are the content library's (content/checks/), which the content studio runs too.

Every mistake an editor can make in the content files is printed as one line,
`file:line: what is wrong. Fix: what to do.`, and the run ends with one line: "all content
checks passed" or "N problems". Warnings are printed the same way (`file:line: warning: ...`) with
their own count; they do not fail the run. Checks (CONTENT.md explains each to editors):
  * every content file is valid YAML: an unescaped or missing quotation mark, a wrong
    indentation, a tab, a key written twice are named in plain words, never as a traceback (until
    the YAML is fixed, nothing else is checked: a file that cannot be read would mislead them);
  * every answer has a review date and names its sources: metadata `source:` lists ids from
    content_sources.yml, and the text ends with exactly one "Source: ..." line ("Fuente: ..." in
    Spanish), after `\\n`, naming each of them (only chitchat and fallback answers say `source: none`);
  * no answer is above grade 8 (Flesch-Kincaid) in English or below 70 (Fernandez Huerta, easy
    reading) in Spanish, and each is 2 to 5 sentences;
  * no phone number and no fever threshold is typed into an answer ({care_team_phone},
    {after_hours_phone} and {fever_threshold} come from hospital_settings.yml);
  * every English answer has exactly one Spanish twin and the reverse, with the same placeholders
    and source ids; a twin that translates an older English text is a warning, and so are the
    Spanish answers a qualified medical translator has not reviewed yet;
  * every intent has at least 25 English examples, at least 10 held-out test questions per
    language it has examples in, none of them copied or nearly copied into the training examples
    (near copies: a pair of which one side is new since the last commit; exact copies: always),
    and appears in a test story; no example is under two intents; nothing is left unused;
  * against the last commit (git): a warning when an answer's text changed and its `reviewed:`
    date did not, and when a new intent's examples overlap an existing intent's.
Usage: python tools/check_content.py [PROJECT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from content.checks import Problem, run_checks


def verdict(found: List[Problem]) -> str:
    """The run's last line: "all content checks passed" or "N problems", with the warnings counted."""
    problems = [p for p in found if not p.warning]
    warned = [p for p in found if p.warning]
    warning_count = f", {len(warned)} warning{'s' if len(warned) != 1 else ''}" if warned else ""
    if problems:
        return (
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''}{warning_count} in the content "
            "(CONTENT.md says what each check means)"
        )
    return f"all content checks passed{warning_count}"


def print_problems(found: List[Problem]) -> None:
    """Problems first, then warnings, one line each."""
    for problem in [p for p in found if not p.warning] + [p for p in found if p.warning]:
        print(problem)


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    found = run_checks(root)
    print_problems(found)
    print(verdict(found))
    return 1 if any(not p.warning for p in found) else 0


if __name__ == "__main__":
    sys.exit(main())

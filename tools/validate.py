"""`make validate`: every check of the content, ending with one verdict line.

In order, stopping at the first that fails: the content checks (content/checks/, each problem as
`file:line: what is wrong. Fix: ...`; a file that is not YAML hides everything after it), the
intent catalogue (tools/check_docs.py), config.yml against the spaCy build
(tools/build_spacy_pipeline.py --check) and Rasa's own `rasa data validate --fail-on-warnings`.
The last line is always the verdict, "all content checks passed" or what failed: an editor reads
the end of the output first. Rasa's warning that a response sent by a policy
(content.checks.examples.SENT_BY_POLICIES: the unsure band's offer of other topics) is used by no
rule or story is left out: the content checks know who sends it, and Rasa printed it after the
verdict.
Usage: python tools/validate.py [PROJECT_DIR]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from content.checks import run_checks
from content.checks.examples import SENT_BY_POLICIES
from content.checks.facts import SOURCES_DIR_VARIABLE, sources_dir
from tools import check_docs
from tools.check_content import print_problems, verdict

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def rasa_output_without_known_warnings(output: str) -> str:
    """Rasa's output minus the "not used in any story or rule" warning of a response a policy sends
    (and the colour-reset line Rasa prints after each warning)."""
    kept: List[str] = []
    for line in output.splitlines():
        plain = ANSI.sub("", line).strip()
        if any(f"The utterance '{name}' is not used in any story or rule" in plain for name in SENT_BY_POLICIES):
            continue
        if not plain:
            continue  # the colour reset after a warning, or an empty line
        kept.append(line)
    return "\n".join(kept)


def rasa_data_validate(root: Path) -> int:
    command = [
        sys.executable,
        str(ROOT / "scripts" / "quiet_rasa.py"),
        "data",
        "validate",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--fail-on-warnings",
        "--quiet",
    ]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    shown = rasa_output_without_known_warnings(done.stdout + done.stderr)
    if shown:
        print(shown)
    return done.returncode


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]).resolve() if args else ROOT
    found = run_checks(root)
    print_problems(found)
    if not sources_dir(root).is_dir():
        print(
            f"note: the source pages are not in {sources_dir(root)}, so no answer was compared with them "
            f"(set {SOURCES_DIR_VARIABLE} to their folder)"
        )
    if any(not p.warning for p in found):
        print(verdict(found))
        return 1
    if check_docs.main([str(root)]) != 0:
        print(f"the intent catalogue does not match the domain (above); {verdict(found)}")
        return 1
    spacy = subprocess.run([sys.executable, str(ROOT / "tools" / "build_spacy_pipeline.py"), "--check"], cwd=root)
    if spacy.returncode != 0:
        print(f"config.yml does not point at the current spaCy build (above); {verdict(found)}")
        return 1
    if rasa_data_validate(root) != 0:
        print(f"Rasa's data validation failed (above); {verdict(found)}")
        return 1
    print(verdict(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())

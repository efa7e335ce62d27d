"""`make review`: what parents asked that the assistant missed, and the report (results/review/).

  python -m tools.review [--endpoints FILE] [--days N] [--out DIR] [--report-only]

Reads the conversations of the running setup through Rasa's tracker store (--endpoints, default
$RASA_ENDPOINTS else endpoints.yml: the SQLite file of `make run`; endpoints.production.yml reads
PostgreSQL with its variables set), writes report.md and report.html, lists the missed messages by
likely intent, and in a terminal lets the editor turn them into training examples, then runs
`make validate`. Without a terminal (a scheduled job, CI) it writes the report only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from rich.console import Console
from rich.progress import track
from rich.table import Table

from content.conversations import read_endpoint_conversations
from content.masking import default_masker
from content.missed import MissedGroup, missed_groups
from content.training_data import Added, add_examples
from tools.review.editor import Prompts, QuestionaryPrompts, review
from tools.review.report import headline, summarise, write_report

ROOT = Path(__file__).resolve().parent.parent.parent
SECONDS_PER_DAY = 86400
SHOWN_PER_GROUP = 5
VALIDATE_COMMAND = ("make", "--no-print-directory", "validate")


def domain_intents(root: Path) -> List[str]:
    """The intents of domain.yml, in its order (the editor's list)."""
    from rasa.shared.utils.io import read_yaml_file

    return [i if isinstance(i, str) else next(iter(i)) for i in read_yaml_file(str(root / "domain.yml"))["intents"]]


def missed_table(groups: Sequence[MissedGroup]) -> Table:
    """The missed messages, most frequent likely intent first; urgent conversations' counted only."""
    table = Table(title="What the assistant missed, by likely intent", show_lines=False)
    for column in ("likely intent", "times", "message (masked)", "why", "reply"):
        table.add_column(column, overflow="fold")
    for group in groups:
        shown = [m for m in group.messages if not m.urgent][:SHOWN_PER_GROUP]
        hidden = len([m for m in group.messages if not m.urgent]) - len(shown)
        urgent = sum(m.count for m in group.messages if m.urgent)
        for index, missed in enumerate(shown):
            table.add_row(
                group.intent if index == 0 else "",
                str(missed.count),
                missed.text,
                ", ".join(missed.kinds),
                "; ".join(missed.replies),
            )
        notes = ([f"... {hidden} more"] if hidden else []) + (
            [f"{urgent} from urgent conversations (shown only in the editor's review)"] if urgent else []
        )
        if notes:
            table.add_row("" if shown else group.intent, "", "[dim]" + "; ".join(notes) + "[/dim]", "", "")
    return table


def added_table(results: Sequence[Added], root: Path) -> Table:
    table = Table(title="Training examples")
    for column in ("example", "intent", "written to / skipped"):
        table.add_column(column, overflow="fold")
    for result in results:
        where = str(result.path.relative_to(root)) if result.path else f"skipped: {result.reason}"
        table.add_row(result.text, result.intent, where)
    return table


def run_validate(root: Path, command: Sequence[str], console: Console) -> int:
    console.print(f"\nchecking the content: {' '.join(command)}")
    return subprocess.run(list(command), cwd=root).returncode


def main(
    argv: Optional[Sequence[str]] = None,
    *,
    root: Path = ROOT,
    prompts: Optional[Prompts] = None,
    interactive: Optional[bool] = None,
    validate_command: Sequence[str] = VALIDATE_COMMAND,
    console: Optional[Console] = None,
) -> int:
    parser = argparse.ArgumentParser(prog="make review", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=Path(os.environ.get("RASA_ENDPOINTS") or "endpoints.yml"),
        help="the endpoints file whose tracker_store holds the conversations (default: "
        "$RASA_ENDPOINTS, else endpoints.yml)",
    )
    parser.add_argument("--days", type=float, default=None, help="only the last N days (default: every conversation)")
    parser.add_argument("--out", type=Path, default=Path("results/review"), help="where report.md and report.html go")
    parser.add_argument("--report-only", action="store_true", help="no questions, even in a terminal")
    args = parser.parse_args(argv)
    if args.days is not None and not args.days > 0:
        parser.error(f"--days must be a number of days above 0, e.g. 30; got {args.days:g}")
    console = console or Console()
    endpoints = args.endpoints if args.endpoints.is_absolute() else root / args.endpoints
    out = args.out if args.out.is_absolute() else root / args.out

    # in a terminal: a progress bar, the missed messages and the editor's questions; without one (a
    # scheduled job, CI, whose output may end up in a log) no message text, only the report's figures
    terminal = interactive if interactive is not None else sys.stdin.isatty() and sys.stdout.isatty()

    def progress(senders: List[str]) -> Iterable[str]:
        if not terminal:
            return senders
        return track(senders, description="reading the conversations", console=console, transient=True)

    since = time.time() - args.days * SECONDS_PER_DAY if args.days else None
    conversations = read_endpoint_conversations(endpoints, since, progress)
    masker = default_masker(root)
    groups = missed_groups(conversations, masker)
    summary = summarise(conversations, groups)
    markdown, page = write_report(summary, groups, out)
    console.print(headline(summary))
    console.print(
        f"report: {markdown.relative_to(root) if markdown.is_relative_to(root) else markdown} "
        f"and {page.name} (charts)"
    )
    if not groups:
        console.print("Nothing missed: every message was answered with confidence.")
        return 0
    if not terminal:
        console.print(
            f"{sum(g.count for g in groups)} missed message(s) under {len(groups)} likely intent(s); "
            f"run `make review` in a terminal to see them and turn them into training examples."
        )
        return 0
    console.print(missed_table(groups))
    if args.report_only:
        return 0
    chosen = review(groups, domain_intents(root), prompts or QuestionaryPrompts(), console)
    if chosen is None:
        console.print("Cancelled: the training data is unchanged.")
        return 130
    if not chosen:
        console.print("No message chosen: the training data is unchanged.")
        return 0
    results = add_examples(root, chosen)
    console.print(added_table(results, root))
    if not any(r.path for r in results):
        console.print("Nothing new to add: the training data is unchanged.")
        return 0
    if run_validate(root, validate_command, console) != 0:
        console.print(
            "[bold red]The content checks failed[/bold red]: fix what they name above (the new examples are "
            "at the end of each intent's block), then run `make validate` again."
        )
        return 1
    console.print(
        "\nThe new examples pass the content checks. Next:\n"
        "  make train                      retrain the model with them\n"
        "  make run                        start the assistant and ask the same questions\n"
        '  make ask Q="<the question>"     or ask one question from the command line\n'
        "Review the diff of data/nlu/ and commit it with the retrained model's results."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

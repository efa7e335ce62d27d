"""The review's report for the clinical lead and the content team (results/review/report.md and
report.html): conversations, escalations and what was missed (grouped by content/missed.py).

Every message text here has been through the masking step (content/masking.py). The report
holds no message text from an urgent conversation (its messages are counted, never quoted) and no
sender id; the charts are matplotlib PNGs embedded in the HTML as base64.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from clinical.vocabulary import DECISIONS
from content.conversations import (
    CORRECTED,
    NOT_COVERED,
    REPHRASE,
    UNSURE,
    Conversation,
)
from content.missed import Missed, MissedGroup

# the questions the assistant could not answer, for "most frequent unanswered questions"
UNANSWERED_KINDS = (CORRECTED, REPHRASE, NOT_COVERED)
TOP_UNANSWERED = 15
SAFETY_POLICY = "safety policy"  # the Call-now replies sent with no decision (action server down)


@dataclass
class Summary:
    conversations: int
    messages: int
    days: List[date]
    per_day: Dict[date, int]  # conversations with a parent's message that day
    per_channel: Dict[str, int]
    escalations: Dict[date, Counter]  # day -> decision (or "safety policy: utter_...") -> count
    kind_counts: Counter  # MISSED_KINDS -> messages
    unanswered: List[Missed]  # the most frequent, outside urgent conversations
    urgent_conversations: int
    urgent_missed: int  # missed messages in urgent conversations: counted, never quoted

    def rate(self, kind: str) -> float:
        return self.kind_counts[kind] / self.messages if self.messages else 0.0


def summarise(conversations: Sequence[Conversation], groups: Sequence[MissedGroup]) -> Summary:
    per_day: Counter = Counter()
    escalations: Dict[date, Counter] = defaultdict(Counter)
    kind_counts: Counter = Counter()
    for conversation in conversations:
        for day in conversation.days:
            per_day[day] += 1
        for turn in conversation.turns:
            kind_counts.update(turn.kinds)
            if turn.decision:
                escalations[turn.day][turn.decision] += 1
            for response in turn.safety_policy_replies:
                escalations[turn.day][f"{SAFETY_POLICY}: {response}"] += 1
    missed = [m for g in groups for m in g.messages]
    unanswered = sorted(
        (m for m in missed if not m.urgent and set(m.kinds) & set(UNANSWERED_KINDS)), key=lambda m: (-m.count, m.text)
    )[:TOP_UNANSWERED]
    return Summary(
        conversations=len(conversations),
        messages=sum(len(c.turns) for c in conversations),
        days=sorted({d for c in conversations for d in c.days}),
        per_day=dict(sorted(per_day.items())),
        per_channel=dict(Counter(c.channel for c in conversations).most_common()),
        escalations=dict(sorted(escalations.items())),
        kind_counts=kind_counts,
        unanswered=unanswered,
        urgent_conversations=sum(c.urgent for c in conversations),
        urgent_missed=sum(m.count for m in missed if m.urgent),
    )


def escalation_columns(summary: Summary) -> List[str]:
    """Every triage decision in clinical order, then the safety policy's replies seen."""
    seen = {name for counts in summary.escalations.values() for name in counts}
    return [*DECISIONS, *sorted(n for n in seen if n not in DECISIONS)]


def period(summary: Summary) -> str:
    if not summary.days:
        return "no days"
    first, last = summary.days[0], summary.days[-1]
    days = len(summary.days)
    return f"{days} day{'s' if days != 1 else ''} with messages, {first.isoformat()} to {last.isoformat()} (UTC)"


def headline(summary: Summary) -> str:
    return (
        f"Read {summary.conversations} conversation{'s' if summary.conversations != 1 else ''} "
        f"({summary.messages} messages from parents) over {period(summary)}."
    )


def percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> List[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def report_sections(
    summary: Summary, groups: Sequence[MissedGroup]
) -> List[Tuple[str, List[str], List[List[object]], str]]:
    """(title, header, rows, note) for each table of the report, shared by the Markdown and the HTML."""
    columns = escalation_columns(summary)
    rates = [
        [kind, summary.kind_counts[kind], percent(summary.rate(kind))]
        for kind in (REPHRASE, UNSURE, NOT_COVERED, CORRECTED)
    ]
    missed_rows = [
        [
            g.intent,
            g.count,
            ", ".join(sorted({k for m in g.messages for k in m.kinds})),
            sum(m.count for m in g.messages if m.urgent),
        ]
        for g in groups
    ]
    return [
        (
            "Conversations per day",
            ["day (UTC)", "conversations"],
            [[d.isoformat(), n] for d, n in summary.per_day.items()],
            "A conversation counts on each day a parent wrote in it.",
        ),
        (
            "Conversations per channel",
            ["channel", "conversations"],
            [[c, n] for c, n in summary.per_channel.items()],
            "",
        ),
        (
            "Escalations per decision per day",
            ["day (UTC)", *columns],
            [[d.isoformat(), *(counts.get(c, 0) for c in columns)] for d, counts in summary.escalations.items()],
            f"{summary.urgent_conversations} conversation(s) escalated or reported something urgent. "
            f"'{SAFETY_POLICY}: ...' columns are Call-now replies the safety policy sent itself because the "
            f"action server did not decide (it was down or failed).",
        ),
        (
            "Missed messages: rates",
            ["kind", "messages", "of all messages"],
            rates,
            "rephrase: nlu_fallback, 'please rephrase'; unsure: the answer to a best guess, then other topics "
            "offered; not covered: the pages do not answer it; corrected: the parent then chose an offered topic.",
        ),
        (
            "Missed messages by likely intent",
            ["likely intent", "messages", "kinds", "of them in urgent conversations"],
            missed_rows,
            "",
        ),
        (
            "Most frequent unanswered questions (masked)",
            ["times", "message", "likely intent", "reply"],
            [[m.count, m.text, m.likely_intent, "; ".join(m.replies)] for m in summary.unanswered],
            f"Rephrase, not-covered and corrected messages outside urgent conversations; {summary.urgent_missed} "
            f"missed message(s) in urgent conversations are counted above, never quoted.",
        ),
    ]


def write_markdown(summary: Summary, groups: Sequence[MissedGroup], path: Path, generated: datetime) -> None:
    lines = [
        "# Conversation review",
        "",
        f"{headline(summary)} Generated {generated:%Y-%m-%d %H:%M} UTC by `make review`.",
        "",
        "Phone numbers, e-mail addresses, dates and names are masked; no sender id is shown; no message "
        "from an urgent conversation is quoted.",
        "",
    ]
    for title, header, rows, note in report_sections(summary, groups):
        lines += [f"## {title}", ""]
        lines += markdown_table(header, rows) if rows else ["(none)"]
        lines += ["", note, ""] if note else [""]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def charts(summary: Summary) -> Dict[str, str]:
    """Title -> base64 PNG: conversations per day, per channel, escalations per decision per day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    images = {}
    if summary.per_day:
        figure, axes = plt.subplots(figsize=(8, 3))
        axes.bar([d.isoformat() for d in summary.per_day], list(summary.per_day.values()), color="#3b6ea5")
        axes.set_ylabel("conversations")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="x", rotation=45)
        images["Conversations per day"] = _png(figure)
        plt.close(figure)
    if summary.per_channel:
        figure, axes = plt.subplots(figsize=(6, 3))
        axes.barh(list(summary.per_channel), list(summary.per_channel.values()), color="#3b6ea5")
        axes.set_xlabel("conversations")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        images["Conversations per channel"] = _png(figure)
        plt.close(figure)
    if summary.escalations:
        columns = [
            c for c in escalation_columns(summary) if any(counts.get(c) for counts in summary.escalations.values())
        ]
        days = [d.isoformat() for d in summary.escalations]
        figure, axes = plt.subplots(figsize=(8, 3.5))
        bottom = [0] * len(days)
        for column in columns:
            values = [counts.get(column, 0) for counts in summary.escalations.values()]
            axes.bar(days, values, bottom=bottom, label=column)
            bottom = [b + v for b, v in zip(bottom, values, strict=False)]
        axes.set_ylabel("escalations")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(axis="x", rotation=45)
        axes.legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
        images["Escalations per decision per day"] = _png(figure)
        plt.close(figure)
    return images


def write_html(summary: Summary, groups: Sequence[MissedGroup], path: Path, generated: datetime) -> None:
    images = charts(summary)
    escape = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Conversation review</title>',
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style></head><body>",
        "<h1>Conversation review</h1>",
        f"<p>{escape(headline(summary))} Generated {generated:%Y-%m-%d %H:%M} UTC by <code>make review</code>.</p>",
        "<p>Phone numbers, e-mail addresses, dates and names are masked; no sender id is shown; no message "
        "from an urgent conversation is quoted.</p>",
    ]
    for title, header, rows, note in report_sections(summary, groups):
        parts.append(f"<h2>{escape(title)}</h2>")
        if title in images:
            parts.append(f'<img alt="{escape(title)}" src="data:image/png;base64,{images[title]}">')
        if rows:
            parts.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows]
            parts.append("</table>")
        else:
            parts.append("<p>(none)</p>")
        if note:
            parts.append(f"<p>{escape(note)}</p>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def write_report(
    summary: Summary, groups: Sequence[MissedGroup], directory: Path, generated: Optional[datetime] = None
) -> Tuple[Path, Path]:
    generated = generated or datetime.now(timezone.utc)
    directory.mkdir(parents=True, exist_ok=True)
    markdown, page = directory / "report.md", directory / "report.html"
    write_markdown(summary, groups, markdown, generated)
    write_html(summary, groups, page, generated)
    return markdown, page

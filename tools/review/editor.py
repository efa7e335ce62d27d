"""The editor's pass over the missed messages, in a terminal: each message (masked) is assigned to an
intent, to "not covered" (ask_not_covered) or ignored.

The prompts are questionary's (prompt_toolkit underneath), behind a small interface so that a test
drives the same code with prompt_toolkit's pipe input. A message from an urgent conversation is
never taken into training data on the first choice: a separate confirm, "no" by default, asks for it.
"""

from __future__ import annotations

from typing import List, Optional, Protocol, Sequence, Tuple

from rich.console import Console

from content.conversations import NOT_COVERED_INTENT
from content.missed import NO_INTENT, MissedGroup

IGNORE = "ignore"
NOT_COVERED_CHOICE = f"not covered ({NOT_COVERED_INTENT})"
ANOTHER_INTENT = "another intent..."
STOP = "stop reviewing (keep the choices so far)"


class Prompts(Protocol):
    def select(self, message: str, choices: Sequence[str], default: str) -> Optional[str]: ...

    def autocomplete(self, message: str, choices: Sequence[str]) -> Optional[str]: ...

    def confirm(self, message: str) -> Optional[bool]: ...


class QuestionaryPrompts:
    """questionary's prompts; None when the editor presses Ctrl-C."""

    def select(self, message: str, choices: Sequence[str], default: str) -> Optional[str]:
        import questionary

        return questionary.select(message, choices=list(choices), default=default).ask()

    def autocomplete(self, message: str, choices: Sequence[str]) -> Optional[str]:
        import questionary

        return questionary.autocomplete(message, choices=list(choices), validate=lambda v: v in choices).ask()

    def confirm(self, message: str) -> Optional[bool]:
        import questionary

        return questionary.confirm(message, default=False).ask()


def choices_for(likely: str, intents: Sequence[str]) -> List[str]:
    first = [likely] if likely in intents and likely != NOT_COVERED_INTENT else []
    return [*first, NOT_COVERED_CHOICE, IGNORE, ANOTHER_INTENT, STOP]


def review(
    groups: Sequence[MissedGroup], intents: Sequence[str], prompts: Prompts, console: Console
) -> Optional[List[Tuple[str, str, str]]]:
    """(masked text, intent, language) for every message the editor assigned, in order; None when
    the editor cancelled (Ctrl-C), so that nothing is written."""
    chosen: List[Tuple[str, str, str]] = []
    total = sum(len(g.messages) for g in groups)
    position = 0
    for group in groups:
        for missed in group.messages:
            position += 1
            console.print(
                f"\n[bold]{position}/{total}[/bold] likely intent [cyan]{group.intent}[/cyan], "
                f"written {missed.count} time(s), {', '.join(missed.kinds)}; reply: {'; '.join(missed.replies)}"
                + ("\n[bold red]from an urgent conversation[/bold red]" if missed.urgent else "")
            )
            choices = choices_for(missed.likely_intent, intents)
            default = IGNORE if missed.urgent or missed.likely_intent == NO_INTENT else choices[0]
            answer = prompts.select(f"{missed.text}  ->", choices, default)
            if answer == ANOTHER_INTENT:
                answer = prompts.autocomplete("intent (Tab lists them):", intents)
            if answer is None:
                return None
            if answer == STOP:
                return chosen
            if answer == IGNORE:
                continue
            intent = NOT_COVERED_INTENT if answer == NOT_COVERED_CHOICE else answer
            if missed.urgent:
                confirmed = prompts.confirm(
                    f"This message is from an urgent conversation. Copy it into the training examples of {intent}?"
                )
                if confirmed is None:
                    return None
                if not confirmed:
                    continue
            chosen.append((missed.text, intent, missed.language))
    return chosen

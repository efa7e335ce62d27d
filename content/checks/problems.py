"""One problem or warning of the content, as the editor reads it: `file:line: what is wrong. Fix: what to do.`"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {kind}{self.message}. Fix: {self.fix}"


def warning(file: str, line: int, message: str, fix: str) -> Problem:
    return Problem(file, line, message, fix, warning=True)

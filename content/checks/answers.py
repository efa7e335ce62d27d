"""The answers of data/responses/, each variation (English, or its Spanish twin) with its file, line,
text, metadata and language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from content.checks.files import Project, line_of
from content.checks.problems import Problem

SOURCE_LABEL = {"en": "Source:", "es": "Fuente:"}


@dataclass
class Answer:
    name: str
    file: str
    line: int
    text: str
    metadata: dict
    language: str
    file_name: str = ""

    @property
    def where(self) -> Tuple[str, int]:
        return self.file, self.line

    @property
    def label(self) -> str:
        return self.name if self.language == "en" else f"{self.name} (Spanish)"


def variation_language(variation) -> Tuple[str, Optional[str]]:
    """The variation's language and, when its condition and metadata disagree, what is wrong."""
    conditions = variation.get("condition") or []
    slot = next((str(c.get("value")) for c in conditions if isinstance(c, dict) and c.get("name") == "language"), None)
    metadata = variation.get("metadata") or {}
    declared = metadata.get("language") if isinstance(metadata, dict) else None
    language = slot or (str(declared) if declared else "en")
    if slot and declared and str(declared) != slot:
        return language, f"condition says language {slot}, metadata says language {declared}"
    if slot == "es" and not declared:
        return language, "Spanish variation without 'language: es' under metadata"
    if declared == "es" and not slot:
        return language, "metadata says language es, but there is no condition on the language slot"
    return language, None


def load_answers(project: Project) -> Tuple[List[Answer], List[Problem]]:
    answers, problems = [], []
    for path in project.files("data/responses/*.yml"):
        responses = project.mapping(path).get("responses") or {}
        if not isinstance(responses, dict):
            continue
        for name, variations in responses.items():
            for variation in variations if isinstance(variations, list) else []:
                if not isinstance(variation, dict):
                    continue
                language, wrong = variation_language(variation)
                metadata: Dict[str, Any] = variation["metadata"] if isinstance(variation.get("metadata"), dict) else {}
                answer = Answer(
                    str(name),
                    project.rel(path),
                    line_of(variation),
                    str(variation.get("text") or ""),
                    metadata,
                    language,
                    path.name,
                )
                if wrong:
                    problems.append(
                        Problem(
                            *answer.where,
                            f"{name}: {wrong}",
                            "write the Spanish variation as in CONTENT.md: a condition on the language "
                            "slot (value es) and 'language: es' under metadata",
                        )
                    )
                answers.append(answer)
    return answers, problems


def body(text: str, language: str) -> str:
    """The text without its Source (Fuente) line."""
    label = SOURCE_LABEL[language]
    return "\n".join(line for line in text.splitlines() if not line.startswith(label)).strip()

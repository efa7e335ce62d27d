"""The assistant's whole domain as Rasa trains it: domain.yml plus the responses in data/responses/.

Rasa merges the `responses:` of files under data/ into the domain when it trains and validates;
tools and tests that need the domain outside a trained model load it the same way here.
"""

from __future__ import annotations

from pathlib import Path

from rasa.shared.core.domain import Domain

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_FILE = ROOT / "domain.yml"
RESPONSES = ROOT / "data" / "responses"


def load_domain(root: Path = ROOT) -> Domain:
    return Domain.load([str(root / "domain.yml"), str(root / "data" / "responses")])

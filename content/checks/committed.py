"""The content files as of the last commit (git), for the checks that compare with it. Without git, or
outside a repository, each helper answers None and those checks compare nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional, Set

from ruamel.yaml import YAML

from content.checks.files import examples_of, normalise


def at_head(root: Path, rel: str) -> Optional[str]:
    """The file as of the last commit, or None (no git, not a repository, a new file)."""
    try:
        shown = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:./{rel}"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return shown.stdout if shown.returncode == 0 else None


def committed_keys(root: Path, folder: str) -> Optional[Set[str]]:
    """The normalised examples of folder's files as of the last commit, or None without git."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-tree", "-r", "--name-only", "HEAD", "--", folder],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    keys: Set[str] = set()
    for rel in listed.stdout.split():
        doc = yaml_of(at_head(root, rel)) if rel.endswith(".yml") else None
        for block in (doc.get("nlu") or []) if isinstance(doc, dict) else []:
            if isinstance(block, dict) and "intent" in block:
                keys.update(normalise(sentence) for sentence in examples_of(block))
    return keys


def yaml_of(text: Optional[str]):
    if text is None:
        return None
    try:
        return YAML(typ="safe").load(text) or {}
    except Exception:  # the last commit's file is not the editor's to fix: compare nothing
        return None

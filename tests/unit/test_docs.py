"""The README and docs/ point only at things that exist.

A newcomer follows the README's links and copies its paths; a page that names a file that was
moved or renamed sends them nowhere. Checked: every relative link (and its #anchor) in README.md
and docs/*.md, every repository path written in backticks there, and every path in the README's
layout table.
"""

import glob
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))

# Made by `make run`, `make test`, `make evaluate` or `make bench`, so absent from a fresh clone
# (see .gitignore): a path under one of these may be named before it exists.
GENERATED = (
    ".venv/",
    "build/",
    "models/",
    "results/",
    "run/",
    "node_modules/",
    "webchat/node_modules/",
    "webchat/public/vendor/",
    "tests/artifacts/",
)
# Generated files named without their folder.
GENERATED_NAMES = {"socket.io.min.js"}
# Other projects' files the pages talk about (docs/understanding.md: medspaCy's setup.py).
OTHER_PROJECTS_FILES = {"setup.py"}
FILE_SUFFIXES = (".py", ".yml", ".yaml", ".md", ".sh", ".json", ".jsonl", ".js", ".css", ".html",
                 ".conf", ".lock", ".in", ".txt", ".png", ".example", ".ini", ".cfg", ".gz")

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _prose(page: Path) -> str:
    """The page without its fenced code blocks (shell examples are not references)."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set:
    headings = re.findall(r"^#{1,6} (.+)$", _prose(page), re.MULTILINE)
    return {_anchor(heading) for heading in headings}


def _top_level_names() -> set:
    return {path.name for path in ROOT.iterdir()} | {".venv"}


def _file_names() -> set:
    names = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in {".git", ".venv", "node_modules"}]
        names.update(files)
    return names


def _repository_paths(page: Path):
    """Words in backticks that name a file or folder of this repository."""
    top_level = _top_level_names()
    tracked_names = _file_names()
    for span in CODE_SPAN.findall(_prose(page)):
        for word in span.split():
            word = word.strip(",;:()\"'")
            if "://" in word or word.startswith(("/", "-", "$", "{")) or "=" in word:
                continue
            if "/" in word:
                if word.split("/")[0] in top_level:
                    yield word, "path"
            elif word.endswith(FILE_SUFFIXES) and re.fullmatch(r"[\w.\-]+", word):
                yield word, "name" if word not in tracked_names else "found"


def _exists(path: str) -> bool:
    # `data/nlu/<topic>.yml` and `deploy/*-serve.sh` stand for several files: one must exist.
    pattern = re.sub(r"<[^>]+>", "*", path).replace("…", "*")
    if any(ch in pattern for ch in "*?["):
        return bool(glob.glob(str(ROOT / pattern)))
    return (ROOT / path).exists()


def test_there_are_pages_to_check():
    assert (ROOT / "README.md") in PAGES and len(PAGES) > 5


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_relative_links_lead_somewhere(page):
    broken = []
    for target in LINK.findall(_prose(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (page.parent / file_part).resolve() if file_part else page
        if not destination.exists():
            broken.append(f"{target}: no file {destination.relative_to(ROOT)}")
        elif anchor and destination.suffix == ".md" and anchor not in _anchors(destination):
            broken.append(f"{target}: no heading '#{anchor}' in {destination.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)} has broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_backticked_paths_exist(page):
    missing = []
    for word, kind in _repository_paths(page):
        if kind == "found":
            continue
        if kind == "name":
            if word not in GENERATED_NAMES | OTHER_PROJECTS_FILES and not (ROOT / word).exists():
                missing.append(f"`{word}`: no file of that name in the repository")
            continue
        if _exists(word) or word.startswith(GENERATED):
            continue
        missing.append(f"`{word}`: not in the repository")
    assert not missing, (f"{page.relative_to(ROOT)} names paths that do not exist "
                         "(fix the path, or the text):\n" + "\n".join(missing))


def _layout_table_paths():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## Layout' section"
    rows = [line for line in section.group(1).splitlines() if line.startswith("| `")]
    return [path for row in rows for path in CODE_SPAN.findall(row.split("|")[1])]


def test_layout_table_matches_the_tree():
    paths = _layout_table_paths()
    assert len(paths) > 10
    missing = [path for path in paths if not _exists(path)]
    assert not missing, f"README.md's layout table names paths that do not exist: {missing}"


def test_every_top_level_folder_is_in_the_layout_table():
    listed = {path.split("/")[0] for path in _layout_table_paths()}
    folders = {path.name for path in ROOT.iterdir() if path.is_dir() and not path.name.startswith(".")
               and path.name + "/" not in GENERATED and path.name not in {"__pycache__"}}
    unlisted = sorted(folders - listed)
    assert not unlisted, f"README.md's layout table does not say what these folders are: {unlisted}"

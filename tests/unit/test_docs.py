"""The README, docs/ and the code's comments point only at things that exist.

A newcomer follows the README's links and copies its paths; a page that names a file that was
moved or renamed sends them nowhere. Checked: every relative link (and its #anchor) in README.md
and docs/*.md, every repository path written in backticks there, and every path in the README's
layout table. In the comments and docstrings of the code (.py, .yml, .yaml, .sh, the Makefile):
every repository path, every section of a page named in quotes (README "Layout", CONTENT.md
"Review loop"), every docs anchor (docs/production.md#metrics), and no issue number of a tracker
that is not in the repository. And the intent catalogue, docs/intents.md, against the domain
(tools/check_docs.py).
"""

import ast
import glob
import io
import os
import re
import shutil
import subprocess
import tokenize
from pathlib import Path

import pytest

from tools import check_docs

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
    "studio/static/vendor/",
    "studio/node_modules/",
)
# Generated files named without their folder.
GENERATED_NAMES = {"socket.io.min.js"}
# Other projects' files the pages talk about (docs/understanding.md: medspaCy's setup.py).
OTHER_PROJECTS_FILES = {"setup.py"}
FILE_SUFFIXES = (
    ".py",
    ".yml",
    ".yaml",
    ".md",
    ".sh",
    ".json",
    ".jsonl",
    ".js",
    ".css",
    ".html",
    ".conf",
    ".lock",
    ".in",
    ".txt",
    ".png",
    ".example",
    ".ini",
    ".cfg",
    ".gz",
)

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
    for _folder, subfolders, files in os.walk(ROOT):
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
    assert not missing, (
        f"{page.relative_to(ROOT)} names paths that do not exist " "(fix the path, or the text):\n" + "\n".join(missing)
    )


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
    folders = {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir()
        and not path.name.startswith(".")
        and path.name + "/" not in GENERATED
        and path.name not in {"__pycache__"}
    }
    unlisted = sorted(folders - listed)
    assert not unlisted, f"README.md's layout table does not say what these folders are: {unlisted}"


# --- the code's comments and docstrings --------------------------------------------------------------

# Training examples (their comments say where a batch of examples came from) are data, not code:
# their paths and sections are checked, not their history. The blind sets are frozen, never edited.
DATA_NOTES = ("data/nlu/",)
FROZEN = ("tests/blind/",)
COMMENT_PATH = re.compile(r"(?<![\w./-])((?:[\w.-]+/)+[\w.*<>-]*)(#[\w-]+)?")
SECTION = re.compile(r"""(README|[\w/.-]+\.md)(?:'s)? ["“]([^"”]+)["”]""")
# words that look like paths and are not: the studio's publishing branch
NOT_PATHS = {"content/studio"}
ISSUE_NUMBER = re.compile(r"\bissues? \d+|\(#\d+\)", re.IGNORECASE)


def _code_files():
    """The code's files, from the tree (a copy without its git history is checked the same way)."""
    names = []
    for folder, subfolders, files in os.walk(ROOT):
        relative = Path(folder).relative_to(ROOT)
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith(".")
            and name != "__pycache__"
            and f"{relative / name}/".lstrip("./") not in GENERATED
            and name != "node_modules"
        ]
        for file in files:
            name = str(relative / file) if str(relative) != "." else file
            if (file == "Makefile" or file.endswith((".py", ".yml", ".yaml", ".sh"))) and not name.startswith(FROZEN):
                names.append(name)
    return sorted(names)


def _comments(name: str):
    """(line, text) of each comment and docstring of a code file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    if not name.endswith(".py"):
        for number, line in enumerate(text.splitlines(), 1):
            found = re.search(r"(?:^|\s)#(.*)$", line)
            if found:
                yield number, found.group(1)
        return
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield node.body[0].lineno, docstring


def _headings(page: Path) -> list:
    return [heading.strip() for heading in re.findall(r"^#{1,6} (.+)$", _prose(page), re.MULTILINE)]


def _has_section(page: Path, title: str) -> bool:
    """A heading that is the title, or starts with it ("Review loop: learn from real conversations")."""
    return any(heading == title or re.match(re.escape(title) + r"[:( ]", heading) for heading in _headings(page))


def _comment_problems(name: str, comments=None):
    top_level = _top_level_names()
    for line, text in _comments(name) if comments is None else comments:
        where = f"{name}:{line}"
        for found in COMMENT_PATH.finditer(text):
            path, anchor = found.group(1).rstrip(".,:;)"), found.group(2)
            if (
                path.split("/")[0] not in top_level
                or (path.rstrip("/") + "/").startswith(GENERATED)
                or path in NOT_PATHS
            ):
                continue
            if not _exists(path):
                yield f"{where}: {path} is not in the repository"
            elif anchor and path.endswith(".md") and anchor[1:] not in _anchors(ROOT / path):
                yield f"{where}: {path} has no heading for {anchor}"
        for page, title in SECTION.findall(text):
            path = ROOT / ("README.md" if page == "README" else page)
            if not path.exists():
                yield f"{where}: {page} is not in the repository"
            elif not _has_section(path, title):
                yield f'{where}: {page} has no section "{title}"'
        if not name.startswith(DATA_NOTES):
            for found in ISSUE_NUMBER.finditer(text):
                yield f"{where}: '{found.group(0)}' names an issue of a tracker that is not in the repository"


def test_comments_and_docstrings_point_at_what_exists():
    problems = [problem for name in _code_files() for problem in _comment_problems(name)]
    assert not problems, (
        "comments that point nowhere (say what the code does and why, and name the page or path that "
        "exists):\n" + "\n".join(problems)
    )


def test_a_comment_pointing_nowhere_is_found():
    comments = [
        (3, '# see README "No such section" and docs/production.md#metrics (issue 7)'),
        (4, "# docs/production.md#no-such-heading, tools/no_such_tool.py"),
    ]
    assert list(_comment_problems("tools/example.py", comments)) == [
        'tools/example.py:3: README has no section "No such section"',
        "tools/example.py:3: 'issue 7' names an issue of a tracker that is not in the repository",
        "tools/example.py:4: docs/production.md has no heading for #no-such-heading",
        "tools/example.py:4: tools/no_such_tool.py is not in the repository",
    ]


# The intent catalogue against the domain (tools/check_docs.py, run by `make validate`).


@pytest.fixture
def project(tmp_path):
    shutil.copy(ROOT / "domain.yml", tmp_path)
    shutil.copytree(ROOT / "data" / "nlu", tmp_path / "data" / "nlu")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs/intents.md", tmp_path / "docs")
    return tmp_path


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_catalogue_matches_the_domain():
    assert check_docs.check_catalogue(ROOT) == []


def test_an_intent_missing_from_the_catalogue_is_named_with_its_domain_line(project, capsys):
    _edit(project / "docs/intents.md", "| chitchat | thank | thanks, that helped | utter_thank |\n", "")
    assert check_docs.main([str(project)]) == 1
    output = capsys.readouterr().out
    line = 1 + (project / "domain.yml").read_text().splitlines().index("  - thank")
    assert f"domain.yml:{line}: intent thank is not in docs/intents.md. Fix: add a row '| chitchat | thank |" in output


def test_a_catalogue_row_for_an_intent_the_domain_lacks_is_named(project):
    _edit(project / "domain.yml", "  - ask_take_temperature\n", "")
    [problem] = check_docs.check_catalogue(project)
    assert problem.startswith("docs/intents.md:")
    assert "intent ask_take_temperature is not declared in domain.yml" in problem


def test_a_row_under_the_wrong_topic_file_is_named(project):
    _edit(project / "docs/intents.md", "| basics | ask_anc |", "| diagnosis | ask_anc |")
    [problem] = check_docs.check_catalogue(project)
    assert "ask_anc is listed under topic file 'diagnosis' but its examples are in data/nlu/basics.yml" in problem


def test_a_missing_catalogue_is_reported(project):
    (project / "docs/intents.md").unlink()
    assert check_docs.check_catalogue(project) == [
        "docs/intents.md:1: the intent catalogue is missing. Fix: restore docs/intents.md"
    ]


def test_make_help_lists_every_target_run_and_test_first():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split()
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "help"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert shown[0].startswith("make run ") and shown[1].startswith("make test ")
    described = {
        line.split()[1] if line.startswith("make ") else line.split()[0]
        for line in shown
        if line.startswith(("make ", "  "))
    }
    undescribed = sorted(set(targets) - described)
    assert not undescribed, f"`make help` has no line for these targets: {undescribed}"

"""The content's git repository, through plain `git`: what is published, a work tree per person, and a
publish as one commit on the publish branch.

The content the studio shows and edits is the publish branch's (STUDIO_PUBLISH_BRANCH), or the base
branch's once the publish branch has been merged into it (or before it exists). Nothing is ever
edited in the repository's own working tree: each person's changes are applied in a work tree of
their own under STUDIO_STATE_DIR/worktrees/ (`git worktree add --detach`), checked there, trained on
there, and committed from there. The branch is then moved to the new commit only if nobody
published in between (`git update-ref` with the old value): two publishes never overwrite each
other. The git history is the audit log: the author is the person who made the change, the
committer the one who published it, and the message lists the sign-offs.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from content.yaml_files import CONTENT_PATHS

# the pathspecs git may add, diff and clean: the content files only
CONTENT_PATHSPECS = [f":(glob){pattern}" for pattern in CONTENT_PATHS]
ZERO = "0" * 40
SAFE_NAME = re.compile(r"[^a-z0-9._-]")


class GitError(RuntimeError):
    """A git command failed: the message says which and why, for the person and the log."""


@dataclass(frozen=True)
class Person:
    name: str
    email: str


class Repository:
    def __init__(
        self, repo: Path, state: Path, publish_branch: str, base_branch: str, push_remote: Optional[str] = None
    ):
        self.repo, self.state = repo, state
        self.publish_branch, self.base_branch, self.push_remote = publish_branch, base_branch, push_remote
        self._locks: Dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def git(self, *args: str, cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> str:
        done = subprocess.run(
            ["git", "-C", str(cwd or self.repo), *args],
            capture_output=True,
            text=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
            timeout=120,
        )
        if done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        return done.stdout

    def lock(self, name: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(name, threading.Lock())

    # --- where the content is -----------------------------------------------------------------

    def branch_tip(self, branch: str) -> Optional[str]:
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}").strip() or None
        except GitError:
            return None

    def is_ancestor(self, older: str, newer: str) -> bool:
        done = subprocess.run(["git", "-C", str(self.repo), "merge-base", "--is-ancestor", older, newer])
        return done.returncode == 0

    def content_tip(self) -> str:
        """The commit whose content the studio shows: the publish branch, unless the base branch
        already holds all of it (merged), then the base branch."""
        base = self.branch_tip(self.base_branch) or self.git("rev-parse", "HEAD").strip()
        published = self.branch_tip(self.publish_branch)
        if published and not self.is_ancestor(published, base):
            return published
        return base

    def checked_out_at(self, branch: str) -> Optional[Path]:
        """The work tree that has `branch` checked out, if any."""
        path = None
        for line in self.git("worktree", "list", "--porcelain").splitlines():
            if line.startswith("worktree "):
                path = Path(line[len("worktree ") :])
            elif line == f"branch refs/heads/{branch}" and path is not None:
                return path
        return None

    # --- work trees ---------------------------------------------------------------------------

    def worktree_path(self, name: str) -> Path:
        return self.state / "worktrees" / SAFE_NAME.sub("_", name.lower())

    def worktree(self, name: str, tip: Optional[str] = None) -> Path:
        """The work tree `name` (a person's, or "published"), at the content tip, content files
        exactly as committed there. The caller holds self.lock(name)."""
        tip = tip or self.content_tip()
        path = self.worktree_path(name)
        if not (path / ".git").exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self.git("worktree", "prune")
            self.git("worktree", "add", "--detach", "--force", str(path), tip)
        else:
            self.git("checkout", "--quiet", "--detach", "--force", tip, cwd=path)
            self.git("clean", "-fdq", "--", *CONTENT_PATHSPECS, cwd=path)
        return path

    def diff(self, path: Path) -> str:
        """The unified diff of the work tree's content files against its commit (new files included)."""
        self.git("add", "--intent-to-add", "--", *CONTENT_PATHSPECS, cwd=path)
        return self.git("diff", "--no-color", "--no-ext-diff", "HEAD", "--", *CONTENT_PATHSPECS, cwd=path)

    def changed_files(self, path: Path) -> List[str]:
        self.git("add", "--intent-to-add", "--", *CONTENT_PATHSPECS, cwd=path)
        return self.git("diff", "--name-only", "HEAD", "--", *CONTENT_PATHSPECS, cwd=path).split()

    # --- publishing ---------------------------------------------------------------------------

    def publish(self, path: Path, message: str, author: Person, committer: Person) -> str:
        """Commits the work tree's content files (parent: the content tip it was made from) and moves
        the publish branch to the commit, if nobody published since; returns the commit."""
        branch = self.publish_branch
        elsewhere = self.checked_out_at(branch)
        if elsewhere is not None:
            raise GitError(
                f"the publish branch {branch} is checked out in {elsewhere}: a commit there would leave its "
                f"files behind. Publish to a branch nobody has checked out (STUDIO_PUBLISH_BRANCH), or run "
                f"the studio on a clone of its own (deploy/README.md)."
            )
        parent = self.git("rev-parse", "HEAD", cwd=path).strip()
        before = self.branch_tip(branch)
        if before and before != parent and not self.is_ancestor(before, parent):
            raise GitError(
                f"{branch} changed while you were reviewing (someone published): open the change again to "
                f"see it on the newest content, then publish."
            )
        self.git("add", "--", *CONTENT_PATHSPECS, cwd=path)
        if not self.git("diff", "--cached", "--name-only", cwd=path).strip():
            raise GitError("there is nothing to publish: the change is already in the published content")
        people = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
        }
        self._commit(path, message, people)
        commit = self.git("rev-parse", "HEAD", cwd=path).strip()
        self.git("update-ref", "-m", "studio: publish", f"refs/heads/{branch}", commit, before or ZERO)
        return commit

    def push(self) -> Optional[str]:
        """Pushes the publish branch to STUDIO_PUSH_REMOTE (if set), where a developer or the CI merges
        it; returns what went wrong, in a sentence, or None. The commit is published either way."""
        if not self.push_remote:
            return None
        branch = f"refs/heads/{self.publish_branch}"
        try:
            self.git("push", "--quiet", self.push_remote, f"{branch}:{branch}")
        except GitError as error:
            return (
                f"pushing {self.publish_branch} to {self.push_remote} failed ({error}); the commit is kept here: "
                f"ask the studio's administrator to push it"
            )
        return None

    def _commit(self, path: Path, message: str, people: Dict[str, str]) -> None:
        done = subprocess.run(
            ["git", "-C", str(path), "-c", "commit.gpgsign=false", "commit", "--quiet", "--file", "-"],
            input=message,
            capture_output=True,
            text=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **people},
            timeout=120,
        )
        if done.returncode != 0:
            raise GitError(f"git commit failed: {(done.stderr or done.stdout).strip()[-400:]}")

    def log(self, limit: int = 20) -> List[Dict[str, str]]:
        """The publish branch's newest commits: the audit log the page shows."""
        tip = self.branch_tip(self.publish_branch)
        if not tip:
            return []
        fields = "%H%x1f%an%x1f%cn%x1f%cI%x1f%s"
        out = self.git("log", f"-{limit}", f"--format={fields}", tip, "--", *CONTENT_PATHSPECS)
        keys = ("commit", "author", "committer", "date", "subject")
        return [dict(zip(keys, line.split("\x1f"), strict=False)) for line in out.splitlines() if line]


def commit_message(subject: str, lines: Sequence[str], trailers: Sequence[str]) -> str:
    body = "\n".join(f"- {line}" for line in lines)
    return f"{subject}\n\n{body}\n\n" + "\n".join(trailers) + "\n"

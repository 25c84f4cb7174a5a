"""Which submissions a pull request changes: `git diff` from the merge base, mapped to students."""
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.core.errors import ConfigError
from grader.intake.discover import ROSTER


class CIConfigError(ConfigError):
    """The repository or its set-up cannot be graded (exit 2); a student's bad work never is one."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=root, capture_output=True,
                              encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise CIConfigError("git is not installed") from None


def git(root: Path, *args: str) -> str:
    proc = _git(root, *args)
    if proc.returncode:
        raise CIConfigError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def repo_root(cwd: Path) -> Path:
    proc = _git(cwd, "rev-parse", "--show-toplevel")
    if proc.returncode:
        raise CIConfigError(f"{cwd} is not inside a git repository: run grader ci in a checkout of the "
                            "course repository")
    return Path(proc.stdout.strip())


def base_ref(root: Path, explicit: str | None) -> str:
    """--base, else the pull request's target branch as GitHub names it, else origin/main or main."""
    if explicit:
        candidates = [explicit]
    elif os.environ.get("GITHUB_BASE_REF"):
        candidates = [f"origin/{os.environ['GITHUB_BASE_REF']}"]
    else:
        candidates = ["origin/main", "main"]
    for ref in candidates:
        if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0:
            return ref
    raise CIConfigError(f"cannot find the base branch {' or '.join(candidates)}: pass --base REF "
                        "(in GitHub Actions, check out with fetch-depth: 0)")


def require_history(root: Path) -> None:
    """A shallow checkout may lack the commit where the pull request left its base branch, and then
    the diff (what the pull request changes) cannot be told."""
    if git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise CIConfigError("the checkout is shallow (fetched with a depth): grader ci needs the history back "
                            "to where the pull request left its base branch; in GitHub Actions, check out with "
                            "fetch-depth: 0")


def changed_paths(root: Path, base: str) -> list[str]:
    """Paths the branch changed since it left `base` (what the pull request shows, not what base did since)."""
    proc = _git(root, "merge-base", base, "HEAD")
    if proc.returncode:
        raise CIConfigError(f"{base} and HEAD have no common commit (a shallow clone? in GitHub Actions, "
                            "check out with fetch-depth: 0)")
    diff = git(root, "diff", "--name-only", "--no-renames", "-z", f"{proc.stdout.strip()}..HEAD")
    return [p for p in diff.split("\0") if p]


def submissions_dir(root: Path, folder: str) -> PurePosixPath:
    """The class folder as a repository path (`--submissions` is relative to the repository root)."""
    path = (root / folder).resolve()
    if not path.is_relative_to(root.resolve()):
        raise CIConfigError(f"--submissions {folder} is outside the repository {root}")
    return PurePosixPath(path.relative_to(root.resolve()).as_posix())


@dataclass(frozen=True, order=True)
class Change:
    """One student's hand-in touched by the pull request: SUBMISSIONS/<assignment>/<entry>."""

    assignment: str
    entry: str  # the student's folder, or their .ipynb / .zip


def changed_submissions(paths: list[str], submissions: PurePosixPath) -> list[Change]:
    """Map changed paths to hand-ins, with the same rules as `grader run` (dot/underscore names and the
    roster are not submissions)."""
    prefix, found = submissions.parts, set()
    for path in paths:
        parts = PurePosixPath(path).parts
        if parts[:len(prefix)] != prefix or len(parts) < len(prefix) + 2:
            continue
        assignment, entry = parts[len(prefix):len(prefix) + 2]
        if assignment.startswith((".", "_")) or entry.startswith((".", "_")) or entry == ROSTER:
            continue
        if len(parts) == len(prefix) + 2 and PurePosixPath(entry).suffix not in (".ipynb", ".zip"):
            continue
        found.add(Change(assignment, entry))
    return sorted(found)


def stage(class_dir: Path, entries: list[str], into: Path, roster: bytes | None) -> list[tuple[str, str]]:
    """Copy just these hand-ins into `into`, with the base branch's roster (for names), so `grader run`
    grades only them.

    Returns the entries not staged, with why: `removed` by the pull request, or a `symlink` (it could
    point anywhere on the runner; links inside a student's folder are judged by intake as usual)."""
    into.mkdir(parents=True)
    skipped = []
    for entry in entries:
        src = class_dir / entry
        if src.is_symlink():
            skipped.append((entry, "symlink"))
        elif not src.exists():
            skipped.append((entry, "removed"))
        elif src.is_dir():
            shutil.copytree(src, into / entry, symlinks=True)
        else:
            shutil.copy2(src, into / entry)
    if roster is not None:
        (into / ROSTER).write_bytes(roster)
    return skipped

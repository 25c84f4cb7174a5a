"""The rules a pull request is graded by, every one read from the base commit: the rubric, the reference
code it names, grader.yaml (the data folder) and the roster.

The pull request's checkout supplies only the student's hand-in. `grader ci` also refuses a pull
request that changes anything else (`grader.apps.ci.scope`); reading the rules from the base as well means
that even a checkout that differs from the base outside the hand-in (a branch behind its base, files a
workflow step wrote) cannot change how the hand-in is graded.

The base's rules make the grading run's `Course`: its folder is the scratch copy of the base
commit (rubric, grader.yaml) and its reference package the copy taken from the base; never the
checkout, never `--course`, and of the environment only `GRADER_DATA` (the runner's data folder)."""
import contextlib
import dataclasses
import importlib
import importlib.util
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from collections.abc import Iterator

import yaml

from grader.apps.ci.changes import CIConfigError, git
from grader.apps.ci.visibility import show_expected
from grader.core.settings import ENV_DATA, Course, bundled_root
from grader.intake.discover import ROSTER
from grader.models.datasets import CONFIG_FILE
from grader.references import forget, use
from grader.rubric import Rubric, RubricError
from grader.checks import check_references, load_rubric


class BaseRules:
    """The base commit's rules, written to a scratch folder that is the grading run's working
    directory (its grader.yaml is the one `grader.models.datasets` reads)."""

    def __init__(self, root: Path, base: str, submissions: PurePosixPath, scratch: Path):
        self.root, self.base, self.submissions, self.scratch = root, base, submissions, scratch
        self.commit = git(root, "rev-parse", "--verify", f"{base}^{{commit}}").strip()
        self.dir = scratch / "rules"
        self.dir.mkdir()
        self._code_top: str | None = None  # the reference package's top-level name, once taken from the base
        self.show_expected = False  # grader.yaml's ci: {show_expected: true} shows reference values
        self._write_config()
        self.course = Course.load(self.dir, env={ENV_DATA: os.environ[ENV_DATA]} if os.environ.get(ENV_DATA) else {})

    def _blob(self, path: str) -> bytes | None:
        """The file at `path` in the base commit; None where it has none."""
        proc = subprocess.run(["git", "cat-file", "blob", f"{self.commit}:{path}"], cwd=self.root,
                              capture_output=True)
        return proc.stdout if proc.returncode == 0 else None

    def _names(self, folder: str = "") -> list[str]:
        """The entries of a folder of the base commit (its top level by default)."""
        listing = git(self.root, "ls-tree", "-z", "--name-only", self.commit, *(["--", f"{folder}/"] if folder else []))
        return [PurePosixPath(p).name for p in listing.split("\0") if p]

    def _write_config(self) -> None:
        """The base's grader.yaml, with `data_dir` made absolute: a relative one means the folder in the
        repository, as `grader run` in the checkout would read it."""
        text = self._blob(CONFIG_FILE)
        if text is None:
            return
        try:
            config = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise CIConfigError(f"{self.base}:{CONFIG_FILE} cannot be read: {exc}") from None
        if not isinstance(config, dict):
            raise CIConfigError(f"{self.base}:{CONFIG_FILE} is not a mapping of settings")
        if config.get("data_dir"):
            config["data_dir"] = str((self.root / str(config["data_dir"])).resolve())
        self.show_expected = show_expected(config, f"{self.base}:{CONFIG_FILE}")
        (self.dir / CONFIG_FILE).write_text(yaml.safe_dump(config), encoding="utf-8")

    def roster(self, assignment: str) -> bytes | None:
        return self._blob(f"{self.submissions}/{assignment}/{ROSTER}")

    def rubric(self, assignment: str) -> tuple[Path, Rubric]:
        """The base's rubrics/<assignment>.yaml, fully checked, with its reference package importable
        from the base. Problems name the file as `BASE:rubrics/<assignment>.yaml`."""
        rel = f"rubrics/{assignment}.yaml"
        text = self._blob(rel)
        if text is None:
            known = sorted(PurePosixPath(n).stem for n in self._names("rubrics") if n.endswith(".yaml"))
            raise CIConfigError(f"the pull request changes {self.submissions}/{assignment}/, but there is no rubric "
                                f"for assignment {assignment!r} on the base branch {self.base} ({rel}; known: "
                                f"{', '.join(known) or 'none'})")
        path = self.dir / rel
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text)
        try:
            rubric = load_rubric(path, references=False, course=self.course)
            self._reference_code(rubric.reference)
            check_references(path, rubric, self.course)
        except RubricError as exc:
            raise CIConfigError(f"the pull request changes {self.submissions}/{assignment}/, but its rubric cannot "
                                f"be used:\n{str(exc).replace(str(path), f'{self.base}:{rel}')}") from None
        return path, rubric

    def _reference_code(self, package: str) -> None:
        """Import `package` from the base: a package the base holds at its top level (reference/ in a
        course repository that keeps its reference code) is extracted from the base commit and put
        first on sys.path; one installed elsewhere is used as installed. Either way the package must
        not be found inside the checkout, whose copy a pull request could have changed."""
        top = package.split(".")[0]
        code = self.scratch / "code"
        held = [n for n in (top, f"{top}.py") if n in self._names()]
        if held:
            proc = subprocess.run(["git", "archive", "--format=tar", self.commit, "--", *held], cwd=self.root,
                                  capture_output=True)
            if proc.returncode:
                raise CIConfigError(f"git archive {self.base} {' '.join(held)} failed: "
                                    f"{proc.stderr.decode(errors='replace').strip()}")
            try:
                with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
                    tar.extractall(code, filter="data")  # a link out of the folder is refused
            except tarfile.TarError as exc:
                raise CIConfigError(f"cannot take {', '.join(held)} from the base branch {self.base}: {exc}") from None
            sys.path.insert(0, str(code))
            importlib.invalidate_caches()
            self._code_top = top
            if (code / top).is_dir():  # the course's reference package: imported by its folder (`use`)
                self.course = dataclasses.replace(self.course, references=code / top)
        elif self.course.references is None and (bundled_root() / top).is_dir():
            # the base holds none: the reference code bundled with grader, as `grader run` would use
            self.course = dataclasses.replace(self.course, references=bundled_root() / top)
        use(self.course)
        spec = importlib.util.find_spec(top)
        if spec is None:
            return  # `check_references` reports the missing module with the rubric's file and line
        found = [Path(p).resolve() for p in [spec.origin, *(spec.submodule_search_locations or [])] if p]
        if held and not all(p.is_relative_to(code) for p in found):
            raise CIConfigError(f"the reference package {top} is held by the base branch, but it would be imported "
                                f"from {', '.join(map(str, found))}")
        inside = [p for p in found if p.is_relative_to(self.root.resolve())]
        if inside:
            raise CIConfigError(f"the reference package {top} would be imported from the pull request's checkout "
                                f"({inside[0]}), not from the base branch: keep it at the top of the repository "
                                "or install it")

    def forget_code(self) -> None:
        """Take the base's reference code off sys.path and out of sys.modules (its files are deleted
        with the scratch folder; a later run in this process must import afresh)."""
        forget()
        if self._code_top is None:
            return
        sys.path.remove(str(self.scratch / "code"))
        for name in [n for n in sys.modules if n == self._code_top or n.startswith(f"{self._code_top}.")]:
            del sys.modules[name]
        importlib.invalidate_caches()


@contextlib.contextmanager
def base_rules(root: Path, base: str, submissions: PurePosixPath) -> Iterator[BaseRules]:
    """The base's rules in a scratch folder that is the working directory meanwhile; the folder (and the
    reference code taken from it) is gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="grader-ci-") as scratch:
        rules = BaseRules(root, base, submissions, Path(scratch))
        try:
            with contextlib.chdir(rules.dir):
                yield rules
        finally:
            rules.forget_code()

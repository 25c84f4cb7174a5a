"""Copy a submission into a private work folder and read its notebook.

Anything wrong with the hand-in becomes a `Problem` with a bilingual message, never an exception.
"""
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nbformat

from grader.core.result import RunError
from grader.core.text import Text
from grader.intake import files
from grader.intake.discover import Submission, shown
from grader.untrusted import identifier

MAX_BYTES = 200 * 2**20
MAX_FILES = 5000
MAX_CELLS = 2000


@dataclass
class Problem:
    kind: str
    fa: str
    en: str
    detail: str = ""

    def error(self) -> RunError:
        return RunError(self.kind, Text(self.fa, self.en), self.detail)


def _unzip(archive: Path, into: Path) -> Problem | None:
    try:
        with files.open_regular(archive, MAX_BYTES) as f, zipfile.ZipFile(f) as z:
            infos = z.infolist()
            if sum(i.file_size for i in infos) > MAX_BYTES or len(infos) > MAX_FILES:
                return Problem("too_large", "فایل فشرده پس از باز شدن بیش از حد بزرگ است.",
                               "The zip file is too large once unpacked.",
                               f"{len(infos)} files, {sum(i.file_size for i in infos)} bytes")
            for info in infos:
                parts = PurePosixPath(info.filename).parts
                if info.filename.startswith("/") or ".." in parts:
                    return Problem("unsafe_zip", "فایل فشرده مسیری بیرون از پوشه خودش دارد.",
                                   "The zip holds a path that leaves its folder.", info.filename)
            z.extractall(into)
    except zipfile.BadZipFile as exc:
        return Problem("bad_zip", "فایل فشرده خراب است.", "The zip file is damaged.", str(exc))
    return None


def _escaping_link(root: Path) -> Problem | None:
    """A symbolic link that leads out of the submission (to a secret, say) stops grading."""
    base = root.resolve()
    for path in root.rglob("*"):
        if not path.is_symlink():
            continue
        try:
            inside = path.resolve().is_relative_to(base)
        except (OSError, RuntimeError):  # a loop of links leads nowhere inside either
            inside = False
        if not inside:
            return _problem(files.outward_link(str(path.relative_to(root))))
    return None


def _problem(refused: files.Refused) -> Problem:
    return Problem(refused.kind, refused.fa, refused.en, refused.detail)


def open_submission(sub: Submission, into: Path) -> tuple[Path | None, Problem | None]:
    """Copy the hand-in into `into`; return its one notebook, or the problem that stops grading."""
    if sub.clashes:
        return None, Problem("duplicate_id", "بیش از یک تحویل با این شماره دانشجویی هست (مثلاً یک پوشه و یک فایل)؛ "
                             "هیچ‌کدام تصحیح نشد. فقط یکی را نگه دارید.",
                             "More than one hand-in has this student id (a folder and a file, say); none of "
                             "them was graded. Keep exactly one.", ", ".join(shown(e) for e in sub.clashes))
    into.mkdir(parents=True, exist_ok=True)
    try:  # nothing is read through a link, nor from a FIFO, device or socket (see `files`)
        if sub.path.suffix == ".zip":
            problem = _unzip(sub.path, into)
            if problem:
                return None, problem
        else:
            files.copy_in(sub.path, into, MAX_FILES, MAX_BYTES)
    except files.Refused as refused:
        return None, _problem(refused)
    problem = _escaping_link(into)
    if problem:
        return None, problem
    notebooks = [p for p in into.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    if not notebooks:
        return None, Problem("no_notebook", "هیچ نوت‌بوکی (ipynb.) در این تحویل پیدا نشد.",
                             "No notebook (.ipynb) was found in this submission.")
    if len(notebooks) > 1:
        names = ", ".join(sorted(p.name for p in notebooks))
        return None, Problem("two_notebooks", "بیش از یک نوت‌بوک در این تحویل هست؛ فقط یکی بفرستید.",
                             "More than one notebook is in this submission; hand in exactly one.", names)
    return notebooks[0], None


def _clean_tags(nb: nbformat.NotebookNode) -> None:
    """Question and answer tags (`metadata.grader`) are identifiers the grader quotes in its own
    messages, so they are cleaned like student ids."""
    for cell in nb.cells:
        tag = cell.get("metadata", {}).get("grader")
        if isinstance(tag, dict):
            for key, value in tag.items():
                if isinstance(value, str):
                    tag[key] = identifier(value)


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, Problem | None]:
    """Parse and validate a notebook, its tags cleaned; a broken file is a problem for that student only."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (nbformat.reader.NotJSONError, UnicodeDecodeError) as exc:
        return None, Problem("invalid_notebook",
                             "فایل نوت‌بوک خراب است و باز نمی‌شود (JSON معتبر نیست). آن را در Jupyter باز و دوباره ذخیره کنید.",
                             "The notebook file is broken and cannot be opened (not valid JSON). "
                             "Open it in Jupyter and save it again.", f"{type(exc).__name__}: {exc}"[:500])
    except Exception as exc:  # nbformat raises many types for unknown or broken versions
        return None, Problem("notebook_version",
                             "قالب (نسخه) این نوت‌بوک شناخته‌شده نیست؛ آن را در Jupyter تازه باز و ذخیره کنید.",
                             "This notebook's format version is not supported; open and save it in a current Jupyter.",
                             f"{type(exc).__name__}: {exc}"[:500])
    if len(nb.cells) > MAX_CELLS:
        return None, Problem("too_many_cells", "این نوت‌بوک بیش از اندازه سلول دارد.",
                             f"This notebook has more than {MAX_CELLS} cells.", str(len(nb.cells)))
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return None, Problem("invalid_notebook", "ساختار نوت‌بوک معتبر نیست.",
                             "The notebook's structure is not valid.", str(exc)[:500])
    _clean_tags(nb)
    return nb, None

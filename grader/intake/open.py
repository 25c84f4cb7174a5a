"""Copy a submission into a private work folder and read its notebook.

Anything wrong with the hand-in becomes a `Problem` with a bilingual message, never an exception.
"""
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nbformat

from grader.intake.discover import Submission

MAX_BYTES = 200 * 2**20


@dataclass
class Problem:
    kind: str
    fa: str
    en: str
    detail: str = ""

    def to_json(self) -> dict:
        return {"kind": self.kind, "message": {"fa": self.fa, "en": self.en}, "detail": self.detail}


def _unzip(archive: Path, into: Path) -> Problem | None:
    try:
        with zipfile.ZipFile(archive) as z:
            infos = z.infolist()
            if sum(i.file_size for i in infos) > MAX_BYTES:
                return Problem("too_large", "فایل فشرده بیش از حد بزرگ است.", "The zip file is too large.")
            for info in infos:
                parts = PurePosixPath(info.filename).parts
                if info.filename.startswith("/") or ".." in parts:
                    return Problem("unsafe_zip", "فایل فشرده مسیری بیرون از پوشه خودش دارد.",
                                   "The zip holds a path that leaves its folder.", info.filename)
            z.extractall(into)
    except zipfile.BadZipFile as exc:
        return Problem("bad_zip", "فایل فشرده خراب است.", "The zip file is damaged.", str(exc))
    return None


def open_submission(sub: Submission, into: Path) -> tuple[Path | None, Problem | None]:
    """Copy the hand-in into `into`; return its one notebook, or the problem that stops grading."""
    into.mkdir(parents=True, exist_ok=True)
    if sub.path.suffix == ".zip":
        problem = _unzip(sub.path, into)
        if problem:
            return None, problem
    elif sub.path.is_dir():
        shutil.copytree(sub.path, into, dirs_exist_ok=True, symlinks=True)
    else:
        shutil.copy2(sub.path, into / sub.path.name)
    notebooks = [p for p in into.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    if not notebooks:
        return None, Problem("no_notebook", "هیچ نوت‌بوکی (ipynb.) در این تحویل پیدا نشد.",
                             "No notebook (.ipynb) was found in this submission.")
    if len(notebooks) > 1:
        names = ", ".join(sorted(p.name for p in notebooks))
        return None, Problem("two_notebooks", "بیش از یک نوت‌بوک در این تحویل هست؛ فقط یکی بفرستید.",
                             "More than one notebook is in this submission; hand in exactly one.", names)
    return notebooks[0], None


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, Problem | None]:
    """Parse and validate a notebook; a broken file is a problem for that student only."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises many types for bad JSON, encodings, versions
        return None, Problem("invalid_notebook",
                             "فایل نوت‌بوک خراب است و باز نمی‌شود (JSON معتبر نیست). آن را در Jupyter باز و دوباره ذخیره کنید.",
                             "The notebook file is broken and cannot be opened (not valid JSON). "
                             "Open it in Jupyter and save it again.", f"{type(exc).__name__}: {exc}"[:500])
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return None, Problem("invalid_notebook", "ساختار نوت‌بوک معتبر نیست.",
                             "The notebook's structure is not valid.", str(exc)[:500])
    return nb, None

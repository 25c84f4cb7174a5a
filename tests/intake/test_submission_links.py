"""Nothing in a submission is read through a link, nor from a FIFO, device or socket: not by the
digest, not by the private copy, not by the similarity step (which runs in the grader's own process).

Every step runs in a forked child with a memory cap and a time limit, so that a regression (a read
of /dev/zero, a FIFO without a writer) fails the test instead of hanging it or eating the machine."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import resource
import socket
import stat
import traceback
from pathlib import Path
from typing import Any, Callable

import nbformat
import pytest

from grader.intake import Submission, open_submission
from grader.intake.files import MAX_DEPTH
from tests.support.paths import HW3
from tests.support.similarity import graded_result, similarity_class

SECRET = "root-only secret 1"


def _address_space() -> int:
    """This process's virtual size: the test process may have mapped gigabytes (TensorFlow, torch)."""
    return int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[20])


def _child(queue: Any, fn: Callable, args: tuple) -> None:
    cap = _address_space() + 4 * 2**30  # 4 GiB more than the fork starts with
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        queue.put(("ok", fn(*args)))
    except BaseException:  # noqa: BLE001 - the test's process reports it
        queue.put(("error", traceback.format_exc()))


def bounded(fn: Callable, *args: Any, timeout: float = 60) -> Any:
    """``fn(*args)`` in a forked child with 4 GiB more address space, failing the test after `timeout` s."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.SimpleQueue()
    child = ctx.Process(target=_child, args=(queue, fn, args))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not finish within {timeout} s")
    assert not queue.empty(), f"the child died with exit code {child.exitcode}"
    status, value = queue.get()
    assert status == "ok", value
    return value


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "root" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET)
    path.chmod(0o600)
    return path


def _linked(folder: Path, target: Path | str, name: str = "hw.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).unlink(missing_ok=True)
    (folder / name).symlink_to(target)
    return folder


def _digest(path: Path) -> str:
    return Submission(path.name, path).digest()


def _open(path: Path, into: Path) -> tuple[str | None, dict | None]:
    nb, problem = open_submission(Submission(path.name, path), into)
    return (nb and str(nb)), (problem and problem.error().to_json())


def test_digest_of_plain_files_is_the_path_then_the_content(tmp_path):
    """Unchanged from before links were looked at: results of earlier runs stay current."""
    sub = tmp_path / "subs" / "alice"
    (sub / "data").mkdir(parents=True)
    (sub / "hw.ipynb").write_bytes(b"{notebook}")
    (sub / "data" / "a.csv").write_bytes(b"1,2")
    expected = hashlib.sha256(b"alice/data/a.csv\0" b"1,2" b"alice/hw.ipynb\0" b"{notebook}").hexdigest()[:16]
    assert bounded(_digest, sub) == expected
    lone = tmp_path / "subs" / "bob.ipynb"
    lone.write_bytes(b"{nb}")
    assert bounded(_digest, lone) == hashlib.sha256(b"bob.ipynb\0{nb}").hexdigest()[:16]


def test_digest_never_reads_what_a_link_names(tmp_path, secret):
    sub = _linked(tmp_path / "subs" / "alice", secret)
    before = bounded(_digest, sub)
    secret.write_text("root-only secret 2")
    assert bounded(_digest, sub) == before  # no oracle on the target's content

    fifo = tmp_path / "root" / "pipe"
    os.mkfifo(fifo)  # no writer ever comes: a read of it would block for good
    assert bounded(_digest, _linked(sub, fifo), timeout=20) != before  # what the link says is hashed
    assert bounded(_digest, _linked(sub, "/dev/zero"), timeout=20)
    assert bounded(_digest, _linked(tmp_path / "subs" / "carol", tmp_path / "root"), timeout=20)
    lone = tmp_path / "subs" / "dave.ipynb"
    lone.symlink_to(secret)
    assert bounded(_digest, lone, timeout=20)


def test_digest_does_not_open_special_files(tmp_path):
    sub = tmp_path / "subs" / "erin"
    sub.mkdir(parents=True)
    os.mkfifo(sub / "hw.ipynb")
    os.mkfifo(tmp_path / "subs" / "frank.ipynb")
    assert bounded(_digest, sub, timeout=20) != bounded(_digest, tmp_path / "subs" / "frank.ipynb", timeout=20)


@pytest.mark.parametrize("target", ["secret", "/dev/zero", "fifo", "folder"])
def test_open_refuses_a_link_out_of_the_submission(tmp_path, secret, target):
    fifo = tmp_path / "root" / "pipe"
    os.mkfifo(fifo)
    where = {"secret": secret, "fifo": fifo, "folder": secret.parent}.get(target, target)
    sub = _linked(tmp_path / "subs" / "alice", where)
    nb, problem = bounded(_open, sub, tmp_path / "work", timeout=20)
    assert nb is None and problem["kind"] == "unsafe_symlink" and problem["detail"] == "hw.ipynb"
    assert problem["message"] == {"fa": "یک پیوند نمادین (symlink) در این تحویل به بیرون از پوشه آن اشاره می‌کند.",
                                  "en": "A symbolic link in this submission points outside its folder."}
    copied = [p for p in (tmp_path / "work").rglob("*") if not p.is_symlink()]
    assert copied == []  # the link was copied as a link, never its target


def test_open_refuses_a_submission_that_is_itself_a_link(tmp_path, secret):
    for name in ("bob.ipynb", "bob.zip", "bob"):
        (tmp_path / "subs").mkdir(exist_ok=True)
        (tmp_path / "subs" / name).symlink_to(secret if name != "bob" else secret.parent)
        nb, problem = bounded(_open, tmp_path / "subs" / name, tmp_path / name, timeout=20)
        assert nb is None and problem["kind"] == "unsafe_symlink" and problem["detail"] == name
        assert not any((tmp_path / name).rglob("*")), name


def _special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # the same device as /dev/zero
    else:
        cwd = os.getcwd()
        os.chdir(path.parent)  # a socket's path has at most 108 bytes; pytest's folders are longer
        try:
            socket.socket(socket.AF_UNIX).bind(path.name)
        finally:
            os.chdir(cwd)


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_open_refuses_special_files_with_a_message_for_that_student(tmp_path, kind):
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("only root makes device nodes")
    sub = tmp_path / "subs" / "alice"
    sub.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), sub / "hw.ipynb")
    _special(kind, sub / "data.bin")
    nb, problem = bounded(_open, sub, tmp_path / "work", timeout=20)
    assert nb is None and problem["kind"] == "special_file" and problem["detail"] == f"alice/data.bin ({kind})"
    assert "FIFO" in problem["message"]["fa"] and "not a regular file" in problem["message"]["en"]
    lone = tmp_path / "subs" / "bob.ipynb"
    _special(kind, lone)
    assert bounded(_open, lone, tmp_path / "work2", timeout=20)[1]["kind"] == "special_file"


def test_open_still_copies_plain_files_and_inner_links(tmp_path):
    sub = tmp_path / "subs" / "alice"
    (sub / "data").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), sub / "hw.ipynb")
    (sub / "data" / "a.csv").write_text("1,2")
    (sub / "data" / "a.csv").chmod(0o640)
    (sub / "latest.csv").symlink_to("data/a.csv")
    nb, problem = bounded(_open, sub, tmp_path / "work")
    assert problem is None and nb == str(tmp_path / "work" / "hw.ipynb")
    assert (tmp_path / "work" / "latest.csv").read_text() == "1,2"
    assert (tmp_path / "work" / "latest.csv").is_symlink()
    assert stat.S_IMODE((tmp_path / "work" / "data" / "a.csv").stat().st_mode) == 0o640


def test_open_refuses_folders_nested_too_deeply(tmp_path):
    deep = tmp_path / "subs" / "alice"
    deep.joinpath(*["d"] * (MAX_DEPTH + 2)).mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), deep / "hw.ipynb")
    assert bounded(_open, deep, tmp_path / "work")[1]["kind"] == "too_deep"


def _publish(out: Path, results: list[dict], paths: dict[str, Path]) -> dict:
    from grader.engine.class_run import publish_class
    from grader.checks import load_rubric

    rubric = load_rubric(HW3, references=False)
    out.mkdir()
    publish_class(out, rubric, results, paths)
    return {"summary": (out / "summary.pdf").is_file(),
            "similarity": json.loads((out / "similarity.json").read_text(encoding="utf-8"))}


@pytest.mark.slow
def test_similarity_skips_linked_and_special_notebooks_and_the_summary_is_written(tmp_path, secret):
    results, paths = similarity_class(tmp_path)
    fifo = tmp_path / "root" / "pipe"
    os.mkfifo(fifo)
    subs = tmp_path / "subs"
    paths["z1"] = _linked(subs / "z1", "/dev/zero")
    paths["z2"] = _linked(subs / "z2", secret)
    paths["z3"] = _linked(subs / "z3", fifo)
    (subs / "z4.ipynb").symlink_to("/dev/zero")
    paths["z4"] = subs / "z4.ipynb"
    os.mkfifo(subs / "z5.ipynb")
    paths["z5"] = subs / "z5.ipynb"
    results += [graded_result(sid, {}) for sid in ("z1", "z2", "z3", "z4", "z5")]
    published = bounded(_publish, tmp_path / "out", results, paths, timeout=120)
    assert published["summary"]
    report = published["similarity"]
    assert report["skipped"] == ["z1", "z2", "z3", "z4", "z5"]
    assert [(p["a"], p["b"]) for p in report["pairs"] if p["flagged"]] == [("s2", "s8")]  # the rest still compared

"""WeasyPrint's libraries are opened by their sonames, without ldconfig, gcc or ld; where only that
search finds them, the import still succeeds and renders."""
import subprocess
import sys
import textwrap


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_the_renderer_imports_without_starting_a_process():
    run = _python("""
        import subprocess
        started = []
        real = subprocess.Popen.__init__
        def record(self, args, *a, **k):
            started.append(args)
            real(self, args, *a, **k)
        subprocess.Popen.__init__ = record
        import grader.outputs.reports.render
        print(started)
    """)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_libraries_only_the_search_finds_are_still_opened():
    run = _python("""
        import ctypes.util, cffi
        opened = cffi.FFI.dlopen
        def searched_only(self, name, flags=0):
            path = ctypes.util.find_library(name)  # a system where dlopen knows no names of its own
            if path is None:
                raise OSError(name)
            return opened(self, path, flags)
        cffi.FFI.dlopen = searched_only
        from grader.outputs.reports.render import _pdf
        assert ctypes.util.find_library("c"), "the search is restored after the import"
        print(_pdf("<p>x</p>")[:5].decode())
    """)
    assert run.returncode == 0, run.stderr
    assert "could not import some external libraries" in run.stdout  # the direct try failed first
    assert run.stdout.strip().splitlines()[-1] == "%PDF-"

"""Which heavy modules a run's notebooks import, read before any kernel starts, so that the
warm-kernel factory preloads those and no others.

The notebooks are the students' text: anything may be there (syntax errors, magics such as
`%pip`, cells of megabytes, `__import__` calls, files that are not notebooks). What parses is read
and the rest is left out; a missed import only means that kernel imports the module itself, an
extra one a slower start, so no notebook can make this fail a run. Nothing is run: cells are
parsed with `ast`, never compiled or executed, and files are read as `grader.intake.files` reads
them (no link followed, within a byte budget).
"""
import ast
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from grader.intake import Submission
from grader.intake import files

HEAVY = ("numpy", "torch", "tensorflow")  # preloaded when a notebook imports them, whatever the rubric lists
IMPLIES = {"keras": "tensorflow", "tf_keras": "tensorflow",  # Keras 3 imports its TensorFlow backend
           "torchvision": "torch", "torchaudio": "torch"}
MAX_NOTEBOOK_BYTES = 32 * 2**20  # a larger notebook is not read here (its kernel imports what it needs)
MAX_PARSED_CELL = 256 * 2**10  # a larger cell is read line by line, not parsed whole
MAX_LINE = 1000  # an import line longer than this is not parsed


def source_imports(source: str) -> set[str]:
    """The top-level modules a cell imports: `import a.b`, `from a import b`, `__import__('a')`,
    `importlib.import_module('a')`. A cell that does not parse whole (a magic, a syntax error, a
    huge cell) is read line by line: each line that starts with `import` or `from`, on its own."""
    tree = _parse(source) if len(source) <= MAX_PARSED_CELL else None
    if tree is not None:
        return _tree_imports(tree)
    found: set[str] = set()
    for line in source.splitlines():
        line = line.strip()
        if line.startswith(("import ", "from ")) and len(line) <= MAX_LINE and (tree := _parse(line)):
            found |= _tree_imports(tree)
    return found


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):  # ValueError: a NUL byte
        return None


def _tree_imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _imports_by_name(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value.split(".")[0])
    return found


def _imports_by_name(func: ast.expr) -> bool:
    return ((isinstance(func, ast.Name) and func.id in ("__import__", "import_module"))
            or (isinstance(func, ast.Attribute) and func.attr == "import_module"))


def notebook_imports(raw: bytes) -> set[str]:
    """The top-level modules the code cells of a notebook file import, with what they bring in
    (`IMPLIES`); nothing for a file that is not a notebook."""
    try:
        nb = json.loads(raw)
    except (ValueError, RecursionError):
        return set()
    cells = nb.get("cells") if isinstance(nb, dict) else None
    found: set[str] = set()
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if isinstance(source, str):
            found |= source_imports(source)
    return found | {IMPLIES[name] for name in found if name in IMPLIES}


def _notebook_files(sub: Submission) -> Iterator[bytes]:
    """The bytes of each notebook in a hand-in (a lone `.ipynb`, a folder, a `.zip`), each within
    MAX_NOTEBOOK_BYTES; what cannot be read safely is left out."""
    if sub.clashes:
        return  # not graded at all
    if sub.path.suffix == ".zip":
        with files.open_regular(sub.path, 8 * MAX_NOTEBOOK_BYTES) as f, zipfile.ZipFile(f) as z:
            for info in z.infolist():
                if info.filename.endswith(".ipynb") and info.file_size <= MAX_NOTEBOOK_BYTES:
                    with z.open(info) as member:
                        yield member.read(MAX_NOTEBOOK_BYTES)
        return
    for entry in files.walk(sub.path):
        if (entry.kind == "file" and entry.path.name.endswith(".ipynb")
                and ".ipynb_checkpoints" not in entry.path.parts):
            yield files.read_regular(entry, MAX_NOTEBOOK_BYTES)


def preload_for(candidates: Iterable[str], subs: Iterable[Submission]) -> tuple[str, ...]:
    """Of `candidates` (module names, in order; a dotted one is chosen by its top-level package),
    those some submission imports. Reading stops once every candidate is found, so a class whose
    first notebooks import them all costs a few file reads, and only a notebook whose bytes name a
    candidate not yet found is parsed (a class of large notebooks costs little more than reading them)."""
    wanted = list(dict.fromkeys(candidates))
    tops = {name.split(".")[0] for name in wanted}
    seen: set[str] = set()
    for sub in subs:
        missing = tops - seen
        names = [n.encode() for n in (*missing, *(k for k, v in IMPLIES.items() if v in missing))]
        try:
            for raw in _notebook_files(sub):
                if any(name in raw for name in names):  # a notebook naming none is not parsed
                    seen |= notebook_imports(raw)
        except (OSError, files.Refused, zipfile.BadZipFile, zlib.error, RuntimeError, ValueError, EOFError,
                NotImplementedError):
            continue  # open_submission reports what is wrong with this hand-in
        if tops <= seen:
            break
    return tuple(name for name in wanted if name.split(".")[0] in seen)

"""A code cell as a list of tokens that survive renaming, re-spacing and re-commenting."""
from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize

_KEEP = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENDMARKER, tokenize.ENCODING}
_STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL, None}
# IPython lines (`%matplotlib`, `!pip`) are not Python; they carry no authorship anyway
_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)
_FALLBACK = re.compile(r"\d[\w.]*|\w+|'[^']*'|\"[^\"]*\"|[^\s\w]")


def _raw_tokens(source: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(_MAGIC.sub("", source)).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def _is_docstring(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """A string that is a whole statement by itself (docstring or a string used as a comment)."""
    prev = tokens[i - 1].type if i else None
    j = i + 1
    while j < len(tokens) and tokens[j].type == tokenize.COMMENT:
        j += 1
    nxt = tokens[j].type if j < len(tokens) else tokenize.ENDMARKER
    return prev in _STATEMENT_START and nxt in (tokenize.NEWLINE, tokenize.ENDMARKER)


def normalize(source: str) -> list[str]:
    """Tokens of `source`: no comments, docstrings or layout; each identifier that is not a
    keyword, builtin or attribute becomes `$n`, numbered by first appearance in the cell, so a
    renamed copy gives the same list. Literals stay: they are often the distinctive part."""
    tokens = _raw_tokens(source)
    if tokens is None:  # not valid Python: a cruder split still compares re-spaced copies
        return [w if w in _KEEP or not w[0].isalpha() else "$" for w in _FALLBACK.findall(source)]
    names: dict[str, str] = {}
    out: list[str] = []
    prev = ""
    for i, tok in enumerate(tokens):
        if tok.type in _SKIP or (tok.type == tokenize.STRING and _is_docstring(tokens, i)):
            continue
        text = tok.string
        if tok.type == tokenize.NAME and text not in _KEEP and prev != ".":
            text = names.setdefault(text, f"${len(names)}")
        out.append(text)
        prev = tok.string
    return out

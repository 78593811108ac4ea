"""From a model's response to the code to run, and the checks that need no sandbox.

Which block counts
------------------
1. Fenced blocks (three or more backticks or tildes, closed by the same fence) whose info
   string's language is ``python``, ``py``, ``python3`` or ``py3`` (any case; a ``:file.py``,
   ``{...}`` or ``.version`` suffix is ignored, as in ```` ```python:solution.py ````) are
   candidates, and so are untagged fenced blocks (after the python ones: below). Blocks
   tagged with another language never count. No candidate block is a ``format_error``
   (reward -1.5); an unclosed fence is not a block. A fence may be indented (a block in a
   list item, at any depth: ``1. ...`` then a fence four spaces in): that indentation is
   removed from its lines, as CommonMark does; lines end at ``\n``, ``\r\n`` or ``\r`` only
   (as Python reads source), never at the other characters :meth:`str.splitlines` breaks at.
2. The **last** block that defines the entry point counts (models show examples first and
   answer last), looked for in this order: python blocks that define it (``def``, ``class``,
   an assignment), untagged blocks that do, then blocks that only import it (a usage block's
   ``from solution import f`` defines nothing of its own). When none defines it, the last
   python block (or, without one, the last untagged block) counts, and scoring gives
   ``no_entity``.

Where a syntax error falls
--------------------------
Code that does not parse defines nothing, so it is ``no_entity`` (reward -0.5); the
diagnostic says where it failed to parse.
"""

from __future__ import annotations

import ast
import hashlib
import re
import warnings
from dataclasses import dataclass

from .problem import EntryPoint
from .verdict import Verdict

__all__ = ["parse_code", "Extraction", "extract_code", "find_blocks", "defines_entry", "normalize", "code_digest", "triage"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_PY_TAGS = {"python", "py", "python3", "py3"}
_LANG = re.compile(r"\{?\.?([A-Za-z0-9_+#-]*)")
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Block:
    info: str
    code: str

    @property
    def language(self) -> str:
        """The info string's language: its first word up to any ``:``, ``{`` or ``.`` suffix
        (```` ```python:solution.py ````, ```` ```{.python} ````, ```` ```python3.11 ````)."""
        m = _LANG.match((self.info.split() or [""])[0])
        return m.group(1).lower() if m else ""

    @property
    def is_python(self) -> bool:
        return self.language in _PY_TAGS

    @property
    def is_untagged(self) -> bool:
        return not self.info.strip()


def find_blocks(text: str) -> list[Block]:
    """Closed fenced blocks in order (CommonMark-style fences, no nesting)."""
    blocks: list[Block] = []
    lines = _LINE_END.split(text)
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group("fence")
        indent = m.group("indent")
        body: list[str] = []
        j = i + 1
        closed = False
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                closed = True
                break
            body.append(_dedent(lines[j], indent))
            j += 1
        if not closed:
            break
        blocks.append(Block(info=m.group("info").strip(), code="\n".join(body) + "\n"))
        i = j + 1
    return blocks


def _dedent(line: str, indent: str) -> str:
    """A block's line without its fence's indentation: the same text, or as much of its
    leading whitespace as that indentation's width (a tab counts to the next multiple of 4)."""
    if line.startswith(indent):
        return line[len(indent):]
    width = len(indent.expandtabs(4))
    cut = 0
    while cut < len(line) and line[cut] in " \t" and len(line[:cut + 1].expandtabs(4)) <= width:
        cut += 1
    return line[cut:]


def parse_code(code: str) -> ast.Module | None:
    """The module's AST, or None when it does not parse (warnings silenced)."""
    return _parse(code)


def _parse(code: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _is_main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":`` (either way round): its body never runs when the
    candidate's module is loaded for the tests (it is not ``__main__`` there)."""
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(a, ast.Name) and a.id == "__name__" for a in sides) and any(
        isinstance(a, ast.Constant) and a.value == "__main__" for a in sides)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module-level statements, looking into if/try/with blocks (conditional definitions),
    but not into the body of an ``if __name__ == "__main__":`` guard."""
    out: list[ast.stmt] = []
    for node in body:
        out.append(node)
        if isinstance(node, ast.If) and _is_main_guard(node):
            out += _top_level(node.orelse)
        elif isinstance(node, (ast.If, ast.While, ast.For)):
            out += _top_level(node.body) + _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            out += _top_level(node.body) + _top_level(node.orelse) + _top_level(node.finalbody)
            for handler in node.handlers:
                out += _top_level(handler.body)
        elif isinstance(node, ast.With):
            out += _top_level(node.body)
    return out


def _binds(node: ast.stmt, name: str, imports: bool = True) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t))
    if imports and isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names)
    return False


def defines_entry(tree: ast.Module, entry: EntryPoint, imports: bool = True) -> bool:
    """True when the module binds the entry point's name (and, for a class, the method);
    ``imports=False``: only by a definition or assignment of its own, not an import."""
    for node in _top_level(tree.body):
        if not _binds(node, entry.defined_name, imports):
            continue
        if entry.class_name is None:
            return True
        if isinstance(node, ast.ClassDef):
            if any(_binds(n, entry.function) for n in _top_level(node.body)):
                return True
            if node.bases:  # the method may be inherited; let the tests decide
                return True
        else:
            return True
    return False


@dataclass(frozen=True)
class Extraction:
    """The outcome of looking at a response without running it."""

    verdict: Verdict | None  # format_error or no_entity; None when the code should run
    code: str | None
    message: str = ""


def _candidates(response: str) -> tuple[list[Block], list[Block]]:
    """(python-tagged blocks, untagged blocks), in order (module docstring, rule 1)."""
    blocks = find_blocks(response)
    return [b for b in blocks if b.is_python], [b for b in blocks if b.is_untagged]


def extract_code(response: str) -> str | None:
    """Without an entry point: the last python block, else the last untagged one; None for a format error."""
    python, untagged = _candidates(response)
    candidates = python or untagged
    return candidates[-1].code if candidates else None


def triage(response: str, entry: EntryPoint) -> Extraction:
    """Extract the code and give format_error / no_entity where they apply."""
    python, untagged = _candidates(response)
    if not python and not untagged:
        return Extraction(Verdict.format_error, None, "no fenced python code block")
    trees = {id(block): _parse(block.code) for block in python + untagged}
    for imports in (False, True):
        for blocks in (python, untagged):
            for block in reversed(blocks):
                tree = trees[id(block)]
                if tree is not None and defines_entry(tree, entry, imports):
                    return Extraction(None, block.code)
    code = (python or untagged)[-1].code
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return Extraction(Verdict.no_entity, code, f"SyntaxError: {exc.msg} (line {exc.lineno})")
    except (ValueError, MemoryError, RecursionError) as exc:
        return Extraction(Verdict.no_entity, code, f"{type(exc).__name__} while parsing")
    return Extraction(Verdict.no_entity, code, f"code does not define {entry.defined_name!r}")


def normalize(code: str) -> str:
    """Canonical form: the AST without positions, so formatting and comments do not matter."""
    tree = _parse(code)
    if tree is None:
        return code
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def code_digest(code: str) -> str:
    """Hash of the normalised code: identical programs share one measurement."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()[:32]

"""Every module of xlseg/ says what it owns in a docstring and stays readable: about 400 lines at most."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "xlseg"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 420  # "about 400": one concept per module (issue 16)


def problems(text: str) -> list[str]:
    """What is wrong with a module's shape: no docstring, too many lines."""
    out = []
    doc = ast.get_docstring(ast.parse(text))
    if not (doc and doc.strip()):
        out.append("no docstring saying what it owns")
    lines = len(text.splitlines())
    if lines > MAX_LINES:
        out.append(f"{lines} lines: split it by concept")
    return out


def test_the_checks_can_fail():
    assert problems('"""Doc."""\n' + "x = 1\n" * MAX_LINES) == [f"{MAX_LINES + 1} lines: split it by concept"]
    assert problems("x = 1\n") == ["no docstring saying what it owns"]
    assert problems('"""Doc."""\nx = 1\n') == []


def test_modules_found():
    names = {p.relative_to(PACKAGE).as_posix() for p in MODULES}
    assert {"core/engine.py", "plan/build.py", "filemode/run.py", "ooxml/editor.py", "read/table.py"} <= names


def test_every_folder_of_modules_is_a_package():
    # setuptools' find_packages (pyproject: include = ["xlseg*"]) ships only folders with an __init__.py:
    # xlseg/workbook had none, so a wheel would have left it out.
    folders = {p.parent for p in MODULES if "__pycache__" not in p.parts}
    assert sorted(str(f.relative_to(PACKAGE.parent)) for f in folders if not (f / "__init__.py").is_file()) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_module_has_a_docstring_and_a_readable_size(path):
    assert problems(path.read_text(encoding="utf-8")) == [], path.relative_to(PACKAGE).as_posix()

"""xlseg/core is pure: no openpyxl or xlwings import (direct, lazy or dynamic), and no print."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "xlseg" / "core"
FORBIDDEN = {"openpyxl", "xlwings"}
CORE_FILES = sorted(CORE.rglob("*.py"))


def test_core_files_found():
    names = {p.name for p in CORE_FILES}
    assert {"engine.py", "metrics.py", "scores.py", "segments.py", "tiers.py", "stages.py", "summaries.py",
            "config.py", "labels.py"} <= names


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module named by import / from-import / importlib.import_module / __import__ anywhere in a file."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append(node.args[0].value)
    return found


def test_the_import_scanner_sees_every_form():
    # a checker that cannot fail is a defect: show it catches each form
    src = ("import openpyxl\nfrom xlwings import Book\nimport os, openpyxl.styles as s\n"
           "def f():\n    import xlwings\n    importlib.import_module('openpyxl')\n    __import__('xlwings')\n")
    assert imported_modules(ast.parse(src)) == ["openpyxl", "xlwings", "os", "openpyxl.styles", "xlwings",
                                                "openpyxl", "xlwings"]


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_does_not_import_excel_libraries(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [m for m in imported_modules(tree) if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def print_calls(tree: ast.AST) -> list[int]:
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"]


def test_the_print_scanner_sees_a_print():
    assert print_calls(ast.parse("x = 1\nif x:\n    print('hi')\n")) == [3]


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_never_prints(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert print_calls(tree) == [], f"{path.relative_to(ROOT)} calls print on lines {print_calls(tree)}"


def test_importing_the_engine_loads_no_excel_library():
    code = ("import xlseg.core.engine, sys; "
            "assert 'openpyxl' not in sys.modules and 'xlwings' not in sys.modules, "
            "sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlwings'))")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_classify_prints_nothing(capsys):
    import pandas as pd

    from xlseg.core.engine import classify

    tx = pd.DataFrame({"Customer ID": ["a", "a", "b"], "Date": ["2024-01-01", "bad", "2024-01-03"],
                       "Amount": ["¥1,000", "5", "(20)"]})
    classify(transactions=tx)
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "")

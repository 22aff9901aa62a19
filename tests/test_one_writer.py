"""One writer (issue 12.5 and 12.7): xlseg writes every workbook through the package writer, and openpyxl is
the tests' second reader, never loaded by a file-mode run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from xlseg.a1 import column_index, column_letter, range_bounds, split_ref

ROOT = Path(__file__).resolve().parent.parent
# the sparse reader (a sheet calamine cannot hold) still takes openpyxl's number-format rules, loaded there only
ALLOWED = {"xlseg.read.sparse"}


def test_no_module_of_xlseg_imports_openpyxl_but_the_sparse_reader():
    found = set()
    for path in (ROOT / "xlseg").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "openpyxl" or n.startswith("openpyxl.") for n in names):
                found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert found <= ALLOWED


def test_a_file_mode_run_and_the_demo_input_never_load_openpyxl(tmp_path):
    code = f"""
import sys
from pathlib import Path
from xlseg.filemode.run import classify_file
from xlseg.sample_data import demo_frames, write_input_workbook
tmp = Path({str(tmp_path)!r})
c, t = demo_frames(60, seed=3)
write_input_workbook(tmp / "in.xlsx", c, t)
classify_file(tmp / "in.xlsx", tmp / "out.xlsx", transactions="Transactions", formulas=True)
classify_file(tmp / "out.xlsx", tmp / "again.xlsx", transactions="Transactions")
(tmp / "in.csv").write_text("Customer ID,Orders,Total Spend,Last Purchase\\nC1,2,10,2026-01-02\\nC2,=1+1,5,2026-01-03\\n")
classify_file(tmp / "in.csv", tmp / "csv.xlsx")
print(sorted(m for m in sys.modules if m.split(".")[0] == "openpyxl"))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stderr
    for name in ("out.xlsx", "again.xlsx", "csv.xlsx"):
        assert (tmp_path / name).stat().st_size > 0


def test_a1_helpers_equal_openpyxls():
    for c in list(range(1, 800)) + [16383, 16384, 18278]:
        assert column_letter(c) == get_column_letter(c)
        assert column_index(column_letter(c)) == c
    for ref in ("A1", "$B$2", "C3:AA40", "$A$1:$XFD$1048576", "b2:c3", "A:C", "2:5", "$K$1:$T$1"):
        assert range_bounds(ref) == range_boundaries(ref), ref


def test_split_ref_reads_xlsegs_markers():
    assert split_ref("'It''s 客户'!$A$1") == ("It's 客户", "$A$1")
    assert split_ref("Customers!$K$1:$T$1") == ("Customers", "$K$1:$T$1")
    assert split_ref("#REF!") is None
    assert split_ref("'Gone'!#REF!") is None
    assert split_ref("Sheet1!$A$1,Sheet1!$B$2") is None
    assert split_ref("42") is None

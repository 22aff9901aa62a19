"""Reading hostile workbooks (issue 12): bounded, and one clear message or a correct output.

Zip bombs, damaged parts, bad indices, missing sheet parts, a chart sheet,
stray cells at the far corners of a 50-row sheet, and the saved values of
shared formulas. The CLI runs in a child process (tests.corpus.runner):
peak RSS under about 1 GB and a generous time limit. These are the reader's
cases (python-calamine, xlseg/read); the writing cases are in
test_corpus_hostile.py.
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from tests.corpus import compare, fidelity
from tests.corpus import hostile as H
from tests.corpus.package import Package
from tests.corpus.runner import run_case
from xlseg.filemode.run import classify_file

# ------------------------------------------------------------------ zip bombs


@pytest.mark.parametrize("builder", [H.bomb_rows, H.bomb_spaces, H.bomb_shared_string, H.bomb_lying_size],
                         ids=lambda f: f.__name__)
def test_zip_bomb_is_bounded(tmp_path, builder):
    src = builder(tmp_path)
    assert src.stat().st_size < 12 * 1024**2
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "refused":
        assert "Clients" in run.stderr or src.name in run.stderr, str(run)


# ------------------------------------------------------------- broken parts


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml",
                                  "xl/styles.xml", "[Content_Types].xml"])
def test_malformed_xml_is_refused_clearly(tmp_path, part):
    src = H.truncated(tmp_path, part)
    run, _out, outcome = run_case(tmp_path, src)
    assert outcome == "refused", str(run)
    assert src.name in run.stderr or part in run.stderr, str(run)  # the file or the damaged part named


@pytest.mark.parametrize("kind", ["s", "style"])
def test_bad_shared_string_or_style_index(tmp_path, kind):
    src = H.bad_cell_index(tmp_path, kind)
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "refused":
        assert "B3" in run.stderr or "Clients" in run.stderr or src.name in run.stderr, str(run)


@pytest.mark.parametrize("which", ["Clients", "Notes"])
def test_missing_sheet_part(tmp_path, which):
    src = H.missing_sheet_part(tmp_path, which)
    run, out, outcome = run_case(tmp_path, src)
    if which == "Clients":
        assert outcome == "refused", str(run)
    if outcome == "refused":
        assert which in run.stderr, str(run)



# ------------------------------------------------------------- used range


@pytest.mark.parametrize("ref", ["XFD1048576", "A1048576"])
def test_stray_cell_far_away_is_bounded(tmp_path, ref):
    src = H.stray_cell(tmp_path, ref)
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "written":
        wb = openpyxl.load_workbook(out, read_only=True)
        assert wb[H.SHEET][ref].value == "stray"
        wb.close()



# ------------------------------------------------------------- other books


def test_chart_sheet(tmp_path):
    src = H.chart_sheet(tmp_path)
    run, out, outcome = run_case(tmp_path, src)
    assert outcome == "written", str(run)
    a, b = Package.read(src), Package.read(out)
    part = a.sheet_part("Spend chart")
    assert b.parts.get(part) == a.parts[part]




def test_saved_values_of_shared_formulas_are_read(tmp_path):
    """Total Spend as a shared formula with saved values classifies exactly like typed values."""
    def ours(path):
        sheet, ref = compare.columns_block(path)
        c1, r1, c2, r2 = range_boundaries(ref)
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb[sheet].iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2,
                                                      values_only=True)]
        wb.close()
        return rows

    outs = {}
    for name in ("plain", "formulas"):
        src = fidelity.build(name, tmp_path)
        outs[name] = tmp_path / f"out_{name}.xlsx"
        classify_file(src, outs[name], as_of="2026-01-31")
    assert Package.read(fidelity.build("formulas", tmp_path)).parts["xl/worksheets/sheet1.xml"].count(
        b't="shared"') == 12
    assert ours(outs["formulas"]) == ours(outs["plain"])

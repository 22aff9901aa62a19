"""Issue 12 points 5 and 8: files handled with care, and the user's cells never written over.

Each test builds its workbook here with openpyxl and reads the output back
with openpyxl (the second reader). Every case failed on the openpyxl
round-trip writer that came before the package editor.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.workbook.defined_name import DefinedName

from xlseg.cli import main
from xlseg.core import labels as L
from xlseg.errors import WorkbookError
from xlseg.plan.build import OUTPUT_KEYS
from xlseg.filemode.run import classify_file

HEADER = ["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"]
OURS = [L.header(k, "en") for k in OUTPUT_KEYS]


def book(path, *, extra=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(HEADER)
    for i in range(1, 9):
        ws.append([f"C{i}", f"Name {i}", i, 100.0 * i, dt.datetime(2026, 1, i)])
    if extra:
        extra(wb)
    wb.save(path)
    return path


def header_row(path, sheet="Data", row=1):
    ws = openpyxl.load_workbook(path)[sheet]
    return [ws.cell(row, c).value for c in range(1, ws.max_column + 1)]


# ------------------------------------------------------------------ point 8: never write over the user's cells
def test_headerless_notes_right_of_the_table_are_kept(tmp_path):
    def notes(wb):
        ws = wb["Data"]
        ws["F4"] = "call back Monday"
        ws["H2"] = "VIP"
        ws["I5"] = "=SUM(D2:D5)"

    src = book(tmp_path / "notes.xlsx", extra=notes)
    out = tmp_path / "out.xlsx"
    classify_file(src, out, generated="fixed")
    ws = openpyxl.load_workbook(out)["Data"]
    assert ws["F4"].value == "call back Monday" and ws["H2"].value == "VIP" and ws["I5"].value == "=SUM(D2:D5)"
    assert [ws.cell(1, c).value for c in range(10, 10 + len(OURS))] == OURS  # right of column I
    assert all(ws.cell(1, c).value is None for c in range(6, 10))


def test_user_columns_typed_where_xlseg_wrote_are_kept(tmp_path):
    src = book(tmp_path / "b.xlsx")
    first = tmp_path / "first.xlsx"
    classify_file(src, first, generated="fixed")
    wb = openpyxl.load_workbook(first)
    ws = wb["Data"]
    for row in ws.iter_rows(min_col=6, max_col=5 + len(OURS)):
        for c in row:
            c.value = None
    ws["F1"], ws["G1"] = "Notes", "Owner"
    ws["F3"], ws["G4"] = "likes email", "Ann"
    wb.save(first)  # the stale xlseg_columns name still points at F1:O9
    second = tmp_path / "second.xlsx"
    classify_file(first, second, generated="fixed")
    out = openpyxl.load_workbook(second)
    ws = out["Data"]
    assert (ws["F1"].value, ws["G1"].value, ws["F3"].value, ws["G4"].value) == ("Notes", "Owner", "likes email",
                                                                                "Ann")
    assert header_row(second)[7:7 + len(OURS)] == OURS
    assert out.defined_names["xlseg_columns"].attr_text.startswith("'Data'!$H$1:")


def test_forged_sheet_marker_naming_a_user_sheet(tmp_path):
    def forged(wb):
        budget = wb.create_sheet("Budget")
        budget["A1"], budget["B1"] = "Quarter", "Budget"
        budget.append(["Q1", 1000])
        wb.defined_names["xlseg_sheet_summary"] = DefinedName("xlseg_sheet_summary", attr_text="'Budget'!$A$1")
        wb.defined_names["xlseg_sheet_customers"] = DefinedName("xlseg_sheet_customers", attr_text="'Data'!$A$1")

    src = book(tmp_path / "f.xlsx", extra=forged)
    out = tmp_path / "out.xlsx"
    classify_file(src, out, generated="fixed")
    wb = openpyxl.load_workbook(out)
    assert [[c.value for c in r] for r in wb["Budget"].iter_rows()] == [["Quarter", "Budget"], ["Q1", 1000]]
    assert wb["Data"]["A1"].value == "Customer ID" and wb["Data"]["B2"].value == "Name 1"
    assert "Summary" in wb.sheetnames and "Customers" in wb.sheetnames
    assert wb.defined_names["xlseg_sheet_summary"].attr_text == "'Summary'!$A$1"
    assert wb.defined_names["xlseg_sheet_customers"].attr_text == "'Customers'!$A$1"


def test_merged_cell_where_xlseg_would_write(tmp_path):
    def merged(wb):
        ws = wb["Data"]
        ws["F2"] = "region north"
        ws.merge_cells("F2:H3")

    src = book(tmp_path / "m.xlsx", extra=merged)
    out = tmp_path / "out.xlsx"
    classify_file(src, out, generated="fixed")
    ws = openpyxl.load_workbook(out)["Data"]
    assert "F2:H3" in [str(m) for m in ws.merged_cells.ranges] and ws["F2"].value == "region north"
    assert [ws.cell(1, c).value for c in range(9, 9 + len(OURS))] == OURS


# ------------------------------------------------------------------ point 5: files handled with care
def test_output_keeps_the_input_permissions(tmp_path):
    src = book(tmp_path / "p.xlsx")
    os.chmod(src, 0o644)
    classify_file(src, in_place=True, generated="fixed")
    assert stat.S_IMODE(os.stat(src).st_mode) == 0o644
    out = tmp_path / "o.xlsx"
    os.chmod(src, 0o640)
    classify_file(src, out, generated="fixed")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640


def test_second_in_place_keeps_the_first_backup(tmp_path):
    src = book(tmp_path / "b.xlsx")
    original = src.read_bytes()
    first = classify_file(src, in_place=True, generated="fixed")
    assert first.backup.name == "b.backup.xlsx" and first.backup.read_bytes() == original
    after_first = src.read_bytes()
    second = classify_file(src, in_place=True, generated="fixed")
    assert second.backup.name == "b.backup-2.xlsx" and second.backup.read_bytes() == after_first
    assert (tmp_path / "b.backup.xlsx").read_bytes() == original


def test_read_only_target_is_refused(tmp_path):
    src = book(tmp_path / "r.xlsx")
    os.chmod(src, 0o444)
    before = src.read_bytes()
    with pytest.raises(WorkbookError, match="is read-only"):
        classify_file(src, in_place=True)
    assert src.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]


def test_target_open_in_excel_is_refused(tmp_path):
    src = book(tmp_path / "r.xlsx")
    (tmp_path / "~$r.xlsx").write_bytes(b"owner")
    with pytest.raises(WorkbookError, match="is open in Excel or LibreOffice"):
        classify_file(src, in_place=True)


def test_output_naming_the_input_is_edited_in_place_with_a_backup(tmp_path):
    src = book(tmp_path / "same.xlsx")
    original = src.read_bytes()
    run = classify_file(src, tmp_path / "." / "same.xlsx", generated="fixed")
    assert run.backup is not None and run.backup.read_bytes() == original
    assert header_row(src)[5:5 + len(OURS)] == OURS


def test_in_place_on_a_symlink_edits_the_target(tmp_path):
    real = book(tmp_path / "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    classify_file(link, in_place=True, generated="fixed")
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert header_row(real)[5:5 + len(OURS)] == OURS


def test_xlsm_output_from_xlsx_has_the_macro_content_type(tmp_path):
    src = book(tmp_path / "x.xlsx")
    out = tmp_path / "x.xlsm"
    classify_file(src, out, generated="fixed")
    with zipfile.ZipFile(out) as z:
        types = z.read("[Content_Types].xml").decode()
    assert 'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in types
    assert "spreadsheetml.sheet.main+xml" not in types
    assert openpyxl.load_workbook(out, keep_vba=True)["Data"]["F1"].value == OURS[0]


def test_missing_output_folder(tmp_path):
    src = book(tmp_path / "x.xlsx")
    with pytest.raises(WorkbookError, match="does not exist. Create it"):
        classify_file(src, tmp_path / "nope" / "out.xlsx")


def test_closed_stdout_does_not_claim_files_unchanged(tmp_path, monkeypatch):
    src = book(tmp_path / "s.xlsx")

    def broken(*_a, **_k):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("xlseg.cli._report", broken)
    result = CliRunner().invoke(main, ["classify", str(src)], prog_name="xlseg")
    assert "unchanged" not in result.output and "unexpected" not in result.output
    assert (tmp_path / "s_classified.xlsx").exists()


# ------------------------------------------------------------------ CSV: data stays data
def test_csv_cells_and_headers_that_look_like_formulas_stay_text(tmp_path):
    path = tmp_path / "inj.csv"
    path.write_text("Customer ID,Name,Orders,Total Spend,Last Purchase,=HYPERLINK(\"http://x\")\n"
                    "C1,=cmd|' /C calc'!A0,2,10,2026-01-02,@SUM(1)\n"
                    "C2,+WEBSERVICE(\"http://x\"),3,20,2026-01-03,-1+2\n", encoding="utf-8")
    for formulas in (False, True):
        out = tmp_path / f"inj{formulas}.xlsx"
        classify_file(path, out, generated="fixed", formulas=formulas)
        with zipfile.ZipFile(out) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert "cmd|" in sheet and "<f>cmd" not in sheet and "<f>HYPERLINK" not in sheet
        ws = openpyxl.load_workbook(out)["inj"]
        assert ws["F1"].value == '=HYPERLINK("http://x")' and ws["F1"].data_type == "s"
        assert ws["B2"].value == "=cmd|' /C calc'!A0" and ws["B2"].data_type == "s" and ws["B2"].quotePrefix
        assert ws["B3"].data_type == "s" and ws["F2"].data_type == "s" and ws["F3"].value == "-1+2"


# ------------------------------------------------------------------ damaged inputs: one clear message, never a crash
@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml",
                                  "xl/sharedStrings.xml", "[Content_Types].xml"])
def test_malformed_part_is_refused_clearly(tmp_path, part):
    from tests.corpus import hostile

    path = hostile.truncated(tmp_path, part)
    result = CliRunner().invoke(main, ["classify", str(path)], prog_name="xlseg")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and "unexpected problem" not in result.stderr
    assert path.name in result.stderr or "part" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("kind", ["s", "style"])
def test_bad_shared_string_or_style_index(tmp_path, kind):
    from tests.corpus import hostile

    path = hostile.bad_cell_index(tmp_path, kind)
    result = CliRunner().invoke(main, ["classify", str(path)], prog_name="xlseg")
    assert result.exit_code in (0, 1) and "unexpected problem" not in result.stderr
    assert result.exit_code == 0 or result.stderr.startswith("Error: ")


@pytest.mark.parametrize("which", ["Clients", "Notes"])
def test_missing_sheet_part(tmp_path, which):
    from tests.corpus import hostile

    path = hostile.missing_sheet_part(tmp_path, which)
    result = CliRunner().invoke(main, ["classify", str(path)], prog_name="xlseg")
    assert result.exit_code == 1 and "unexpected problem" not in result.stderr
    assert result.stderr.startswith("Error: ")


def test_chart_sheet_is_kept(tmp_path):
    from tests.corpus import hostile

    path = hostile.chart_sheet(tmp_path)
    out = tmp_path / "out.xlsx"
    classify_file(path, out, generated="fixed")
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(out) as b:
        charts = [n for n in a.namelist() if n.startswith("xl/chartsheets/")]
        assert charts and all(a.read(n) == b.read(n) for n in charts)
    assert "Spend chart" in openpyxl.load_workbook(out).sheetnames

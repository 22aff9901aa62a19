"""Bad input: one clear message, exit 1 (2 for usage), the input byte-identical, nothing else written.

Also the no-loss guard: a workbook with parts openpyxl cannot carry (sparklines
in a worksheet ``extLst``) is never overwritten.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlseg.cli import main
from xlseg.errors import InputError, WorkbookError
from xlseg.filemode import run as run_mod
from xlseg.filemode.run import classify_file


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="xlseg")
    assert "Traceback" not in result.stdout + result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        result.exception
    return result


def save_book(path: Path, rows, title: str = "Data") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


GOOD_ROWS = [["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"]] + [
    [f"C{i}", f"Name {i}", i, 100.0 * i, f"2026-01-{i:02}"] for i in range(1, 9)]


def assert_refused(tmp_path: Path, path: Path, args: list, message: str, *, code: int = 1):
    """Run the CLI; check the exit code, the one message, the input's bytes and that nothing else appeared."""
    existed = path.is_file()
    digest = sha(path) if existed else None
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("classify", path, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"
    if existed:
        assert sha(path) == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no output, no temp file, no backup
    return result


# ------------------------------------------------------------------ fatal bad input
def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("Customer ID,Name\nC1,Ann\n", encoding="utf-8")
    assert_refused(tmp_path, path, [], "'fake.xlsx' is not an Excel workbook (it is not a zip package, perhaps a "
                   "text or CSV file renamed). Save it from Excel as .xlsx (or .xlsm) and try again.")


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    assert_refused(tmp_path, path, [], "'zip.xlsx' could not be read as an Excel workbook: it is a zip file but "
                   "has no workbook part (xl/workbook.xml). Save it from Excel as .xlsx (or .xlsm) and try again.")


def _any_message(tmp_path, path):
    """The message for an input whose exact wording depends on openpyxl's exception text."""
    result = CliRunner().invoke(main, ["classify", str(path)], prog_name="xlseg")
    return result.stderr[len("Error: "):-1]


def test_an_empty_workbook(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    assert_refused(tmp_path, path, [], "No customer sheet found: no sheet has a header row with a customer-id "
                   "column (e.g. 'Customer ID' or '客户编号') in its first 20 rows. Sheets: Sheet. Add such a header "
                   "or name the sheet with --sheet.")


def test_an_empty_sheet_named_with_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    assert_refused(tmp_path, path, ["--sheet", "Sheet"],
                   "Sheet 'Sheet' is empty. Put one customer per row under a header row (e.g. Customer ID, Name, "
                   "Last Purchase, Orders, Total Spend).")


def test_no_customer_id_column(tmp_path):
    path = save_book(tmp_path / "noid.xlsx", [["Name", "Orders", "Total Spend"], ["Ann", 2, 10.0]])
    assert_refused(tmp_path, path, [], "No customer sheet found: no sheet has a header row with a customer-id "
                   "column (e.g. 'Customer ID' or '客户编号') in its first 20 rows. Sheets: Data. Add such a header "
                   "or name the sheet with --sheet.")


def test_only_headers(tmp_path):
    path = save_book(tmp_path / "head.xlsx", [GOOD_ROWS[0]])
    assert_refused(tmp_path, path, [], "Sheet 'Data' has headers but no customer rows. Add customers below the "
                   "header row.")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.xlsx"
    assert_refused(tmp_path, path, [], f"'{path}' does not exist. Check the path.")


def test_wrong_suffix(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    assert_refused(tmp_path, path, [], "'notes.txt' is not a .xlsx, .xlsm or .csv file. Save it from Excel as .xlsx "
                   "(Excel 97-2003 .xls files must be re-saved as .xlsx).")  # .xls and .xlsb: tests/test_read_hostile.py


def test_sheet_option_names_a_missing_sheet(tmp_path):
    path = save_book(tmp_path / "ok.xlsx", GOOD_ROWS)
    assert_refused(tmp_path, path, ["--sheet", "Kunden"], "There is no sheet 'Kunden'. Sheets in this workbook: "
                   "Data.")


def test_bad_output_suffix_and_conflicting_options(tmp_path):
    path = save_book(tmp_path / "ok.xlsx", GOOD_ROWS)
    assert_refused(tmp_path, path, ["-o", tmp_path / "out.csv"], "The output 'out.csv' must end in .xlsx or .xlsm.")
    assert_refused(tmp_path, path, ["-o", tmp_path / "o.xlsx", "--in-place"],
                   "Use either --in-place or -o/--output, not both.")


def test_folder_as_input(tmp_path):
    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    assert_refused(tmp_path, folder, [], f"'{folder}' is a folder. Give a workbook (.xlsx, .xlsm) or a .csv file.")


# ------------------------------------------------------------------ CSV limits
def test_csv_over_the_row_limit_patched(tmp_path, monkeypatch):
    monkeypatch.setattr(run_mod, "EXCEL_MAX_ROWS", 6)
    path = tmp_path / "many.csv"
    path.write_text("Customer ID,Total Spend\n" + "".join(f"C{i},{i}\n" for i in range(6)), encoding="utf-8")
    assert_refused(tmp_path, path, [], "'many.csv' has 6 data rows, but one Excel sheet holds at most 5 rows below "
                   "the header. Split the file, or use the Python API (xlseg.classify) which has no row limit.")
    # one row fewer fits
    path.write_text("Customer ID,Total Spend\n" + "".join(f"C{i},{i}\n" for i in range(5)), encoding="utf-8")
    assert cli("classify", path, "-o", tmp_path / "fits.xlsx").exit_code == 0


def test_csv_over_the_real_row_limit(tmp_path):
    """1,048,576 customers: one more than a sheet holds under its header (about 10 MB, a few seconds)."""
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Customer ID,Total Spend\n")
        fh.write("".join(f"C{i},1\n" for i in range(1_048_576)))
    assert_refused(tmp_path, path, [], "'huge.csv' has 1,048,576 data rows, but one Excel sheet holds at most "
                   "1,048,575 rows below the header. Split the file, or use the Python API (xlseg.classify) "
                   "which has no row limit.")


def test_empty_csv(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"")
    result = assert_refused(tmp_path, path, [], _any_message(tmp_path, path))
    assert result.stderr.startswith("Error: 'blank.csv' ")


# ------------------------------------------------------------------ usage errors: exit 2
@pytest.mark.parametrize("args, text", [
    (["--bogus"], "Error: No such option"),
    (["--lang", "fr"], "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'zh'."),
    (["--as-of", "notadate"], "Error: Invalid value for '--as-of': 'notadate' is not a date."),
    (["--as-of", "2026-13-45"], "Error: Invalid value for '--as-of': '2026-13-45' is not a date."),
])
def test_usage_errors_exit_2(tmp_path, args, text):
    path = save_book(tmp_path / "ok.xlsx", GOOD_ROWS)
    digest = sha(path)
    result = cli("classify", path, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage: xlseg classify [OPTIONS] [INPUT]" in result.stderr
    assert text.replace(":", "") in result.stderr.replace(":", "")
    assert args[0] in result.stderr or args[1] in result.stderr
    assert sha(path) == digest and sorted(p.name for p in tmp_path.iterdir()) == ["ok.xlsx"]


def test_usage_missing_argument_and_unknown_command():
    assert cli("classify").exit_code == 2
    result = cli("segment")
    assert result.exit_code == 2 and "No such command 'segment'" in result.stderr


# ------------------------------------------------------------------ the no-loss guard
SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/><x14:sparklines>'
    '<x14:sparkline><xm:f>Data!C2:D2</xm:f><xm:sqref>F2</xm:sqref></x14:sparkline>'
    '</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>')


def with_sparklines(path: Path) -> Path:
    """Write a plain workbook, then plant a worksheet extLst with sparklines in its XML."""
    plain = path.with_name("plain.xlsx")
    save_book(plain, GOOD_ROWS)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert data.count(b"</worksheet>") == 1
                data = data.replace(b"</worksheet>", SPARKLINES.encode() + b"</worksheet>")
            zout.writestr(item, data)
    plain.unlink()
    return path


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("in_place", [False, True], ids=["default output", "--in-place"])
def test_sparklines_are_kept(tmp_path, in_place):
    """Issue 12: the package is edited, not rewritten, so a worksheet extLst (sparklines) survives as it was."""
    path = with_sparklines(tmp_path / "spark.xlsx")
    digest = sha(path)
    target = path if in_place else tmp_path / "spark_classified.xlsx"
    result = cli("classify", path, *(["--in-place"] if in_place else []))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no openpyxl warning about dropped extensions
    out = _sheet_xml(target)
    assert out.count(SPARKLINES.encode()) == 1 and out.endswith(SPARKLINES.encode() + b"</worksheet>")
    if in_place:
        assert sha(tmp_path / "spark.backup.xlsx") == digest
    else:
        assert sha(path) == digest
    assert openpyxl.load_workbook(target)["Data"]["A1"].value == GOOD_ROWS[0][0]


# ------------------------------------------------------------------ the API raises the same errors
def test_api_errors_are_typed(tmp_path):
    with pytest.raises(WorkbookError):
        classify_file(tmp_path / "missing.xlsx")
    path = save_book(tmp_path / "head.xlsx", [GOOD_ROWS[0]])
    with pytest.raises(InputError):
        classify_file(path)

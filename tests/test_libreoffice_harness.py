"""tests/libreoffice.py: the LibreOffice second reader, proven on small workbooks.

The exact strings below are what LibreOffice 7.4 writes (see the module
docstring of tests/libreoffice.py); if a LibreOffice upgrade changes them, this
file says so first.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from tests import conftest
from tests import libreoffice as lo

# (label, value written by openpyxl, number_format or None, exact LibreOffice CSV text)
CASES = [
    ("int", 1234567, None, "1234567"),
    ("float", 1234.5, None, "1234.5"),
    ("many decimals", 0.1234567890123456789, None, "0.123456789012346"),
    ("third", 1 / 3, None, "0.333333333333333"),
    ("big", 12345678901234.567, None, "12345678901234.6"),
    ("huge", 12345678901234567, None, "1.23456789012346E+016"),
    ("tiny", 1.5e-12, None, "0.0000000000015"),
    ("negative", -42.25, None, "-42.25"),
    ("thousands", 1234.5, "#,##0.00", "1234.5"),
    ("currency", -1234.5, '"¥"#,##0.00', "-1234.5"),
    ("parentheses", -1234.5, "#,##0.00;(#,##0.00)", "-1234.5"),
    ("two decimals", 2.345, "0.0", "2.345"),
    ("percent", 0.256789, "0.0%", "25.6789%"),
    ("percent whole", 0.5, "0%", "50%"),
    ("date iso", dt.date(2024, 3, 5), "yyyy-mm-dd", "2024-03-05"),
    ("date dmy", dt.date(2024, 3, 5), "dd/mm/yyyy", "03/05/2024"),
    ("date zh", dt.date(2024, 3, 5), 'yyyy"年"m"月"d"日"', "03/05/2024"),
    ("datetime iso", dt.datetime(2024, 3, 5, 13, 45, 7), "yyyy-mm-dd hh:mm:ss", "2024-03-05 13:45:07"),
    ("datetime in date format", dt.datetime(2024, 3, 5, 12, 0), "yyyy-mm-dd", "2024-03-05 12:00:00"),
    ("time", dt.time(13, 45, 7), "hh:mm:ss", "01:45:07 PM"),
    ("duration", dt.timedelta(hours=30), "[h]:mm:ss", "30:00:00"),
    ("true", True, None, "TRUE"),
    ("false", False, None, "FALSE"),
    ("chinese", "高价值客户", None, "高价值客户"),
    ("quotes and commas", 'a,b "c"', None, 'a,b "c"'),
    ("leading zeros", "00123", None, "00123"),
    ("two lines", "line1\nline2", None, "line1\nline2"),
    ("blank", None, None, ""),
]


def make_sample_book(path: Path) -> Path:
    """Sheets 'Data' (CASES + formulas), 'Summary 2' and '客户'."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["label", "value"])
    for label, value, fmt, _ in CASES:
        ws.append([label, value])
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
    ws.append(["formula", "=B2*2"])  # openpyxl writes no cached value
    ws.append(["formula date", "=DATE(2024,1,31)+1"])
    ws.cell(ws.max_row, 2).number_format = "yyyy-mm-dd"
    ws.append(["formula text", '=A2&"-"&B2'])
    ws.append(["formula error", "=1/0"])
    s2 = wb.create_sheet("Summary 2")
    s2.append(["x", "3x"])
    s2.append([2, "=A2*3"])
    zh = wb.create_sheet("客户")
    zh.append(["客户编号", "消费金额"])
    zh.append(["C001", 1234.5])
    wb.save(path)
    return path


def with_stale_cache(src: Path, dst: Path, formula: str, cached: str) -> Path:
    """Copy an openpyxl workbook, giving ``formula`` a (wrong) cached value, as Excel files carry."""
    # openpyxl writes an empty value element: <v /> without lxml, <v></v> with it.
    needle = re.compile(rb"<f>" + re.escape(formula.encode()) + rb"</f>(?:<v ?/>|<v></v>)")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert needle.search(data), data[-400:]
                data = needle.sub(f"<f>{formula}</f><v>{cached}</v>".encode(), data)
            zout.writestr(info, data)
    return dst


def as_xlam(src: Path, dst: Path) -> Path:
    """The same package declared as an add-in (the content type of xlseg.xlam's workbook part)."""
    xlsx = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    xlam = b"application/vnd.ms-excel.addin.macroEnabled.main+xml"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                assert xlsx in data
                data = data.replace(xlsx, xlam)
            zout.writestr(info, data)
    return dst


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return make_sample_book(tmp_path_factory.mktemp("book") / "book.xlsx")


@pytest.fixture(scope="module")
def sheets(libreoffice, book, tmp_path_factory) -> dict[str, list[list[str]]]:
    out = tmp_path_factory.mktemp("csv")
    paths = libreoffice.convert_to_csv(book, out)
    return {name: libreoffice.read_csv_sheet(p) for name, p in paths.items()}


# ------------------------------------------------------------ CSV, per sheet


def test_every_sheet_becomes_one_csv_named_book_dash_sheet(libreoffice, book, tmp_path):
    paths = libreoffice.convert_to_csv(book, tmp_path)
    assert list(paths) == ["Data", "Summary 2", "客户"]
    assert {name: p.name for name, p in paths.items()} == {
        "Data": "book-Data.csv",
        "Summary 2": "book-Summary 2.csv",
        "客户": "book-客户.csv",
    }
    assert all(p.parent == tmp_path for p in paths.values())


def test_chinese_sheet_and_sheet_with_space_are_read_back(sheets):
    assert sheets["客户"] == [["客户编号", "消费金额"], ["C001", "1234.5"]]
    assert sheets["Summary 2"] == [["x", "3x"], ["2", "6"]]


@pytest.mark.parametrize(("label", "value", "fmt", "text"), CASES, ids=[c[0] for c in CASES])
def test_libreoffice_csv_text_is_pinned_and_cell_equal_accepts_it(sheets, label, value, fmt, text):
    rows = {row[0]: row[1] for row in sheets["Data"][1:]}
    assert rows[label] == text
    assert lo.cell_equal(rows[label], value)


def test_formulas_written_by_openpyxl_are_computed(sheets):
    rows = {row[0]: row[1] for row in sheets["Data"][1:]}
    assert rows["formula"] == "2469134"
    assert rows["formula date"] == "2024-02-01"
    assert rows["formula text"] == "int-1234567"
    assert rows["formula error"] == "#DIV/0!"


def test_recalc_replaces_a_stale_cached_value(libreoffice, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active.append([21, "=A1*2"])
    wb.save(tmp_path / "fresh.xlsx")
    stale = with_stale_cache(tmp_path / "fresh.xlsx", tmp_path / "stale.xlsx", "A1*2", "999")

    cached = libreoffice.convert_to_csv(stale, tmp_path / "cached", recalc=False)
    recalculated = libreoffice.convert_to_csv(stale, tmp_path / "recalc", recalc=True)

    assert libreoffice.read_csv_sheet(cached["S"]) == [["21", "999"]]
    assert libreoffice.read_csv_sheet(recalculated["S"]) == [["21", "42"]]


def test_odd_sheet_names_hidden_chart_and_empty_sheets_and_a_chinese_file_name(libreoffice, tmp_path):
    from openpyxl.chart import BarChart, Reference

    names = ["a-b", "Q#1 %&", "it's", 'x"<>|', " lead", "Hidden", "空"]
    wb = openpyxl.Workbook()
    wb.active.title = "D"
    for i in range(1, 4):
        wb.active.append([i, i * i])
    for name in names:
        wb.create_sheet(name)["A1"] = name
    wb["Hidden"].sheet_state = "hidden"
    wb["空"]["A1"] = None
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=2, min_row=1, max_row=3))
    wb.create_chartsheet("Chart").add_chart(chart)
    src = tmp_path / "客户 名单.xlsx"
    wb.save(src)

    paths = libreoffice.convert_to_csv(src, tmp_path / "out")

    assert list(paths) == ["D", *names, "Chart"]
    assert paths["x\"<>|"].name == '客户 名单-x"<>|.csv'
    for name in names[:-1]:
        assert libreoffice.read_csv_sheet(paths[name]) == [[name]]
    assert libreoffice.read_csv_sheet(paths["空"]) == []
    assert libreoffice.read_csv_sheet(paths["Chart"]) == []
    assert libreoffice.read_csv_sheet(paths["D"]) == [["1", "1"], ["2", "4"], ["3", "9"]]


def test_xlam_is_opened_with_the_vba_infilter(libreoffice, book, tmp_path):
    addin = as_xlam(book, tmp_path / "xlseg.xlam")
    paths = libreoffice.convert_to_csv(addin, tmp_path / "out")
    assert list(paths) == ["Data", "Summary 2", "客户"]
    assert libreoffice.read_csv_sheet(paths["客户"])[1] == ["C001", "1234.5"]


def test_a_file_libreoffice_cannot_load_fails_with_its_stderr(libreoffice, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(lo.LibreOfficeError) as err:
        libreoffice.convert_to_csv(bad, tmp_path / "out")
    message = str(err.value)
    assert "bad.xlsx" in message and "stderr:" in message and "soffice" in message


def test_a_missing_file_fails_before_running_soffice(libreoffice, tmp_path):
    with pytest.raises(lo.LibreOfficeError, match="no such file"):
        libreoffice.convert_to_csv(tmp_path / "nope.xlsx", tmp_path)


def test_a_hung_conversion_is_killed_at_the_timeout(libreoffice, book, tmp_path):
    with pytest.raises(lo.LibreOfficeError, match="timed out after 0.01 s"):
        libreoffice.convert_to_csv(book, tmp_path, timeout=0.01)


def test_no_stale_csv_from_an_earlier_run_is_returned(libreoffice, book, tmp_path):
    (tmp_path / "book-Data.csv").write_text("stale\n", encoding="utf-8")
    paths = libreoffice.convert_to_csv(book, tmp_path)
    assert libreoffice.read_csv_sheet(paths["Data"])[0] == ["label", "value"]


# ------------------------------------------------------------------ PDF, PNG


def test_pdf_and_png_render(libreoffice, pdftoppm, book, tmp_path):
    pdf = libreoffice.convert_to_pdf(book, tmp_path)
    assert pdf == tmp_path / "book.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")

    pngs = libreoffice.pdf_to_pngs(pdf, tmp_path / "png")

    assert len(pngs) >= 1
    assert pngs == sorted(pngs, key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


# ---------------------------------------------------------- cell_equal alone

# (LibreOffice text, value, expected)
EQUAL_TABLE = [
    ("", None, True),
    ("", "", True),
    ("", float("nan"), True),  # pandas' missing value is a blank cell
    ("0", None, False),
    (" ", None, False),
    ("1234.5", 1234.5, True),
    ("1,234.50", 1234.5, True),  # as shown: thousands separator stripped
    ("1,234,567", 1234567, True),
    ("1,2", 12, False),  # not a thousands grouping
    ("(1,234.50)", -1234.5, True),
    ("¥1,234.50", 1234.5, True),
    ("1234.5000000001", 1234.5, True),  # within 1e-9 relative
    ("1234.51", 1234.5, False),
    ("25.6789%", 0.256789, True),
    ("25.6789%", 25.6789, False),
    ("1.23456789012346E+016", 12345678901234567, True),
    ("0", 0.0, True),
    ("0", 1e-15, True),  # abs_tol near zero
    ("3", np.int64(3), True),
    ("2.5", np.float32(2.5), True),
    ("abc", 1, False),
    ("TRUE", True, True),
    ("true", True, True),
    ("FALSE", False, True),
    ("FALSE", np.False_, True),
    ("1", True, False),
    ("TRUE", 1, False),
    ("2024-03-05", dt.date(2024, 3, 5), True),
    ("03/05/2024", dt.date(2024, 3, 5), True),
    ("2024-03-05 00:00:00", dt.date(2024, 3, 5), True),
    ("2024-03-05 12:00:00", dt.date(2024, 3, 5), False),
    ("2024-03-06", dt.date(2024, 3, 5), False),
    ("45356", dt.date(2024, 3, 5), False),  # a serial means the date format is missing
    ("2024-03-05", dt.datetime(2024, 3, 5), True),
    ("2024-03-05T13:45:07", dt.datetime(2024, 3, 5, 13, 45, 7), True),
    ("2024-03-06 00:00:00", dt.datetime(2024, 3, 5, 23, 59, 59, 900000), True),  # rounded to the second
    ("03/05/2024 08:05:00", dt.datetime(2024, 3, 5, 8, 5), True),
    ("03/05/2024 08:05:00", dt.datetime(2024, 3, 5, 8, 6), False),
    ("01:45:07 PM", dt.time(13, 45, 7), True),
    ("13:45:07", dt.time(13, 45, 7), True),
    ("01:45:07 AM", dt.time(13, 45, 7), False),
    ("30:00:00", dt.timedelta(hours=30), True),
    ("高价值客户", "高价值客户", True),
    ("高价值客户 ", "高价值客户", False),
    ("line1\nline2", "line1\r\nline2", True),
    ("#DIV/0!", "#DIV/0!", True),
]


@pytest.mark.parametrize(("text", "value", "expected"), EQUAL_TABLE)
def test_cell_equal(text, value, expected):
    assert lo.cell_equal(text, value) is expected


def test_read_csv_sheet_keeps_blank_cells_and_quoted_newlines(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes('a,,"x\ny"\n\n"高",b,\n'.encode())
    assert lo.read_csv_sheet(path) == [["a", "", "x\ny"], [""], ["高", "b", ""]]


def test_workbook_sheet_names_reads_the_tab_order(book, tmp_path):
    assert lo.workbook_sheet_names(book) == ["Data", "Summary 2", "客户"]
    (tmp_path / "t.csv").write_text("a\n")
    assert lo.workbook_sheet_names(tmp_path / "t.csv") is None


# ------------------------------------------------------ fixture: skip vs fail


def test_missing_soffice_skips_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        conftest._require("soffice", None)


def test_missing_soffice_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but soffice not found"):
        conftest._require("soffice", None)


def test_present_tool_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert conftest._require("soffice", Path("/usr/bin/soffice")) == Path("/usr/bin/soffice")


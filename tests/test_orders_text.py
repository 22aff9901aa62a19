"""``--orders file.csv`` reads a CSV as ``xlseg classify file.csv`` reads it: one file, one answer.

Real exports are not tidy: the UCI Online Retail export has month-first dates with a time
(``12/1/10 8:26``) and four lines with a missing comma; other shops write day-first dates,
amounts with currency signs or decimal commas, GB18030 text, quoted line breaks and blank
rows. Each case runs both paths through the command line and requires the same Customers
sheet, cell for cell.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from xlseg.engines import sources
from tests.cli_runner import cli

DATA = Path(__file__).parent / "data"


def customers(path) -> dict:
    """The Customers sheet: customer id -> its row (header -> value)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb["Customers"].iter_rows(values_only=True))
    finally:
        wb.close()
    header = rows[0]
    return {r[0]: dict(zip(header, r)) for r in rows[1:] if r[0] is not None}


def both_paths(csv: Path, tmp_path: Path, *options) -> tuple[dict, dict, str]:
    """The Customers sheets of ``xlseg classify CSV`` and ``xlseg classify --orders CSV``, and the latter's output."""
    sheet_out, files_out = tmp_path / "sheet.xlsx", tmp_path / "files.xlsx"
    a = cli("classify", csv, "-o", sheet_out, *options)
    assert a.exit_code == 0, a.stdout + a.stderr
    b = cli("classify", "--orders", csv, "-o", files_out, *options)
    assert b.exit_code == 0, b.stdout + b.stderr
    return customers(sheet_out), customers(files_out), b.stdout + b.stderr


def assert_same(expected: dict, got: dict) -> None:
    assert sorted(expected) == sorted(got)
    for cid, row in expected.items():
        for header, value in row.items():
            assert got[cid].get(header) == value, (cid, header, value, got[cid].get(header))


def test_the_uci_export_gives_the_sheet_paths_answer(tmp_path):
    """Month-first dates with times and 4 lines with a missing comma: DuckDB's own sniffer took the file for
    '|'-separated and reported 'no customer-id column'."""
    csv = tmp_path / "online_retail.csv"
    shutil.copy(DATA / "online_retail_sample.csv", csv)
    expected, got, said = both_paths(csv, tmp_path)
    assert len(expected) == 14
    assert_same(expected, got)
    assert "column 'InvoiceDate': dates such as '12/1/10 8:26' fit either order throughout: read month first" in said
    assert "4 of 183 order lines skipped: 4 'InvoiceDate' is not a date" in said
    # the attributes come from the order files, not from a sheet the user never had
    assert "Customer attributes from the order lines in the order files ('Country')" in said
    assert "on sheet 'orders'" not in said


def test_the_attributes_sentence_in_chinese(tmp_path):
    csv = tmp_path / "online_retail.csv"
    shutil.copy(DATA / "online_retail_sample.csv", csv)
    result = cli("classify", "--orders", csv, "-o", tmp_path / "out.xlsx", "--lang", "zh")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "客户属性取自订单文件中的订单明细（“Country”）" in result.stdout + result.stderr


def _lines(dates, amounts, n_customers=24):
    rows = []
    for i, (d, a) in enumerate(zip(dates, amounts)):
        rows.append((f"C{i % n_customers:03d}", d, a, f"O{i}"))
    return rows


def _write(path: Path, header, rows, sep=",", encoding="utf-8") -> Path:
    def cell(v):
        v = str(v)
        return f'"{v}"' if sep in v or '"' in v or "\n" in v else v
    text = "\n".join(sep.join(cell(v) for v in row) for row in [header, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("day_first", [False, True])
def test_day_first_dates_follow_the_column_rule(tmp_path, day_first):
    """A column with 13/01/2024 is day first throughout; an ambiguous one follows --day-first."""
    days = [f"{d:02d}/{m:02d}/2024" for m in range(1, 13) for d in (3, 9, 11)]
    if not day_first:
        days[5] = "13/02/2024"  # only possible day first: decides the whole column
    rows = _lines(days * 3, [f"{10 + i % 7}.5" for i in range(len(days) * 3)])
    csv = _write(tmp_path / "orders.csv", ("Customer ID", "Order Date", "Amount", "Order ID"), rows)
    expected, got, said = both_paths(csv, tmp_path, *(["--day-first"] if day_first else []))
    assert_same(expected, got)
    assert "read day first" in said if not day_first else "fit either order throughout: read day first" in said


def test_amounts_as_people_type_them(tmp_path):
    amounts = ["¥1,234.50", "(5)", "12 元", "USD 7.25", "1 200", "3,5", "abc", "", "-4", "8.", " 19 "]
    dates = ["2024-01-05", "2024/2/7", "2024年3月9日", "5 Mar 2024", "March 7, 2024", "45400", "20240411",
             "2024-04-31", "not a date", "2024-05-05 10:30", "  2024-06-01"]
    rows = _lines(dates * 6, amounts * 6, n_customers=22)
    csv = _write(tmp_path / "orders.csv", ("Customer ID", "Date", "Amount", "Order ID"), rows)
    expected, got, _ = both_paths(csv, tmp_path)
    assert_same(expected, got)


def test_a_decimal_comma_file(tmp_path):
    amounts = ["1.234,50", "12,5", "7", "0,99", "2.000", "15,00"]
    rows = _lines([f"2024-0{1 + i % 9}-1{i % 10}" for i in range(60)], amounts * 10, n_customers=21)
    csv = _write(tmp_path / "orders.csv", ("Kundennummer", "Datum", "Betrag", "Bestellnummer"), rows, sep=";")
    (tmp_path / "orders.csv").write_text(csv.read_text().replace("Kundennummer", "Customer ID")
                                         .replace("Datum", "Date").replace("Betrag", "Amount")
                                         .replace("Bestellnummer", "Order ID"))
    expected, got, _ = both_paths(csv, tmp_path)
    assert_same(expected, got)
    assert sources.csv_dialect(str(csv)).decimal_comma


def test_short_and_long_rows_quoted_line_breaks_and_blank_rows(tmp_path):
    """DuckDB pads short rows only in one thread when a quoted field holds a line break: read again so."""
    header = ("Customer ID", "Date", "Amount", "Order ID", "Note")
    rows = []
    for i in range(90):
        rows.append((f"C{i % 25:02d}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", f"{5 + i % 9}", f"O{i}",
                     "line one\nline two" if i % 10 == 0 else f"note {i}"))
    text = _write(tmp_path / "tmp.csv", header, rows).read_text()
    lines = text.split("\n")
    lines.insert(5, "C01,2024-03-03,7")  # short: no order id, no note
    lines.insert(9, "C02,2024-03-04,8,O-long,a note,an extra field")  # long
    lines.insert(12, ",,,,")  # a spreadsheet's blank row
    lines.insert(14, "")  # an empty line
    csv = tmp_path / "orders.csv"
    csv.write_text("\n".join(lines))
    expected, got, said = both_paths(csv, tmp_path)
    assert_same(expected, got)
    assert "order lines skipped" not in said  # the blank rows are not order lines


def test_an_early_long_row_does_not_hide_the_lines_above_it(tmp_path):
    """DuckDB's sniffer took the lines above a long row for a preamble and returned no lines (exit 0)."""
    rows = [(f"C{i}", f"2024-01-{1 + i:02d}", str(5 + i)) for i in range(25)]
    text = _write(tmp_path / "tmp.csv", ("Customer ID", "Date", "Amount"), rows).read_text()
    lines = text.split("\n")
    lines.insert(20, "C3,2024-02-01,9,extra")
    csv = tmp_path / "orders.csv"
    csv.write_text("\n".join(lines))
    expected, got, _ = both_paths(csv, tmp_path)
    assert len(expected) == 25
    assert_same(expected, got)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig", "cp1252"])
def test_other_encodings(tmp_path, encoding):
    cities = ["北京", "上海", "广州"] if encoding != "cp1252" else ["München", "Köln", "Düsseldorf"]
    header = ("客户编号", "日期", "金额", "城市") if encoding != "cp1252" else ("Customer ID", "Date", "Amount", "City")
    rows = [(f"K{i % 21:02d}", f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}", f"{3 + i % 11}.5", cities[i % 3])
            for i in range(80)]
    csv = _write(tmp_path / "orders.csv", header, rows, encoding=encoding)
    expected, got, _ = both_paths(csv, tmp_path)
    assert_same(expected, got)


def test_gzip_with_text_dates(tmp_path):
    import gzip

    plain = tmp_path / "orders.csv"
    shutil.copy(DATA / "online_retail_sample.csv", plain)
    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    a = cli("classify", "--orders", plain, "-o", tmp_path / "a.xlsx")
    b = cli("classify", "--orders", gz, "-o", tmp_path / "b.xlsx")
    assert a.exit_code == 0 and b.exit_code == 0, b.stdout + b.stderr
    assert customers(tmp_path / "a.xlsx") == customers(tmp_path / "b.xlsx")


def test_undecodable_text_names_the_file(tmp_path):
    csv = tmp_path / "orders.csv"
    csv.write_bytes(b"Customer ID,Date,Amount\n" + b"C1,2024-01-01,5\n" * 10 + bytes(range(0x80, 0x100)) * 4)
    result = cli("classify", "--orders", csv, "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 1
    assert "orders.csv" in result.stderr and "Traceback" not in result.stderr


def test_customers_out_carries_the_attributes(tmp_path):
    import duckdb

    csv = tmp_path / "online_retail.csv"
    shutil.copy(DATA / "online_retail_sample.csv", csv)
    every = tmp_path / "all.csv"
    result = cli("classify", "--orders", csv, "-o", tmp_path / "out.xlsx", "--customers-out", every)
    assert result.exit_code == 0, result.stderr
    con = duckdb.connect()
    try:
        got = dict(con.execute(f"SELECT CAST(customer_id AS VARCHAR), country FROM read_csv('{every}')").fetchall())
    finally:
        con.close()
    sheet = customers(tmp_path / "out.xlsx")
    assert got == {str(k): v["Country"] for k, v in sheet.items()} and got["12583"] == "France"


def test_ids_as_a_csv_holds_them(tmp_path):
    """1001.0 is the number 1001 where Excel opens a CSV, so the id 1001; 007 keeps its zeros; 12.5 is 12.5."""
    ids = ["1001.0", "1001", " 1002.00 ", "007", "007.0", "12.5", "C-9", "1003"]
    rows = [(ids[i % len(ids)], f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}", str(4 + i % 5), f"O{i}") for i in range(96)]
    csv = _write(tmp_path / "orders.csv", ("Customer ID", "Date", "Amount", "Order ID"), rows)
    expected, got, _ = both_paths(csv, tmp_path)
    assert "1001" in got and "1001.0" not in got
    assert_same(expected, got)


def test_a_damaged_gzip_file_names_the_file(tmp_path):
    import gzip

    data = gzip.compress(b"Customer ID,Date,Amount\n" + b"C1,2024-01-01,5\n" * 2000)
    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(data[:40] + bytes(200) + data[240:])  # the deflate stream broken after the header
    result = cli("classify", "--orders", gz, "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 1 and "Order file" in result.stderr and "orders.csv.gz' could not be read" in \
        result.stderr and "unexpected" not in result.stderr, result.stderr

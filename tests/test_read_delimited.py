"""xlseg.read.delimited: encodings, separators, decimal commas and typing of CSV files people really have.

Each file is written here from a text and an encoding; the expected rows are
written out by hand.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from xlseg.errors import WorkbookError
from xlseg.read.delimited import read_delimited, typed

EUROPEAN = ("Kundennummer;Name;Bestelldatum;Betrag\n"
            "K001;Müller Straße GmbH;05.03.2024;1.234,50\n"
            "K002;Jürgen Groß;13.03.2024;12,5\n"
            "K003;\"Weiß; Söhne\";01.12.2023;-7,00\n")
EUROPEAN_ROWS = [("Kundennummer", "Name", "Bestelldatum", "Betrag"),
                 ("K001", "Müller Straße GmbH", "05.03.2024", "1.234,50"),
                 ("K002", "Jürgen Groß", "13.03.2024", "12,5"),
                 ("K003", "Weiß; Söhne", "01.12.2023", "-7,00")]
BRITISH = ("Customer ID,Name,Order Date,Amount\n"
           "C1,Ann,13/03/2024,£12.50\n"
           "C2,\"Bob, Jr\",01/02/2024,\"£1,234.00\"\n"
           "C3,Cleo,02/01/2024,7.25\n")
BRITISH_ROWS = [("Customer ID", "Name", "Order Date", "Amount"), ("C1", "Ann", "13/03/2024", "£12.50"),
                ("C2", "Bob, Jr", "01/02/2024", "£1,234.00"), ("C3", "Cleo", "02/01/2024", 7.25)]
CHINESE = ("客户编号,客户名称,订单日期,金额\n"
           "K001,北京华恒科技有限公司,2024-03-05,5400\n"
           "K002,王伟,2024-03-06,800.5\n")
CHINESE_ROWS = [("客户编号", "客户名称", "订单日期", "金额"), ("K001", "北京华恒科技有限公司", "2024-03-05", 5400),
                ("K002", "王伟", "2024-03-06", 800.5)]


def write(tmp_path: Path, text: str, encoding: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("text, encoding, rows, label, sep, comma", [
    (EUROPEAN, "cp1252", EUROPEAN_ROWS, "Windows-1252", ";", True),
    (EUROPEAN, "utf-8", EUROPEAN_ROWS, "UTF-8", ";", True),
    (EUROPEAN, "utf-8-sig", EUROPEAN_ROWS, "UTF-8 with BOM", ";", True),
    (BRITISH, "utf-8", BRITISH_ROWS, "UTF-8", ",", False),
    (BRITISH, "cp1252", BRITISH_ROWS, "Windows-1252", ",", False),  # £ is 0xA3 there
    (CHINESE, "gb18030", CHINESE_ROWS, "GB18030", ",", False),
    (CHINESE, "gbk", CHINESE_ROWS, "GB18030", ",", False),
    (CHINESE, "utf-16", CHINESE_ROWS, "UTF-16", ",", False),
    (CHINESE.replace(",", "\t"), "utf-16", CHINESE_ROWS, "UTF-16", "\t", False),
    (CHINESE.replace(",", "|"), "utf-8-sig", CHINESE_ROWS, "UTF-8 with BOM", "|", False),
], ids=["european cp1252", "european utf-8", "european bom", "british utf-8", "british cp1252", "gb18030", "gbk",
        "utf-16", "utf-16 tab (Excel's 'Unicode text')", "pipe"])
def test_dialects(tmp_path, text, encoding, rows, label, sep, comma):
    got = read_delimited(write(tmp_path, text, encoding))
    assert (got.rows, got.encoding_label, got.separator, got.decimal_comma) == (rows, label, sep, comma)


def test_cp1252_is_not_decoded_as_gb18030(tmp_path):
    # "Müller Straße" is valid GB18030 too (FC 6C and DF 65 are two-byte characters there): 7 garbled CJK letters
    data = "Customer ID,Name,City\nC1,Müller Straße,Köln\nC2,Renée Dubois,Orléans\n".encode("cp1252")
    assert data.decode("gb18030") != data.decode("cp1252")
    got = read_delimited(write(tmp_path, data.decode("cp1252"), "cp1252"))
    assert got.rows[1:] == [("C1", "Müller Straße", "Köln"), ("C2", "Renée Dubois", "Orléans")]
    assert got.notes == ["Read 'in.csv' as Windows-1252 text, comma-separated."]


def test_notes_say_what_was_chosen(tmp_path):
    assert read_delimited(write(tmp_path, EUROPEAN, "cp1252")).notes == [
        "Read 'in.csv' as Windows-1252 text, semicolon-separated, with a decimal comma (1.234,56)."]
    assert read_delimited(write(tmp_path, BRITISH, "utf-8")).notes == []  # the usual case needs no word
    assert read_delimited(write(tmp_path, CHINESE, "gb18030")).notes == [
        "Read 'in.csv' as GB18030 text, comma-separated."]


def test_undecodable_file_names_what_was_tried(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"Customer ID,Name\nC1,\x81\x8d\x90\xff\xfe\n")  # not UTF-8, not GB18030, not Windows-1252
    with pytest.raises(WorkbookError) as err:
        read_delimited(path)
    assert str(err.value) == ("'bin.csv' is not text xlseg can read: it is not UTF-8 (with or without BOM), "
                              "UTF-16, GB18030 or Windows-1252. Save it as CSV UTF-8 (in Excel: File > Save As > "
                              "CSV UTF-8) and try again.")


def test_late_bad_byte_decides_again_on_the_whole_file(tmp_path):
    # the first megabyte is plain ASCII (valid UTF-8); a Windows-1252 name comes at the very end
    text = "Customer ID,Name\n" + "".join(f"C{i},Name {i}\n" for i in range(80_000)) + "C-last,Zoë\n"
    got = read_delimited(write(tmp_path, text, "cp1252"))
    assert got.encoding_label == "Windows-1252"
    assert got.rows[-1] == ("C-last", "Zoë")
    assert len(got.rows) == 80_002


def test_utf16_without_bom(tmp_path):
    got = read_delimited(write(tmp_path, "Customer ID,Total Spend\nC1,5\n", "utf-16-le"))
    assert (got.rows, got.encoding_label) == ([("Customer ID", "Total Spend"), ("C1", 5)], "UTF-16 LE")


def test_typing_keeps_excel_rules():
    assert [typed(v) for v in ["", "007", "0.5", "-3", "12.50", "1e5", "=1+1", "+49 30", "@x", "2024-03-05",
                               "10000000000000000", " 42 "]] == \
        [None, "007", 0.5, -3, 12.5, "1e5", "=1+1", "+49 30", "@x", "2024-03-05", "10000000000000000", 42]
    # with a decimal comma only whole numbers are numbers; "1.234" is one thousand two hundred and thirty-four
    assert [typed(v, True) for v in ["12", "12,5", "1.234", "1.234,56", "007"]] == [12, "12,5", "1.234",
                                                                                      "1.234,56", "007"]


def test_formula_like_cells_are_text(tmp_path):
    text = "Customer ID,Name\n=cmd|' /C calc'!A0,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n-1+2,@SUM(A1)\n"
    got = read_delimited(write(tmp_path, text, "utf-8"))
    assert got.rows[1:] == [("=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")'), ("-1+2", "@SUM(A1)")]


def test_blank_lines_quoted_newlines_and_ragged_rows(tmp_path):
    text = "Customer ID,Note\n\nC1,\"two\nlines\"\n\nC2\nC3,a,extra\n"
    got = read_delimited(write(tmp_path, text, "utf-8"))
    assert got.rows == [("Customer ID", "Note"), ("C1", "two\nlines"), ("C2",), ("C3", "a", "extra")]


@pytest.mark.parametrize("data, message", [
    (b"", "'in.csv' is empty. Put a header row and one customer per row in it."),
    (b"\n\n  \n", "'in.csv' is empty. Put a header row and one customer per row in it."),
    (codecs.BOM_UTF8 + b"\n", "'in.csv' is empty. Put a header row and one customer per row in it."),
    (b"PK\x03\x04rest", "'in.csv' is an Excel workbook, not a CSV file. Rename it to .xlsx (or .xls: save that as "
                        ".xlsx in Excel) and try again."),
])
def test_not_a_csv(tmp_path, data, message):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with pytest.raises(WorkbookError) as err:
        read_delimited(path)
    assert str(err.value) == message


# ------------------------------------------------------------------ through the CLI
def test_cli_says_how_it_read_a_european_csv(tmp_path):
    import openpyxl
    from click.testing import CliRunner

    from xlseg.cli import main

    text = ("Kundennummer;Name;Anzahl Bestellungen;Umsatz;Letzter Kauf\n"
            "K001;Müller Straße GmbH;3;1.234,50;05.03.2024\n"
            "K002;Jürgen Groß;1;12,5;13.03.2024\n")
    path = write(tmp_path, text.replace("Kundennummer", "Customer ID").replace("Anzahl Bestellungen", "Orders")
                 .replace("Umsatz", "Total Spend").replace("Letzter Kauf", "Last Purchase"), "cp1252", "eu.csv")
    result = CliRunner().invoke(main, ["classify", str(path)], prog_name="xlseg")
    assert result.exit_code == 0, result.stderr
    note = "Read 'eu.csv' as Windows-1252 text, semicolon-separated, with a decimal comma (1.234,56)."
    assert f"Understood: {note}" in result.stdout.splitlines()
    wb = openpyxl.load_workbook(tmp_path / "eu_classified.xlsx")
    assert note in [c for row in wb["Summary"].iter_rows(values_only=True) for c in row]
    ws = wb["eu"]
    assert [ws["A2"].value, ws["B2"].value, ws["B3"].value] == ["K001", "Müller Straße GmbH", "Jürgen Groß"]


def test_csv_cells_that_look_like_formulas_are_written_as_text(tmp_path):
    import openpyxl

    from xlseg.filemode.run import classify_file

    text = ("Customer ID,Name,Orders,Total Spend,Last Purchase\n"
            "C1,=cmd|' /C calc'!A0,2,10,2026-01-02\n"
            "C2,\"=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\",1,5,2026-01-03\n"
            "C3,@SUM(1+1),1,5,2026-01-03\n")
    out = classify_file(write(tmp_path, text, "utf-8", "inj.csv"), tmp_path / "out.xlsx").output
    ws = openpyxl.load_workbook(out)["inj"]
    cells = [ws["B2"], ws["B3"], ws["B4"]]
    assert [c.value for c in cells] == ["=cmd|' /C calc'!A0", '=HYPERLINK("http://example.com","x")', "@SUM(1+1)"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]

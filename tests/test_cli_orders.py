"""``xlseg classify [BOOK] --orders PATH``: order files through DuckDB into a workbook and --customers-out.

Expected values come from the pandas path (``xlseg.classify``), called on the same lines.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import openpyxl
import pandas as pd
import pytest

import xlseg
from xlseg.core import labels as L
from xlseg.engines.sql import lit
from xlseg.plan import analyse as run_module  # fit_to_sheet reads SHEET_ROWS there
from xlseg.plan.build import CUSTOMER_KEYS, OUTPUT_KEYS
from tests.engine_data import ATTRIBUTE_COLUMNS, attribute_orders, messy_orders, mismatches
from tests.cli_runner import cli


def sheet_frame(path, title: str, header_row: int = 1) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path, read_only=True)[title]
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def read_out(path) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        reader = "read_parquet" if str(path).endswith(".parquet") else "read_csv"
        return con.execute(f"SELECT * FROM {reader}({lit(str(path))})").df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory):
    lines = messy_orders(seed=5, n_lines=900, n_customers=80).drop(columns=["Country"])
    path = tmp_path_factory.mktemp("orders") / "orders.csv"
    lines.to_csv(path, index=False)
    return lines, path


def test_orders_without_a_book_make_a_new_workbook_and_customers_out(messy_csv, tmp_path):
    lines, path = messy_csv
    out, every = tmp_path / "out.xlsx", tmp_path / "all.parquet"
    result = cli("classify", "--orders", path, "-o", out, "--customers-out", every)
    assert result.exit_code == 0, result.stderr
    expected = xlseg.classify(transactions=lines).customers.set_index("customer_id")
    assert f"Classified {len(expected):,} customers as of 2024-12-30" in result.stdout
    assert "Orders: 1 file aggregated by DuckDB" in result.stdout and "frequency by order ids" in result.stdout
    # the workbook: xlseg's Customers sheet lists every customer with the pandas path's values
    sheet = sheet_frame(out, "Customers")
    head = {L.header(k, "en"): k for k in CUSTOMER_KEYS}
    sheet = sheet.rename(columns=head).set_index("customer_id")
    assert sorted(sheet.index) == sorted(expected.index)
    for key in ("rfm", "segment", "value_tier", "stage", "tags"):
        want = expected[key].fillna("").astype(str)
        assert (sheet[key].fillna("").astype(str).reindex(want.index) == want).all(), key
    assert (sheet["monetary"].astype(float).reindex(expected.index) == expected["monetary"]).all()
    # --customers-out: every customer, keys and labels
    got = read_out(every).set_index("customer_id")
    assert mismatches(expected, got, ("recency", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm",
                                      "segment_key", "abc", "tier_key", "stage_key", "segment", "tags")) == {}


def test_orders_into_a_book_fill_its_customer_sheet(messy_csv, tmp_path):
    lines, path = messy_csv
    book = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Customer ID", "Name", "City"])
    ws.append(["C0001", "Ada", "Paris"])
    ws.append([1005, "Bo", "Lyon"])  # a number id matches '1005' in the files
    ws.append(["NOBODY", "Cy", "Nice"])  # no orders: a Prospect
    wb.save(book)
    out = tmp_path / "book_out.xlsx"
    result = cli("classify", book, "--orders", path, "-o", out)
    assert result.exit_code == 0, result.stderr
    customers = pd.DataFrame({"Customer ID": ["C0001", 1005, "NOBODY"], "Name": ["Ada", "Bo", "Cy"],
                              "City": ["Paris", "Lyon", "Nice"]}, index=[2, 3, 4])
    expected = xlseg.classify(customers=customers, transactions=lines).customers.set_index("customer_id")
    sheet = sheet_frame(out, "Clients")
    for i, cid in enumerate(["C0001", "1005", "NOBODY"]):
        for key in ("segment", "value_tier", "stage", "rfm"):
            want, got = expected.loc[cid, key], sheet.loc[i, L.header(key, "en")]
            assert (pd.isna(want) and pd.isna(got)) or got == want, (cid, key)
    assert expected.loc["NOBODY", "stage_key"] == "prospect"
    assert len(sheet_frame(out, "Customers")) == len(expected)  # the sheet's customers and those of the orders


def test_more_customers_than_a_sheet_holds(messy_csv, tmp_path, monkeypatch):
    """The workbook gets the most valuable customers that fit and a note; --customers-out gets everyone."""
    lines, path = messy_csv
    monkeypatch.setattr(run_module, "SHEET_ROWS", 40)
    monkeypatch.setattr(run_module, "TOP_CUSTOMERS", 25)
    out, every = tmp_path / "top.xlsx", tmp_path / "all.csv"
    result = cli("classify", "--orders", path, "-o", out, "--customers-out", every)
    assert result.exit_code == 0, result.stderr
    expected = xlseg.classify(transactions=lines).customers
    top = expected.sort_values("monetary", ascending=False, kind="stable").head(25)
    sheet = sheet_frame(out, "Customers")
    assert sorted(sheet[L.header("customer_id", "en")].astype(str)) == sorted(top["customer_id"])
    note = f"The Customers sheet shows 25 of {len(expected)} customers"
    assert note in result.stdout
    summary = [c for row in openpyxl.load_workbook(out, read_only=True)["Summary"].iter_rows(values_only=True)
               for c in row if isinstance(c, str)]
    assert any(note in c for c in summary)
    assert len(read_out(every)) == len(expected)


def test_orders_carry_attributes_into_the_new_workbook(tmp_path):
    """Country and Channel from each customer's latest line (the later one of a day), and the columns the header
    recogniser does not know (Sales Rep, 客户经理, Zip), as the pandas path fills the Customers sheet."""
    lines = attribute_orders(seed=21, n_lines=400, n_customers=40)
    path, out = tmp_path / "orders.csv", tmp_path / "out.xlsx"
    lines.to_csv(path, index=False)
    assert cli("classify", "--orders", path, "-o", out).exit_code == 0
    expected = xlseg.classify(transactions=lines).customers.set_index("customer_id")
    sheet = sheet_frame(out, "Customers").set_index(L.header("customer_id", "en"))
    named = {"country": "Country", "source": "Source", "Sales Rep": "Sales Rep", "客户经理": "客户经理", "Zip": "Zip"}
    for key in ATTRIBUTE_COLUMNS:
        want = expected[key].fillna("")
        got = sheet[named[key]].fillna("").astype(str).reindex(want.index)
        assert (got == want).all(), key
    assert "Product" not in sheet and "Note" not in sheet


@pytest.mark.parametrize("files, message", [
    ({"a.csv": "Customer ID,Date\nC1,2024-01-01\n"}, "no amount column"),
    ({"a.csv": "Customer ID,Date,Amount,Order ID\nC1,2024-01-01,5,O1\n", "b.csv": "Customer ID,Date,Amount\nC2,2024-01-02,6\n"},
     "Schema mismatch between order files: 'b.csv' has no order id column ('Order ID' in 'a.csv')"),
    ({"a.parquet": "not parquet"}, "a.parquet' could not be read"),
])
def test_bad_order_files_exit_1_with_one_message(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = []
    for name in files:
        args += ["--orders", tmp_path / name]
    result = cli("classify", *args, "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.xlsx").exists()


def test_usage_errors_with_orders(tmp_path):
    assert cli("classify").exit_code == 2
    result = cli("classify", "--orders", tmp_path / "none-*.csv", "-o", tmp_path / "o.xlsx")
    assert result.exit_code == 1 and "matches no file" in result.stderr
    result = cli("classify", "--orders", tmp_path / "x.csv", "--in-place")
    assert result.exit_code == 2 and "--in-place does not go with --orders" in result.stderr

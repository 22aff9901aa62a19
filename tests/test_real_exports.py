"""Issue 11: real exports in, right answers out.

Each test builds the kind of file people really have (an order export with quantity x price, a
Superstore-like workbook, a customer RFM table with recency in days, British and European dates,
a duplicate id next to a totals row ...) and checks the per-customer results against a plain
pandas computation written here, independently of xlseg.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import xlseg
from xlseg.cli import main
from xlseg.core.config import Config, DEFAULT_GRID

DATA = Path(__file__).parent / "data"
NO_TAGS = {"default_tags": False}


def by_id(result, column):
    return dict(zip(result.customers["customer_id"], result.customers[column]))


def rank_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """docs/design.md: score = 1 + floor(5 * (rank_min - 1) / n), ranking so that higher is better."""
    ranks = (values if higher_is_better else -values).rank(method="min")
    return (1 + np.floor(5 * (ranks - 1) / len(values))).astype(int)


def grid_segment(r: int, f: int) -> str:
    return DEFAULT_GRID[5 - r][f - 1]


# ------------------------------------------------------------------ 1. order export without an amount
def uci_lines() -> pd.DataFrame:
    """The UCI Online Retail sample as read from its CSV (text cells), rows numbered as on a sheet."""
    frame = pd.read_csv(DATA / "online_retail_sample.csv", dtype=object, keep_default_na=False)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def uci_expected(frame: pd.DataFrame) -> pd.DataFrame:
    """Per customer, computed here: amount = quantity x price; C-invoices are refunds; frequency = distinct
    invoices with a non-negative amount; monetary = net total; last purchase = latest purchase day."""
    f = frame.copy()
    f["qty"] = pd.to_numeric(f["Quantity"], errors="coerce")
    f["price"] = pd.to_numeric(f["UnitPrice"], errors="coerce")
    f["day"] = pd.to_datetime(f["InvoiceDate"], format="%m/%d/%y %H:%M", errors="coerce").dt.normalize()
    f = f[f["qty"].notna() & f["price"].notna() & f["day"].notna() & (f["CustomerID"] != "")]
    amount = (f["qty"] * f["price"]).round(6)
    cancel = f["InvoiceNo"].str.startswith("C")
    f = f.assign(amount=np.where(cancel, -amount.abs(), amount))
    buys = f[f["amount"] >= 0]
    out = pd.DataFrame({
        "monetary": f.groupby("CustomerID")["amount"].sum().round(6),
        "frequency": buys.groupby("CustomerID")["InvoiceNo"].nunique(),
        "last_purchase": buys.groupby("CustomerID")["day"].max(),
        "country": f.groupby("CustomerID")["Country"].last(),
    })
    out["frequency"] = out["frequency"].fillna(0)
    return out


def test_order_export_without_amount_gives_the_independent_per_customer_figures():
    lines = uci_lines()
    res = xlseg.classify(transactions=lines, config=NO_TAGS, transaction_sheet="Orders")
    want = uci_expected(lines)
    got = res.customers.set_index("customer_id")
    assert sorted(got.index) == sorted(want.index)
    for cid, row in want.iterrows():
        assert got.loc[cid, "monetary"] == pytest.approx(row["monetary"], abs=1e-9), cid
        assert got.loc[cid, "frequency"] == row["frequency"], cid
        assert got.loc[cid, "last_purchase"] == row["last_purchase"], cid
        assert got.loc[cid, "country"] == row["country"], cid
    assert res.as_of == want["last_purchase"].max()
    assert "Sheet 'Orders' has no amount column: amount = 'Quantity' x 'UnitPrice' on every line." in res.understood
    assert any(u.startswith("1 lines with order ids such as 'C536383' are cancellations") for u in res.understood)


def test_a_cancellation_is_a_refund_never_a_purchase():
    lines = pd.DataFrame({
        "InvoiceNo": ["536001", "536001", "C536001", "536002"],
        "InvoiceDate": ["2024-01-05", "2024-01-05", "2024-01-09", "2024-02-01"],
        "Quantity": [2, 1, 1, 3],  # the cancellation's quantity typed positive: the C decides
        "UnitPrice": [10.0, 5.0, 10.0, 0.0],  # a free item (value 0) is a purchase
        "CustomerID": ["A", "A", "A", "B"],
    })
    res = xlseg.classify(transactions=lines, config=NO_TAGS)
    assert by_id(res, "monetary") == {"A": 15.0, "B": 0.0}
    assert by_id(res, "frequency") == {"A": 1.0, "B": 1.0}
    assert by_id(res, "last_purchase")["A"] == pd.Timestamp("2024-01-05")


def test_lines_without_a_customer_id_are_one_grouped_finding():
    n = 250
    lines = pd.DataFrame({
        "Invoice": [f"{i}" for i in range(n + 1)],
        "Date": ["2024-03-01"] * (n + 1),
        "Qty": [1] * (n + 1),
        "Price": [2.5] * (n + 1),
        "Customer ID": ["K1"] + [None] * n,
    }, index=range(2, n + 3))
    res = xlseg.classify(transactions=lines, config=NO_TAGS)
    g = res.issue_groups
    assert g[["problem", "count"]].values.tolist() == [["no customer id", n]]
    assert g.loc[0, "rows"] == "3, 4, 5, 6, 7, 8, 9, 10, 11, 12, …"
    assert len(res.issues) == 101  # 100 rows listed and one "same for 150 more rows" record
    assert res.warnings[0].startswith(f"{n} of {n + 1} rows (100%) were not used. Top reasons: no customer id ({n}")


# ------------------------------------------------------------------ 2 + 3. Superstore: State and Region, attributes
SUPERSTORE_HEAD = ["Row ID", "Order ID", "Order Date", "Ship Mode", "Customer ID", "Customer Name", "Segment",
                   "Country", "City", "State", "Region", "Product ID", "Sales", "Quantity", "Profit"]
SUPERSTORE = [
    (1, "CA-1", "2024-01-10", "Second Class", "CG-1", "Claire Gute", "Consumer", "United States", "Henderson",
     "Kentucky", "South", "P1", 261.96, 2, 41.9),
    (2, "CA-1", "2024-01-10", "First Class", "CG-1", "Claire Gute", "Consumer", "United States", "Henderson",
     "Kentucky", "South", "P2", 731.94, 3, 219.6),
    (3, "CA-2", "2024-05-02", "Standard Class", "CG-1", "Claire Gute", "Consumer", "United States", "Los Angeles",
     "California", "West", "P3", 14.62, 2, 6.9),
    (4, "US-3", "2024-03-15", "Standard Class", "DV-2", "Darrin Van Huff", "Corporate", "United States",
     "Fort Lauderdale", "Florida", "South", "P4", 957.58, 5, -383.0),
    (5, "US-4", "2024-02-01", "Second Class", "SO-3", "Sean O'Donnell", "Home Office", "Canada", "Toronto",
     "Ontario", "Central", "P5", 22.37, 2, 2.5),
]


def superstore_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(SUPERSTORE_HEAD)
    for r in SUPERSTORE:
        ws.append(list(r))
    wb.save(path)
    return path


def test_superstore_state_and_region_and_attributes_from_the_latest_line(tmp_path):
    book = superstore_book(tmp_path / "superstore.xlsx")
    out = tmp_path / "out.xlsx"
    run = CliRunner().invoke(main, ["classify", str(book), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert ("Understood: Sheet 'Orders': 'Region' was taken as region (it is the field's own name); 'State' kept "
            "as a plain column. Set column.region in Settings to choose another.") in run.output
    frame = pd.DataFrame(SUPERSTORE, columns=SUPERSTORE_HEAD)
    latest = frame.sort_values("Order Date", kind="stable").groupby("Customer ID").last()
    wb = openpyxl.load_workbook(out)
    rows = list(wb["Customers"].iter_rows(values_only=True))
    head = rows[0]
    got = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    assert set(got) == set(latest.index)
    # State and Ship Mode vary within a customer (CG-1 ordered to two states): not customer attributes
    assert "State" not in head and "Ship Mode" not in head and "Product ID" not in head
    for cid, want in latest.iterrows():
        assert got[cid]["Region"] == want["Region"]  # the latest line's: CG-1 moved from South to West
        assert got[cid]["City"] == want["City"]
        assert got[cid]["Country"] == want["Country"]
        assert got[cid]["Customer Type"] == want["Segment"]
        assert got[cid]["Monetary"] == pytest.approx(frame.loc[frame["Customer ID"] == cid, "Sales"].sum())
    # Segment (Consumer / Corporate / Home Office) is the customer type: the built-in tags use it
    assert "Enterprise" in got["DV-2"]["Tags"] and "Individual" in got["CG-1"]["Tags"]
    # home country: the most common country among the customers (2 of 3 in the United States)
    assert "International" in got["SO-3"]["Tags"] and "International" not in (got["CG-1"]["Tags"] or "")
    summary = [c for r in wb["Summary"].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert ("Home country United States: the most common country in the data (2 of 3 customers); set "
            "home_country in Settings to choose another.") in summary


# ------------------------------------------------------------------ 5. recency in days
def test_customer_rfm_table_with_recency_in_days():
    table = pd.DataFrame({
        "CustomerID": ["c1", "c2", "c3", "c4", "c5", "c6"],
        "Monetary": [1200.0, 80.0, 560.0, 35.5, 990.0, 410.0],
        "Frequency": [12, 1, 5, 1, 8, 3],
        "Recency": [3, 400, 45, 200, 10, 95],
    }, index=range(2, 8))
    res = xlseg.classify(customers=table, config={"as_of": "2024-06-30", "default_tags": False})
    got = res.customers.set_index("customer_id")
    assert got["recency"].tolist() == table["Recency"].astype(float).tolist()
    want_last = pd.Timestamp("2024-06-30") - pd.to_timedelta(table["Recency"], unit="D")
    assert got["last_purchase"].tolist() == want_last.tolist()
    r = rank_scores(-table["Recency"].astype(float))
    f = rank_scores(table["Frequency"].astype(float))
    assert got["r_score"].tolist() == r.tolist()
    assert got["f_score"].tolist() == f.tolist()
    assert got["segment_key"].tolist() == [grid_segment(a, b) for a, b in zip(r, f)]
    lost = table["Recency"] > 365
    assert got["stage_key"].tolist() == ["lost" if x else ("churn_warning" if d > 180 else "active")
                                         for x, d in zip(lost, table["Recency"])]
    assert ("Recency in days from 'Recency' on sheet 'Customers': last purchase = as_of - recency (for every "
            "customer), as_of 2024-06-30.") in res.understood


def test_summary_never_shows_an_empty_table_as_a_result(tmp_path):
    book = tmp_path / "ids.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Customer ID", "Name"])
    wb.active.append(["K1", "One"])
    wb.save(book)
    out = tmp_path / "out.xlsx"
    run = CliRunner().invoke(main, ["classify", str(book), "-o", str(out)])
    assert run.exit_code == 0, run.output
    texts = [c for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) for c in r
             if isinstance(c, str)]
    skipped = ("Not computed: No last-purchase or recency column: recency, R scores, segments and stages were "
               "skipped.")
    assert texts.count(skipped) == 1  # the segment table
    # the value tiers and the tier x stage table
    assert texts.count("Not computed: No spend column: M scores and value tiers were skipped.") == 2


# ------------------------------------------------------------------ 7. British and European dates
def test_british_csv_dates_are_day_first_for_the_whole_column(tmp_path):
    csv = tmp_path / "uk.csv"
    csv.write_text("Customer ID,Order Date,Amount\n"
                   "A,03/04/2024,£10.00\nA,13/04/2024,£5.50\nB,05/06/2024,\"£1,200.00\"\nB,01/02/2024,£7\n",
                   encoding="utf-8")
    out = tmp_path / "uk.xlsx"
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "dates read day first (dd/mm/yyyy) for the whole column: '13/04/2024' can only be day first." in run.output
    rows = {r[0]: r for r in openpyxl.load_workbook(out)["Customers"].iter_rows(min_row=2, values_only=True)}
    assert rows["A"][4] == 15.5 and rows["B"][4] == 1207.0
    assert rows["A"][7].date().isoformat() == "2024-04-13" and rows["B"][7].date().isoformat() == "2024-06-05"
    assert rows["A"][6].date().isoformat() == "2024-04-03"  # not 2024-03-04: one order for the whole column


def test_european_values_decimal_comma_and_dotted_dates():
    lines = pd.DataFrame({"Kunde": ["K1", "K1", "K2"], "Customer ID": ["K1", "K1", "K2"],
                          "Date": ["01.02.2024", "25.03.2024", "02.01.2024"],
                          "Amount": ["1.234,50", "12,50", "7,00"]})
    res = xlseg.classify(transactions=lines.drop(columns="Kunde"), config=NO_TAGS)
    assert by_id(res, "monetary") == {"K1": 1247.0, "K2": 7.0}
    assert by_id(res, "first_purchase")["K1"] == pd.Timestamp("2024-02-01")
    assert by_id(res, "last_purchase")["K2"] == pd.Timestamp("2024-01-02")


def test_european_csv_semicolons_decimal_commas_and_dotted_dates(tmp_path):
    csv = tmp_path / "eu.csv"
    csv.write_text("Customer ID;Order Date;Amount;Country\nK1;01.02.2024;1.234,50;Germany\n"
                   "K1;25.03.2024;12,50;Germany\nK2;02.01.2024;7,00;Austria\nK3;03.01.2024;8,00;Germany\n",
                   encoding="utf-8")
    out = tmp_path / "eu.xlsx"
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(out)])
    assert run.exit_code == 0, run.output
    frame = pd.DataFrame({"id": ["K1", "K1", "K2", "K3"], "amount": [1234.5, 12.5, 7.0, 8.0],
                          "day": pd.to_datetime(["2024-02-01", "2024-03-25", "2024-01-02", "2024-01-03"])})
    rows = {r[0]: r for r in openpyxl.load_workbook(out)["Customers"].iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["K1", "K2", "K3"]  # in the order they first appear
    for cid, g in frame.groupby("id"):
        assert rows[cid][4] == pytest.approx(g["amount"].sum())
        assert rows[cid][6] == g["day"].min().to_pydatetime() and rows[cid][7] == g["day"].max().to_pydatetime()
        assert rows[cid][2] == (frame["day"].max() - g["day"].max()).days
    assert "Understood: Home country Germany: the most common country in the data (2 of 3 customers)" in run.output
    assert "Understood: Rows: all 4 data rows used (blank and totals rows aside)." in run.output


def test_ambiguous_dates_follow_the_day_first_option(tmp_path):
    csv = tmp_path / "amb.csv"
    csv.write_text("Customer ID,Order Date,Amount\nA,03/04/2024,10\nB,05/06/2024,20\n", encoding="utf-8")
    out = tmp_path / "amb.xlsx"
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(out), "--day-first"])
    assert run.exit_code == 0, run.output
    rows = {r[0]: r for r in openpyxl.load_workbook(out)["Customers"].iter_rows(min_row=2, values_only=True)}
    assert rows["A"][7].date().isoformat() == "2024-04-03"
    # --day-first is for this run only: the new Settings sheet keeps day_first as it was
    settings = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Settings"].iter_rows(values_only=True) if r[0]}
    assert settings["day_first"] is False


# ------------------------------------------------------------------ 8. duplicate id and a totals row
def test_duplicate_id_and_a_totals_row_together(tmp_path):
    book = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户编号", "客户名称", "最近购买日期", "购买次数", "消费金额"])
    for r in (["K1", "甲", "2024-05-01", 3, 300], ["K2", "乙", "2024-06-01", 1, 50], ["K1", "甲", "2024-05-01", 3, 300],
              ["合计", None, None, 7, 650]):
        ws.append(r)
    wb.save(book)
    out = tmp_path / "out.xlsx"
    run = CliRunner().invoke(main, ["classify", str(book), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("Classified 2 customers as of 2024-06-01; data-quality findings: 2 kinds on 2 rows")
    got = openpyxl.load_workbook(out)
    issues = [r[2] for r in got["Issues"].iter_rows(min_row=2, values_only=True)]
    assert issues == ["totals row", "duplicate customer id (first on row 2)"]
    # the duplicate row gets the first row's classification
    sheet_rows = list(got["客户"].iter_rows(min_row=2, max_row=4, values_only=True))
    assert sheet_rows[0][5:12] == sheet_rows[2][5:12]


# ------------------------------------------------------------------ 9. warnings and --strict
def test_strict_exits_1_on_a_warning_and_still_writes(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("Customer ID,Order Date,Amount\nA,2024-01-01,10\nB,not a date,5\nC,2024-01-03,x\n",
                   encoding="utf-8")
    out = tmp_path / "bad.xlsx"
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(out), "--strict"])
    assert run.exit_code == 1
    assert "Warning: 2 of 3 rows (67%) were not used. Top reasons: not a date (1, 'Order Date'); not an amount " \
           "(1, 'Amount'). See the Issues sheet." in run.output
    assert out.exists()
    summary = list(openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True))
    assert summary[4][0] == "Warnings" and summary[5][0].startswith("2 of 3 rows (67%) were not used.")
    lenient = CliRunner().invoke(main, ["classify", str(csv), "-o", str(tmp_path / "b2.xlsx")])
    assert lenient.exit_code == 0


def test_a_row_skipped_for_two_reasons_counts_once(tmp_path):
    """A missing comma shifts a line's cells (the UCI export has four such lines): its quantity, its date and
    its unit price are all unusable. That is one row, not three: the sentences said "175 of 183 used, 8 not
    used" and "findings on 188 rows" of a 183-line file."""
    csv = tmp_path / "shifted.csv"
    csv.write_text("CustomerID,InvoiceNo,Description,Quantity,InvoiceDate,UnitPrice\n"
                   "C1,1,A,2,2024-01-01,3.5\nC2,2,B,1,2024-01-02,2\n"
                   "C3,3,CHILLI  192,2024-01-03,3.82\n"  # the description swallowed the quantity's comma
                   "C1,4,D,x,2024-01-04,1\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(tmp_path / "out.xlsx")])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("Classified 2 customers as of 2024-01-02; data-quality findings: 3 kinds on 2 rows")
    assert "Rows: 2 of 4 used, 2 not used (not an amount (2); not a date (1); blank (1))." in run.output
    assert "Warning: 2 of 4 rows (50%) were not used." in run.output


def test_rows_with_findings_beyond_the_listed_ones(tmp_path):
    """Past 100 records of a kind the rest is one "N more rows" record; those rows still count, once each."""
    lines = [f"C{i},{i},2024-01-{1 + i % 28:02d},5" for i in range(150)]
    lines += [f"D{i},{200 + i},not a date,x" for i in range(130)]  # two problems on each of 130 rows
    lines += [f",{400 + i},2024-01-05,5" for i in range(110)]  # no customer id
    csv = tmp_path / "many.csv"
    csv.write_text("CustomerID,InvoiceNo,InvoiceDate,Amount\n" + "\n".join(lines) + "\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(tmp_path / "out.xlsx")])
    assert run.exit_code == 0, run.output
    assert "data-quality findings: 3 kinds on 240 rows" in run.output
    assert "Rows: 150 of 390 used, 240 not used (not a date (130); not an amount (130); no customer id (110))." \
        in run.output


def test_cli_notes_in_chinese(tmp_path):
    csv = tmp_path / "zh.csv"
    csv.write_text("客户编号,下单日期,金额\nA,2024-01-01,10\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(tmp_path / "zh.xlsx"), "--lang", "zh"])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("已分类 1 个客户，统计截止日期 2024-01-01；未发现数据问题。")
    assert "已写入 " in run.output and "理解：工作表“zh”是订单明细表：“客户编号”→客户编号，“下单日期”→日期，“金额”→金额。" \
        in run.output.splitlines()


# ------------------------------------------------------------------ 10. conventions
def test_customer_whose_every_line_is_after_as_of_is_a_prospect():
    lines = pd.DataFrame({"Customer ID": ["A", "B"], "Date": ["2024-01-05", "2024-08-01"], "Amount": [10, 20]})
    res = xlseg.classify(transactions=lines, config={"as_of": "2024-06-30", "default_tags": False})
    assert by_id(res, "stage_key") == {"A": "active", "B": "prospect"}
    assert res.issues["problem"].tolist() == ["dated after as_of 2024-06-30"]


def test_refund_only_and_negative_net_customers_are_never_champions_or_potential():
    rows = [("A", f"2024-06-{d:02d}", 5) for d in (26, 27, 28, 29, 30)] + [("A", "2024-06-30", -100)]  # net -75
    rows += [("B", "2024-06-20", -30)]                                        # refunds only: no purchase
    rows += [("H", "2024-06-29", 20), ("H", "2024-06-29", -50)]               # one purchase, net -30
    rows += [(c, f"2024-0{m}-01", 100) for c, m in zip("CDEFGJ", (1, 2, 3, 4, 5, 5))]
    lines = pd.DataFrame(rows, columns=["Customer ID", "Date", "Amount"])
    res = xlseg.classify(transactions=lines, config={"as_of": "2024-06-30", "default_tags": False})
    got = res.customers.set_index("customer_id")
    assert got.loc[["A", "B", "H"], "monetary"].tolist() == [-75.0, -30.0, -30.0]
    assert got.loc["B", "stage_key"] == "prospect" and got.loc["B", "frequency"] == 0
    # A: R 5, F 5 would be Champions; H: R 4, F 1 would be Promising and so Potential
    assert (got.loc["A", "r_score"], got.loc["A", "f_score"]) == (5, 5)
    assert got.loc["A", "segment_key"] == "loyal_customers"
    assert (got.loc["H", "r_score"], got.loc["H", "f_score"], got.loc["H", "segment_key"]) == (4, 1, "promising")
    assert got.loc["H", "tier_key"] == "low" and got.loc["A", "tier_key"] == "low"
    assert ("2 customers have a negative net spend (refunds above their purchases): never Champions (Loyal "
            "Customers instead) and never Potential.") in res.understood


# ------------------------------------------------------------------ 11. torture findings
def test_a_typo_date_in_2099_never_moves_as_of():
    lines = pd.DataFrame({"Customer ID": ["A", "A", "B"], "Date": ["2024-03-01", "2099-01-01", "2024-02-01"],
                          "Amount": [10, 10, 10]}, index=[2, 3, 4])
    res = xlseg.classify(transactions=lines, config=NO_TAGS)
    assert res.as_of == pd.Timestamp("2024-03-01")
    assert by_id(res, "monetary") == {"A": 10.0, "B": 10.0}
    rec = res.issues.iloc[0]
    assert (rec["row"], rec["value"], rec["problem"][:17]) == (3, "2099-01-01", "dated after today")


@pytest.mark.parametrize("bad, problem", [
    (True, "not a customer id (TRUE/FALSE)"),
    (pd.Timestamp("2024-01-01"), "not a customer id (a date)"),
    ("#N/A", "error value #N/A"),
])
def test_a_date_a_boolean_or_an_error_cell_is_not_a_customer_id(bad, problem):
    table = pd.DataFrame({"Customer ID": ["K1", bad], "Total Spend": [10.0, 20.0]}, index=[2, 3])
    res = xlseg.classify(customers=table, config=NO_TAGS)
    assert res.customers["customer_id"].tolist() == ["K1"]
    assert res.issues[["row", "problem", "action"]].values.tolist() == [[3, problem, "skipped"]]


def test_error_cells_count_as_blank_with_one_finding_each():
    table = pd.DataFrame({"Customer ID": ["K1", "K2"], "Total Spend": ["#VALUE!", 20.0],
                          "Last Purchase": ["2024-01-01", "#N/A"]}, index=[2, 3])
    res = xlseg.classify(customers=table, config=NO_TAGS)
    assert res.issues[["row", "column", "problem", "action"]].values.tolist() == [
        [3, "Last Purchase", "error value #N/A", "counted as blank"],
        [2, "Total Spend", "error value #VALUE!", "counted as blank"]]
    assert np.isnan(by_id(res, "monetary")["K1"])


def test_of_two_customer_like_sheets_the_run_says_which_it_used(tmp_path):
    book = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Old list"
    wb.active.append(["Customer ID", "Total Spend"])
    wb.active.append(["K1", 5])
    ws = wb.create_sheet("New list")
    ws.append(["Customer ID", "Total Spend"])
    ws.append(["K2", 9])
    wb.save(book)
    run = CliRunner().invoke(main, ["classify", str(book), "-o", str(tmp_path / "o.xlsx")])
    assert run.exit_code == 0, run.output
    assert ("Understood: Sheet 'Old list' was used as the customer sheet: it is the first (leftmost) sheet that "
            "looks like one; 'New list' also looks like customer sheets and was not used. Choose with --sheet or "
            "customer_sheet in Settings.") in run.output


# ------------------------------------------------------------------ 12. options outlive nothing
def test_as_of_and_lang_options_are_for_one_run_only(tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("Customer ID,Order Date,Amount\nA,2024-01-01,10\nB,2024-03-01,5\n", encoding="utf-8")
    first = tmp_path / "first.xlsx"
    run = CliRunner().invoke(main, ["classify", str(csv), "-o", str(first), "--as-of", "2024-06-30"])
    assert run.exit_code == 0, run.output
    assert "Understood: as_of 2024-06-30: given with --as-of for this run (Settings are unchanged)." in run.output
    settings = {r[0]: r[1] for r in openpyxl.load_workbook(first)["Settings"].iter_rows(values_only=True) if r[0]}
    assert settings["as_of"] is None and settings["lang"] == "en"
    second = tmp_path / "second.xlsx"
    run = CliRunner().invoke(main, ["classify", str(first), "-o", str(second)])
    assert run.exit_code == 0, run.output
    assert "Understood: as_of 2024-03-01: the latest purchase date in the data" in run.output


def test_lines_without_an_order_id_next_to_lines_with_one_on_the_same_day():
    lines = pd.DataFrame({"Customer ID": ["A", "A", "A", "A"],
                          "Date": ["2024-05-01", "2024-05-01", "2024-05-01", "2024-05-02"],
                          "Order ID": ["O1", "O1", None, None], "Amount": [10, 5, 7, 3]})
    res = xlseg.classify(transactions=lines, config={"as_of": "2024-05-31", "default_tags": False})
    # O1 is one purchase; the line without an id on 05-01 is another, and so is 05-02
    assert by_id(res, "frequency") == {"A": 3.0}
    assert by_id(res, "monetary") == {"A": 25.0}


def test_lang_option_on_a_first_run_is_not_kept(tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("Customer ID,Order Date,Amount,Country\nA,2024-01-01,10,France\nB,2024-03-01,5,China\n",
                   encoding="utf-8")
    first = tmp_path / "first.xlsx"
    assert CliRunner().invoke(main, ["classify", str(csv), "-o", str(first), "--lang", "zh"]).exit_code == 0
    wb = openpyxl.load_workbook(first)
    assert "汇总" in wb.sheetnames  # this run was in Chinese
    settings = {r[0]: r[1] for r in wb["设置"].iter_rows(values_only=True) if r[0]}
    assert settings["lang"] == "en"  # ... but Settings hold what the user put there (nothing: the defaults)
    second = tmp_path / "second.xlsx"
    run = CliRunner().invoke(main, ["classify", str(first), "-o", str(second)])
    assert run.exit_code == 0, run.output
    assert run.output.startswith("Classified 2 customers")
    rows = {r[0]: r for r in openpyxl.load_workbook(second)["客户明细"].iter_rows(min_row=2, values_only=True)}
    # the second run is in English throughout: labels and the tag names from the Settings rule table
    from xlseg.core import labels as L

    assert {r[12] for r in rows.values()} <= {en for en, _zh in L.SEGMENTS.values()}
    assert "International" in {t for r in rows.values() for t in str(r[15]).split("; ")}


def test_tag_rules_use_the_attributes_from_the_order_lines():
    from xlseg.errors import RuleError

    frame = pd.DataFrame(SUPERSTORE, columns=SUPERSTORE_HEAD)
    rules = pd.DataFrame([["West coast", "Region", "=", "West", 1], ["Office", "Segment", "=", "Home Office", 1]],
                         columns=["Tag", "Field", "Operator", "Value", "Group"])
    # "Segment" in a rule stays xlseg's computed segment (the data's Segment is the customer type)
    with pytest.raises(RuleError, match="Value 'Home Office' is not a Segment"):
        xlseg.classify(transactions=frame, config={"tag_rules": rules, "default_tags": False})
    rules.loc[1, "Field"] = "Customer Type"
    res = xlseg.classify(transactions=frame, config={"tag_rules": rules, "default_tags": False})
    # Region: the latest line's (CG-1 ordered from the West last)
    assert by_id(res, "tags") == {"CG-1": "West coast", "DV-2": "", "SO-3": "Office"}


@pytest.mark.parametrize("countries", [["China", "#N/A", "China", "China", "USA", "China"],  # repeating
                                       ["China", "#N/A", "USA", "Japan", "France", "Peru"]])   # mostly distinct
def test_an_error_cell_in_a_text_attribute_is_blank(countries):
    table = pd.DataFrame({"Customer ID": [f"K{i}" for i in range(6)], "Total Spend": [10.0] * 6,
                          "Country": countries}, index=range(2, 8))
    res = xlseg.classify(customers=table, config=NO_TAGS)
    assert pd.isna(by_id(res, "country")["K1"]) and by_id(res, "country")["K0"] == "China"
    assert res.issues[["row", "column", "problem"]].values.tolist() == [[3, "Country", "error value #N/A"]]

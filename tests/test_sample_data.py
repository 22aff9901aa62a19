"""The synthetic CRM data: deterministic, well-formed, and varied enough for every segment and stage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlseg.core.config import DEFAULT_GRID
from xlseg.core.labels import RFM10_KEYS
from xlseg.sample_data import (
    CUSTOMER_COLUMNS,
    MESSY_KINDS,
    TEMPLATE_NAMES,
    TRANSACTION_COLUMNS,
    demo_frames,
    messy,
    template_frames,
    write_input_workbook,
)

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo():
    return demo_frames()


@pytest.fixture(scope="module")
def demo_zh():
    return demo_frames(lang="zh")


def reference(customers, transactions, as_of=AS_OF):
    """docs/design.md's default RFM scores, rfm10 segment and lifecycle stage, written plainly."""
    cid, oid, dcol, acol = transactions.columns[:4]
    t = transactions.assign(**{dcol: pd.to_datetime(transactions[dcol])})
    buys = t[t[acol] > 0]
    g = buys.groupby(cid)
    first, last, freq = g[dcol].min(), g[dcol].max(), g[oid].nunique()
    asof = pd.Timestamp(as_of)
    rec = (asof - last).dt.days
    n = len(rec)

    def score(x):
        return (1 + np.floor(5 * (x.rank(method="min") - 1) / n)).astype(int)

    r, f = score(-rec), score(freq)
    segment = pd.Series([DEFAULT_GRID[5 - a][b - 1] for a, b in zip(r, f)], index=rec.index)
    days = buys.drop_duplicates([cid, dcol]).sort_values([cid, dcol])
    days = days.assign(gap=days.groupby(cid)[dcol].diff().dt.days)
    gap_before_last = days.groupby(cid)["gap"].last()
    mean_gap = days.groupby(cid)["gap"].mean()
    stage = pd.Series("active", index=rec.index)
    stage[(rec > 180) | ((freq >= 3) & (rec > 2 * mean_gap))] = "churn_warning"
    stage[(asof - first).dt.days <= 90] = "new"
    stage[gap_before_last > 365] = "reactivated"
    stage[rec > 365] = "lost"
    prospects = set(customers[customers.columns[0]]) - set(rec.index)
    return pd.DataFrame({"recency": rec, "frequency": freq, "first_age": (asof - first).dt.days,
                         "gap_before_last": gap_before_last, "segment": segment, "stage": stage}), prospects


# ------------------------------------------------------------------ demo_frames
def test_deterministic_for_a_seed():
    a = demo_frames(300, seed=5)
    b = demo_frames(300, seed=5)
    c = demo_frames(300, seed=6)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[1].equals(c[1])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_column_names_per_lang(lang, demo, demo_zh):
    customers, transactions = demo if lang == "en" else demo_zh
    assert list(customers.columns) == CUSTOMER_COLUMNS[lang]
    assert list(transactions.columns) == TRANSACTION_COLUMNS[lang]


def test_exact_headers():
    assert CUSTOMER_COLUMNS["en"][:11] == ["Customer ID", "Name", "Customer Type", "Source", "Region", "Country",
                                          "City", "Industry", "Company Size", "Satisfaction", "Interactions"]
    assert CUSTOMER_COLUMNS["zh"][:11] == ["客户编号", "客户名称", "客户类型", "客户来源", "地区", "国家", "城市",
                                          "行业", "企业规模", "满意度", "互动次数"]
    assert TRANSACTION_COLUMNS == {"en": ["Customer ID", "Order ID", "Order Date", "Amount"],
                                   "zh": ["客户编号", "订单号", "下单日期", "金额"]}


def test_ids_unique_and_transactions_reference_customers(demo):
    customers, transactions = demo
    ids = customers["Customer ID"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"C\d{5}").all()
    assert ids.iloc[0] == "C00001"
    assert transactions["Customer ID"].isin(set(ids)).all()


def test_values_and_types(demo, demo_zh):
    customers, transactions = demo
    assert set(customers["Customer Type"]) == {"Individual", "Enterprise"}
    assert 0.25 < (customers["Customer Type"] == "Enterprise").mean() < 0.35
    assert set(customers["Source"]) == {"Online", "Offline"}
    assert 0.7 < (customers["Country"] == "China").mean() < 0.9
    assert customers["Country"].nunique() >= 6
    ent = customers["Customer Type"] == "Enterprise"
    assert customers.loc[~ent, ["Industry", "Company Size", "Account Manager"]].isna().all().all()
    assert customers.loc[ent, ["Industry", "Company Size", "Account Manager"]].notna().all().all()
    assert set(customers.loc[ent, "Company Size"]) == {"1-49", "50-249", "250-999", "1000+"}
    assert customers.loc[ent, "Name"].str.endswith(
        ("Ltd.", "Ltd", "Inc.", "LLC", "Corp.", "GmbH", "AG", "K.K.", "SAS", "SA", "plc")).all()
    sat = customers["Satisfaction"]
    assert sat.dropna().between(1, 5).all() and 0.03 < sat.isna().mean() < 0.2
    assert (customers["Interactions"] >= 0).all()
    assert pd.api.types.is_datetime64_any_dtype(transactions["Order Date"])
    assert pd.api.types.is_float_dtype(transactions["Amount"])
    assert (transactions["Amount"] == transactions["Amount"].round(2)).all()
    dates = transactions["Order Date"]
    assert dates.max() <= pd.Timestamp(AS_OF) and dates.min() >= pd.Timestamp(AS_OF) - pd.Timedelta(days=731)
    assert dates.is_monotonic_increasing

    zc, zt = demo_zh
    assert set(zc["客户类型"]) == {"个人", "企业"}
    assert set(zc["客户来源"]) == {"线上", "线下"}
    assert "中国" in set(zc["国家"]) and {"华东", "华北", "华南"} <= set(zc["地区"])
    assert zc.loc[zc["客户类型"] == "企业", "客户名称"].str.endswith("有限公司").mean() > 0.7
    # the same seed gives the same behaviour in both languages
    np.testing.assert_array_equal(zt["金额"].to_numpy(), transactions["Amount"].to_numpy())


def test_prospects_about_8_percent(demo):
    customers, transactions = demo
    buyers = set(transactions["Customer ID"])
    share = 1 - len(buyers) / len(customers)
    assert 0.07 <= share <= 0.09


def test_refunds_share_an_order_id_with_a_purchase(demo):
    _, transactions = demo
    refunds = transactions[transactions["Amount"] < 0]
    purchases = transactions[transactions["Amount"] > 0]
    assert len(refunds) >= 3
    merged = refunds.merge(purchases, on="Order ID", suffixes=("", "_p"))
    assert set(merged["Order ID"]) == set(refunds["Order ID"])
    assert (merged["Customer ID"] == merged["Customer ID_p"]).all()
    assert (merged["Order Date"] >= merged["Order Date_p"]).all()
    order_total = purchases.groupby("Order ID")["Amount"].sum()
    assert (-refunds.set_index("Order ID")["Amount"] <= order_total.reindex(refunds["Order ID"]) + 0.01).all()


def test_multi_line_orders_share_id_and_date(demo):
    _, transactions = demo
    purchases = transactions[transactions["Amount"] > 0]
    lines = purchases.groupby("Order ID").agg(n=("Amount", "size"), days=("Order Date", "nunique"),
                                              customers=("Customer ID", "nunique"))
    assert set(lines["n"]) == {1, 2, 3}
    assert (lines["days"] == 1).all() and (lines["customers"] == 1).all()


def test_every_stage_and_segment_occurs(demo):
    customers, transactions = demo
    ref, prospects = reference(customers, transactions)
    assert prospects
    assert (ref["first_age"] <= 90).any()                                         # new
    assert (ref["recency"] > 365).any()                                           # lost
    assert ((ref["gap_before_last"] > 365) & (ref["recency"] <= 365)).any()      # reactivated
    assert set(ref["stage"]) == {"new", "lost", "reactivated", "churn_warning", "active"}
    assert set(ref["segment"]) == set(RFM10_KEYS)
    assert (ref["stage"].value_counts() >= 20).all()


def test_spend_heavy_tailed_and_enterprises_bigger(demo):
    customers, transactions = demo
    spend = transactions.groupby("Customer ID")["Amount"].sum()
    assert spend.mean() > 3 * spend.median()
    kind = customers.set_index("Customer ID")["Customer Type"].reindex(spend.index)
    assert spend[kind == "Enterprise"].median() > 5 * spend[kind == "Individual"].median()
    freq = transactions[transactions["Amount"] > 0].groupby("Customer ID")["Order ID"].nunique()
    assert (freq == 1).mean() > 0.15 and freq.max() >= 20


@pytest.mark.parametrize("n", [1, 7, 60])
def test_small_sizes_work(n):
    customers, transactions = demo_frames(n)
    assert len(customers) == n
    assert transactions["Customer ID"].isin(set(customers["Customer ID"])).all()


def test_scales_to_100k():
    # Speed is measured by bench/ scripts, never asserted here (a loaded machine would fail it).
    customers, transactions = demo_frames(100_000)
    assert len(customers) == 100_000 and customers["Customer ID"].iloc[-1] == "C100000"
    assert customers["Customer ID"].is_unique
    assert 4 < len(transactions) / len(customers) < 8


def test_bad_arguments():
    with pytest.raises(ValueError):
        demo_frames(10, lang="fr")
    with pytest.raises(ValueError):
        template_frames("nope")
    with pytest.raises(ValueError):
        messy(*demo_frames(20), seed=1, kinds=["typo"])


# ------------------------------------------------------------------ messy
def test_messy_plants_exactly_what_it_reports(demo):
    customers, transactions = demo
    cu, tr, planted = messy(customers, transactions, seed=3)
    assert sorted(p.kind for p in planted) == sorted(MESSY_KINDS)
    # inputs untouched
    assert customers.equals(demo_frames()[0]) and transactions["Amount"].map(type).eq(float).all()
    frames = {"Customers": (cu, customers), "Transactions": (tr, transactions)}
    for p in planted:
        df, _ = frames[p.sheet]
        assert p.row == p.index + 2
        if p.kind == "blank_row":
            assert df.iloc[p.index].isna().all()
            continue
        assert df.at[p.index, p.column] == p.value
    by = {p.kind: p for p in planted}
    assert by["amount_text"].value.startswith("¥") and "," in by["amount_text"].value
    assert pd.Timestamp(by["date_text"].value.replace("/", "-")) is not pd.NaT
    assert by["bad_date"].value == "sometime"
    assert by["id_spaces"].value == " C00012 "
    assert by["total_row"].index == len(tr) - 1
    assert tr.iloc[-1]["Amount"] == pytest.approx(transactions["Amount"].sum(), abs=0.01)
    dup = by["duplicate_customer"]
    same = cu[cu["Customer ID"] == dup.value]
    assert len(same) == 2 and same.iloc[0].equals(same.iloc[1])
    # nothing else changed: sizes grow by exactly the inserted rows
    assert len(cu) == len(customers) + 2 and len(tr) == len(transactions) + 1
    text_amounts = tr["Amount"].map(lambda v: isinstance(v, str)).sum()
    text_dates = tr["Order Date"].map(lambda v: isinstance(v, str)).sum()
    assert text_amounts == 1 and text_dates == 2
    # dtypes kept; whole-number columns become nullable (the blank row)
    assert list(cu.dtypes.astype(str)[1:]) == [d.replace("int64", "Int64") for d in customers.dtypes.astype(str)[1:]]


def test_messy_subset_and_determinism(demo):
    customers, transactions = demo
    _, _, p1 = messy(customers, transactions, seed=9, kinds=["bad_date", "blank_row"])
    _, _, p2 = messy(customers, transactions, seed=9, kinds=["bad_date", "blank_row"])
    assert p1 == p2 and [p.kind for p in p1] == ["bad_date", "blank_row"]


def test_messy_rows_survive_a_workbook_round_trip(tmp_path, demo):
    customers, transactions = demo_frames(300, seed=2)
    cu, tr, planted = messy(customers, transactions, seed=4)
    path = tmp_path / "messy.xlsx"
    write_input_workbook(path, cu, tr)
    wb = openpyxl.load_workbook(path)
    for p in planted:
        ws = wb[p.sheet]
        cells = [c.value for c in ws[p.row]]
        if p.kind == "blank_row":
            assert all(v is None for v in cells)
        else:
            col = [c.value for c in ws[1]].index(p.column)
            assert cells[col] == p.value


# ------------------------------------------------------------------ templates
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_columns(name):
    t = template_frames(name)
    assert set(t) == {"customers", "transactions", "lang", "as_of"}
    assert t["as_of"] == AS_OF
    c = t["customers"]
    assert c.iloc[:, 0].is_unique
    expected = {
        "retail_b2c": ["客户编号", "客户名称", "客户类型", "客户来源", "会员等级", "地区", "城市", "首次购买日期",
                       "最近购买日期", "购买次数", "消费金额", "满意度", "互动次数"],
        "b2b_key_accounts": ["Customer ID", "Company", "Industry", "Company Size", "Account Manager",
                             "Satisfaction", "First Purchase", "Last Purchase", "Orders", "Revenue"],
        "cross_border": ["Customer ID", "Name", "Country", "Region", "Source", "Needs"],
    }[name]
    assert list(c.columns) == expected
    assert t["lang"] == ("zh" if name == "retail_b2c" else "en")
    assert 200 <= len(c) <= 400
    if name == "cross_border":
        tr = t["transactions"]
        assert list(tr.columns) == ["Customer ID", "Order ID", "Date", "Amount"]
        assert tr["Customer ID"].isin(set(c["Customer ID"])).all()
        assert set(c["Region"]) == {"Europe", "North America", "Asia-Pacific", "Middle East", "Latin America"}
        assert set(c["Needs"]) == {"Product", "Service", "Both"}
    else:
        assert t["transactions"] is None
    pd.testing.assert_frame_equal(c, template_frames(name)["customers"])


def test_retail_b2c_values():
    c = template_frames("retail_b2c")["customers"]
    assert set(c["客户类型"]) == {"个人"} and set(c["客户来源"]) == {"线上", "线下"}
    buyers = c["购买次数"] > 0
    assert (~buyers).any() and c.loc[~buyers, "首次购买日期"].isna().all()
    assert (c.loc[buyers, "首次购买日期"] <= c.loc[buyers, "最近购买日期"]).all()
    assert c["会员等级"].nunique() == 4


def test_b2b_revenue_splits_10_40_50():
    c = template_frames("b2b_key_accounts")["customers"]
    revenue = c["Revenue"]
    assert (revenue >= 1_000_000).mean() == pytest.approx(0.10, abs=0.02)
    assert revenue.between(100_000, 1_000_000, inclusive="left").mean() == pytest.approx(0.40, abs=0.02)
    assert (revenue < 100_000).mean() == pytest.approx(0.50, abs=0.02)
    assert pd.api.types.is_integer_dtype(c["Company Size"]) and (c["Company Size"] > 0).all()
    assert c["Satisfaction"].dropna().between(1, 5).all()
    assert (c["Orders"] >= 1).all() and (c["First Purchase"] <= c["Last Purchase"]).all()


# ------------------------------------------------------------------ workbook writer
def test_write_input_workbook_round_trips(tmp_path):
    customers, transactions = demo_frames(150, seed=1, lang="zh")
    path = tmp_path / "input.xlsx"
    write_input_workbook(path, customers, transactions,
                         customer_sheet="客户", transaction_sheet="订单")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["客户", "订单"]
    ws = wb["客户"]
    assert [c.value for c in ws[1]] == CUSTOMER_COLUMNS["zh"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.max_row == len(customers) + 1
    assert ws.column_dimensions["B"].width >= 8
    first = customers.iloc[0]
    row = [c.value for c in ws[2]]
    assert row[0] == first["客户编号"] and row[1] == first["客户名称"]
    assert isinstance(row[10], int)
    wt = wb["订单"]
    assert [c.value for c in wt[1]] == TRANSACTION_COLUMNS["zh"]
    assert wt.max_row == len(transactions) + 1
    for i in (0, len(transactions) // 2, len(transactions) - 1):
        cells = wt[i + 2]
        expected = transactions.iloc[i]
        assert cells[0].value == expected["客户编号"] and cells[1].value == expected["订单号"]
        assert isinstance(cells[2].value, dt.datetime)
        assert cells[2].value == expected["下单日期"].to_pydatetime()
        assert cells[2].number_format == "yyyy-mm-dd"
        assert cells[3].value == pytest.approx(expected["金额"])
        assert cells[3].number_format == "#,##0.00"
    # blanks stay blank
    blank_sat = customers["满意度"].isna().to_numpy().nonzero()[0]
    if len(blank_sat):
        assert ws.cell(row=int(blank_sat[0]) + 2, column=10).value is None


def test_write_input_workbook_customer_sheet_only(tmp_path):
    c = template_frames("b2b_key_accounts")["customers"]
    path = tmp_path / "b2b.xlsx"
    write_input_workbook(path, c)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Customers"]
    ws = wb["Customers"]
    header = [x.value for x in ws[1]]
    assert header == list(c.columns)
    row = ws[2]
    assert row[header.index("First Purchase")].number_format == "yyyy-mm-dd"
    assert row[header.index("Revenue")].number_format == "#,##0.00"
    assert isinstance(row[header.index("Company Size")].value, int)


def test_strings_starting_with_equals_stay_text(tmp_path):
    df = pd.DataFrame({"Customer ID": ["C1", "C2"], "Name": ["=1+1", "Ann"]})
    path = tmp_path / "eq.xlsx"
    write_input_workbook(path, df)
    cell = openpyxl.load_workbook(path)["Customers"]["B2"]
    assert cell.value == "=1+1" and cell.data_type == "s"

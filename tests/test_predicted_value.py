"""Predicted value in a classification run (issue 15): Result columns and summaries, Settings keys, the clv
tier method, the P(alive) churn rule, customer sheets, and the Customers and Summary sheets of a written file.

The model itself (fit, closed forms) is tested in test_predict.py; here CDNOW goes through ``classify``
as order lines and as a customer sheet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xlseg.core import labels as L
from xlseg.core import metrics, predict
from xlseg.core.config import Config
from xlseg.core.engine import PREDICTION_COLUMNS, RESULT_COLUMNS, classify
from xlseg.errors import ConfigError
from xlseg.filemode.run import classify_file

DATA = Path(__file__).parent / "data" / "cdnow_transactions.csv"
AS_OF = "1997-09-30"


@pytest.fixture(scope="module")
def orders():
    raw = pd.read_csv(DATA)
    return pd.DataFrame({"Customer ID": raw["id"].astype(str).to_numpy(),
                         "Order Date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d").to_numpy(),
                         "Amount": raw["spent"].to_numpy()}, index=range(2, len(raw) + 2))


@pytest.fixture(scope="module")
def result(orders):
    return classify(transactions=orders, config={"as_of": AS_OF})


def model_values(res) -> dict:
    m = res.summaries["model"]
    return {(a, b): v for a, b, v in zip(m["model"], m["parameter"], m["value"])}


def test_cdnow_through_classify_gives_the_published_fit(result):
    got = model_values(result)
    assert [f"{got['BG/NBD', k]:.3g}" for k in ("r", "a", "b")] == ["0.243", "0.793", "2.43"]
    assert f"{got['BG/NBD', 'alpha']:.2f}" == "30.90" and f"{got['BG/NBD', 'alpha'] / 7:.3f}" == "4.414"
    assert [f"{got['Gamma-Gamma', k]:.2f}" for k in ("p", "q", "gamma")] == ["6.25", "3.74", "15.44"]
    fit = result.summaries["model_fit"]
    assert fit.to_dict("list") == {"model": ["BG/NBD", "Gamma-Gamma"], "customers": [2357, 946],
                                   "time_unit": ["days", None]}
    # the order lines after as_of were left out, and said so
    problems = result.issues["problem"]
    listed = int((problems == "dated after as_of 1997-09-30").sum())
    more = [int(p.split()[0]) for p in problems if p.endswith("more rows with the same problem")]
    assert listed + sum(more) == int((pd.read_csv(DATA)["date"] > 19970930).sum()) == 1959


def test_columns_follow_the_others_and_equal_the_core(result, orders):
    cols = list(result.customers.columns)
    assert cols[:len(RESULT_COLUMNS) + 4] == RESULT_COLUMNS + ["p_alive", "expected_purchases", "expected_spend",
                                                                "clv"]
    tx = pd.DataFrame({"customer_id": orders["Customer ID"], "date": orders["Order Date"],
                       "amount": orders["Amount"].astype("float64")})
    m = metrics.from_transactions(tx[tx["date"] <= AS_OF])
    want = predict.predict(m, pd.Timestamp(AS_OF)).columns
    got = result.customers.set_index("customer_id")[PREDICTION_COLUMNS]
    pd.testing.assert_frame_equal(got.loc[want.index], want, check_names=False, rtol=1e-9)
    assert got.notna().all().all()


def test_calibration_table(result):
    cal = result.summaries["calibration"]
    assert list(cal["repeat_purchases"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert list(cal["actual"]) == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert abs(cal["expected"].sum() - 2357) < 1e-6


def test_customer_sheet_gives_the_same_purchase_model(orders, result):
    # the CDNOW lines up to as_of as a customer sheet: first/last purchase, purchase days, total spend
    cal = orders[orders["Order Date"] <= AS_OF]
    g = cal.groupby("Customer ID")
    sheet = pd.DataFrame({"Customer ID": g.size().index, "First Purchase": g["Order Date"].min().to_numpy(),
                          "Last Purchase": g["Order Date"].max().to_numpy(),
                          "Orders": g["Order Date"].nunique().to_numpy(),
                          "Total Spend": g["Amount"].sum().to_numpy()})
    res = classify(customers=sheet, config={"as_of": AS_OF})
    got, want = model_values(res), model_values(result)
    for k in ("r", "alpha", "a", "b"):  # same x, t_x, T: the same BG/NBD fit
        assert got["BG/NBD", k] == pytest.approx(want["BG/NBD", k], rel=1e-6)
    # Gamma-Gamma on the average order value (the first purchase's spend is not known there)
    aov = sheet["Total Spend"] / sheet["Orders"]
    x = sheet["Orders"] - 1
    from xlseg.core import gammagamma
    gg = gammagamma.fit(x.to_numpy(float), aov.where(x > 0).to_numpy())
    assert got["Gamma-Gamma", "p"] == pytest.approx(gg.p, rel=1e-9)
    a = res.customers.set_index("customer_id")
    assert a["p_alive"].to_numpy() == pytest.approx(
        result.customers.set_index("customer_id").loc[a.index, "p_alive"].to_numpy(), rel=1e-5)


def test_clv_tier_method_is_abc_on_clv(orders):
    res = classify(transactions=orders, config={"as_of": AS_OF, "tier_method": "clv", "potential_overlay": False})
    c = res.customers
    # ABC by hand: sort by CLV, A while the CLV of those above is < 80 % of the total, B < 95 %
    clv = c["clv"].to_numpy()
    totals = pd.Series(clv).groupby(clv).sum().sort_index(ascending=False)
    before = (totals.cumsum() - totals) / clv.sum()
    cls = np.where(before < 0.80, "A", np.where(before < 0.95, "B", "C"))
    want = pd.Series(cls, index=totals.index).reindex(clv).to_numpy()
    assert list(c["abc"]) == list(want)
    assert set(c["abc"]) == {"A", "B", "C"}
    assert not any("needs the predicted CLV" in n for n in res.notes)


def test_palive_warning_turns_active_customers_into_churn_warning(orders, result):
    res = classify(transactions=orders, config={"as_of": AS_OF, "palive_warning": "50%"}, explain=True)
    before = result.customers.set_index("customer_id")
    after = res.customers.set_index("customer_id")
    changed = after.index[before["stage_key"] != after["stage_key"]]
    want = before.index[(before["stage_key"] == "active") & (before["p_alive"] < 0.5)]
    assert len(want) > 0 and list(changed) == list(want)
    assert set(after.loc[changed, "stage_key"]) == {"churn_warning"}
    one = changed[0]
    assert after.loc[one, "why"].endswith(f"Stage Churn Warning: P(alive) {after.loc[one, 'p_alive']:.2%} < 50%.")


def test_prediction_off_and_not_supported(orders):
    off = classify(transactions=orders, config={"as_of": AS_OF, "predict": False})
    assert not set(PREDICTION_COLUMNS) & set(off.customers.columns)
    assert len(off.summaries["model"]) == 0 and len(off.summaries["calibration"]) == 0
    assert not any("Predicted value" in n for n in off.notes)

    tiny = pd.DataFrame({"Customer ID": ["a", "b", "c"], "Last Purchase": ["2024-01-05", "2024-02-01", None],
                         "First Purchase": ["2023-01-05", "2024-02-01", None], "Orders": [3, 1, 0],
                         "Total Spend": [30, 3, 0]})
    res = classify(customers=tiny, config={"tier_method": "clv", "palive_warning": 0.3})
    assert not set(PREDICTION_COLUMNS) & set(res.customers.columns)
    assert res.notes[-3:] == [
        "Predicted value (P(alive), expected purchases, CLV) skipped: 2 customers with a purchase history, 1 of "
        "them bought more than once; the BG/NBD model needs at least 20 customers and 10 repeat buyers.",
        "Value tier method 'clv' needs the predicted CLV, but there is no CLV (see the notes): tiers use 'abc' on "
        "spend instead.",
        "The P(alive) churn rule (Settings 'palive_warning') was not applied: there is no P(alive).",
    ]
    assert list(res.customers["abc"].iloc[:2]) == ["A", "B"]  # abc on spend


@pytest.mark.parametrize("key, typed, value", [
    ("palive_warning", "30%", 0.3), ("palive_warning", 0.25, 0.25), ("palive_warning", "", None),
    ("discount_rate", "1%", 0.01), ("discount_rate", 0, 0.0), ("predict_days", "273", 273),
    ("clv_months", 24, 24), ("predict", "FALSE", False), ("tier_method", "CLV", "clv"),
])
def test_settings(key, typed, value):
    assert getattr(Config.from_settings([(key, typed, 7)]), key) == value


@pytest.mark.parametrize("key, typed, message", [
    ("palive_warning", "150%", "Settings: Setting 'palive_warning' is 1.5; use a probability between 0 and 1"),
    ("predict_days", 0, "Settings: Setting 'predict_days' is 0; it must be 1 or more."),
    ("discount_rate", "-1%", "Settings: Setting 'discount_rate' is -0.01; use a monthly rate from 0 to below "
                             "100% (e.g. 1% = 0.01)."),
])
def test_bad_settings(key, typed, message):
    with pytest.raises(ConfigError) as err:
        Config.from_settings([(key, typed, 7)])
    assert str(err.value).startswith(message)


def test_defaults_and_headers():
    cfg = Config()
    assert (cfg.predict, cfg.predict_days, cfg.clv_months, cfg.discount_rate, cfg.palive_warning) == \
        (True, 365, 12, 0.01, None)
    assert [L.header(k, "en") for k in PREDICTION_COLUMNS] == ["P(alive)", "Expected Purchases",
                                                              "Expected Spend per Purchase", "CLV"]
    assert [L.header(k, "zh") for k in PREDICTION_COLUMNS] == ["存活概率", "预测购买次数", "预测客单价", "客户终身价值"]


# ---------------------------------------------------------------- the written workbook
@pytest.fixture(scope="module")
def written(tmp_path_factory, orders):
    d = tmp_path_factory.mktemp("predicted")
    src = d / "cdnow.csv"
    orders.to_csv(src, index=False)
    out = {}
    for lang in ("en", "zh"):
        path = d / f"cdnow_{lang}.xlsx"
        classify_file(src, path, as_of=AS_OF, lang=lang, generated="fixed")
        out[lang] = path
    return out


def test_customers_sheet_has_the_prediction_columns(written, result):
    for lang, path in written.items():
        wb = openpyxl.load_workbook(path)
        ws = wb[{"en": "Customers", "zh": "客户明细"}[lang]]
        head = [c.value for c in ws[1]]
        assert head[-4:] == [L.header(k, lang) for k in PREDICTION_COLUMNS]
        rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
        want = result.customers.set_index("customer_id")
        for cid in ("1", "2", "1000"):
            assert list(rows[cid][-4:]) == pytest.approx(list(want.loc[cid, PREDICTION_COLUMNS]), rel=1e-12)
        assert ws.cell(2, len(head) - 3).number_format == "0.0%"


def test_summary_shows_parameters_and_calibration_chart(written):
    wb = openpyxl.load_workbook(written["en"])
    ws = wb["Summary"]
    rows = [[v for v in r if v is not None] for r in ws.iter_rows(values_only=True)]
    at = rows.index(["Predicted value: fitted models"])
    assert rows[at + 1] == ["Model", "Parameter", "Value", "Unit", "Customers in fit"]
    assert rows[at + 3][:2] == ["BG/NBD", "alpha"] and rows[at + 3][3:] == ["days", 2357]
    assert f"{rows[at + 3][2]:.2f}" == "30.90"
    assert rows[at + 7][:2] == ["Gamma-Gamma", "q"] and rows[at + 7][3] == 946
    cal = rows.index(["Model check: customers by repeat purchases"])
    assert rows[cal + 2][:2] == ["0", 1411] and rows[cal + 9][:2] == ["7+", 64]
    chart = [c for c in ws._charts if len(c.series) == 2]
    assert len(chart) == 1
    names = [s.tx.v for s in chart[0].series]
    assert names == ["Actual customers", "Expected by the model"]
    zh = openpyxl.load_workbook(written["zh"])["汇总"]
    texts = {v for r in zh.iter_rows(values_only=True) for v in r if isinstance(v, str)}
    assert {"价值预测：模型参数", "模型检验：按复购次数的客户数"} <= texts


# ---------------------------------------------------------------- worksheet functions
def test_seg_palive_and_seg_clv_equal_the_columns(orders, result):
    from xlseg import udfs

    udfs.clear_cache()
    order_rows = [["Customer ID", "Order Date", "Amount"]] + [
        [cid, d.to_pydatetime(), float(a)] for cid, d, a in orders.itertuples(index=False)]
    ids = list(dict.fromkeys(orders["Customer ID"]))
    table = [["Customer ID"]] + [[i] for i in ids]
    want = result.customers.set_index("customer_id").loc[ids]
    got = udfs.SEG_PALIVE(table, None, order_rows, AS_OF)
    assert [r[0] for r in got] == pytest.approx(list(want["p_alive"]), rel=1e-12)
    got = udfs.SEG_CLV(table, None, order_rows, AS_OF)
    assert [r[0] for r in got] == pytest.approx(list(want["clv"]), rel=1e-12)
    assert udfs.SEG_CLV(table, "1000", order_rows, AS_OF) == pytest.approx(want.loc["1000", "clv"], rel=1e-12)
    assert udfs.SEG_PALIVE(table, [["2"], ["3"]], order_rows, AS_OF) == [[pytest.approx(want.loc["2", "p_alive"])],
                                                                       [1.0]]


def test_seg_palive_says_why_there_is_no_prediction():
    from xlseg import udfs

    udfs.clear_cache()
    table = [["Customer ID", "First Purchase", "Last Purchase", "Orders", "Total Spend"],
             ["a", "2024-01-05", "2024-03-05", 3, 30], ["b", "2024-02-01", "2024-02-01", 1, 10]]
    assert udfs.SEG_PALIVE(table) == (
        "#xlseg: Predicted value (P(alive), expected purchases, CLV) skipped: 2 customers with a purchase history, "
        "1 of them bought more than once; the BG/NBD model needs at least 20 customers and 10 repeat buyers.")
    assert udfs.SEG_CLV(table).startswith("#xlseg: Predicted value (P(alive), expected purchases, CLV) skipped")


def test_libreoffice_shows_the_prediction_columns(written, result, libreoffice, tmp_path):
    sheets = libreoffice.convert_to_csv(written["en"], tmp_path, recalc=False)
    rows = libreoffice.read_csv_sheet(sheets["Customers"])
    head = rows[0]
    at = {k: head.index(L.header(k, "en")) for k in PREDICTION_COLUMNS}
    want = result.customers.set_index("customer_id")
    assert len(rows) == 1 + len(want)
    for r in rows[1:]:
        w = want.loc[r[0]]
        for k in PREDICTION_COLUMNS:
            assert libreoffice.cell_equal(r[at[k]], float(w[k]), rel_tol=1e-12), (r[0], k, r[at[k]], w[k])

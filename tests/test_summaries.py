"""Summary tables: segment table, tier x stage crosstab, tag counts, KPIs (exact values, en and zh)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xlseg.core import summaries
from xlseg.core.config import Config
from xlseg.core.engine import classify

NAN = np.nan


def customers():
    # id  segment      monetary recency freq  R F M  tier       stage     buyer
    # a   champions    300      1       5     5 5 5  high       active    yes
    # b   champions    100      3       3     5 4 3  medium     active    yes
    # c   hibernating  100      100     1     1 1 3  potential  new       yes
    # d   -            -        -       0     - - -  -          prospect  no
    return pd.DataFrame({
        "segment_key": ["champions", "champions", "hibernating", None],
        "monetary": [300.0, 100.0, 100.0, NAN],
        "recency": [1.0, 3.0, 100.0, NAN],
        "frequency": [5.0, 3.0, 1.0, 0.0],
        "r_score": [5, 5, 1, NAN], "f_score": [5, 4, 1, NAN], "m_score": [5, 3, 3, NAN],
        "tier_key": ["high", "medium", "potential", None],
        "stage_key": ["active", "active", "new", "prospect"],
        "is_buyer": [True, True, True, False],
    })


def rows(frame):
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def test_segment_table_exact():
    table = summaries.segment_table(customers(), Config())
    assert list(table.columns) == ["segment_key", "segment", "customers", "customer_share", "revenue",
                                   "revenue_share", "mean_recency", "mean_frequency", "mean_monetary",
                                   "mean_r", "mean_f", "mean_m"]
    # every rfm10 segment listed once, in label order, empty ones with 0
    assert table["segment_key"].tolist() == ["champions", "loyal_customers", "potential_loyalists",
                                             "new_customers", "promising", "need_attention", "about_to_sleep",
                                             "at_risk", "cant_lose_them", "hibernating"]
    got = rows(table)
    assert got[0] == {"segment_key": "champions", "segment": "Champions", "customers": 2, "customer_share": 2 / 3,
                      "revenue": 400.0, "revenue_share": 0.8, "mean_recency": 2.0, "mean_frequency": 4.0,
                      "mean_monetary": 200.0, "mean_r": 5.0, "mean_f": 4.5, "mean_m": 4.0}
    assert got[1] == {"segment_key": "loyal_customers", "segment": "Loyal Customers", "customers": 0,
                      "customer_share": 0.0, "revenue": 0.0, "revenue_share": 0.0, "mean_recency": None,
                      "mean_frequency": None, "mean_monetary": None, "mean_r": None, "mean_f": None,
                      "mean_m": None}
    assert got[9] == {"segment_key": "hibernating", "segment": "Hibernating", "customers": 1,
                      "customer_share": 1 / 3, "revenue": 100.0, "revenue_share": 0.2, "mean_recency": 100.0,
                      "mean_frequency": 1.0, "mean_monetary": 100.0, "mean_r": 1.0, "mean_f": 1.0, "mean_m": 3.0}
    assert table["customers"].sum() == 3


def test_segment_table_zh_and_rfm8():
    zh = summaries.segment_table(customers(), Config(lang="zh"))
    assert zh["segment"].tolist()[:2] == ["冠军客户", "忠诚客户"]
    rfm8 = summaries.segment_table(customers(), Config(segment_scheme="rfm8"))
    assert rfm8["segment_key"].tolist() == ["important_value", "important_development", "important_retention",
                                            "important_winback", "general_value", "general_development",
                                            "general_retention", "general_winback"]
    assert rfm8["customers"].tolist() == [0] * 8


def test_segment_table_only_grid_segments():
    grid = tuple(tuple("champions" if f >= 2 else "hibernating" for f in range(5)) for _ in range(5))
    table = summaries.segment_table(customers(), Config(grid=grid))
    assert table["segment_key"].tolist() == ["champions", "hibernating"]


def test_segment_table_no_buyers():
    c = customers().iloc[[3]]
    table = summaries.segment_table(c, Config())
    assert table["customers"].tolist() == [0] * 10
    assert table["customer_share"].tolist() == [0.0] * 10
    assert table["revenue_share"].tolist() == [0.0] * 10


def test_tier_stage_exact_en():
    table = summaries.tier_stage(customers(), Config())
    assert table.index.name == "Value Tier \\ Stage"
    assert list(table.columns) == ["Prospect", "Lost", "Reactivated", "New", "Churn Warning", "Active", "Total"]
    assert list(table.index) == ["High value", "Medium value", "Potential", "Low value", "(no purchase)", "Total"]
    assert table.to_numpy().tolist() == [
        # Pro Lost Reac New Churn Active Total
        [0, 0, 0, 0, 0, 1, 1],   # High value
        [0, 0, 0, 0, 0, 1, 1],   # Medium value
        [0, 0, 0, 1, 0, 0, 1],   # Potential
        [0, 0, 0, 0, 0, 0, 0],   # Low value
        [1, 0, 0, 0, 0, 0, 1],   # (no purchase)
        [1, 0, 0, 1, 0, 2, 4],   # Total
    ]
    assert all(str(t) == "int64" for t in table.dtypes)


def test_tier_stage_zh_and_without_prospects():
    zh = summaries.tier_stage(customers(), Config(lang="zh"))
    assert zh.index.name == "价值等级 \\ 生命周期阶段"
    assert list(zh.columns) == ["潜在客户", "流失客户", "回流客户", "新客户", "流失预警", "活跃客户", "合计"]
    assert list(zh.index) == ["高价值", "一般价值", "潜力", "低价值", "（无购买）", "合计"]
    buyers_only = summaries.tier_stage(customers().iloc[:3], Config())
    assert list(buyers_only.index) == ["High value", "Medium value", "Potential", "Low value", "Total"]
    assert buyers_only.loc["Total", "Total"] == 3


def test_tag_counts():
    flags = pd.DataFrame({"VIP": [True, False, True, False], "Online": [False] * 4})
    got = summaries.tag_counts(flags, 4)
    assert rows(got) == [{"tag": "VIP", "customers": 2, "share": 0.5}, {"tag": "Online", "customers": 0, "share": 0.0}]
    empty = summaries.tag_counts(pd.DataFrame(index=range(0)), 0)
    assert list(empty.columns) == ["tag", "customers", "share"]
    assert len(empty) == 0


def test_kpis_exact():
    got = summaries.kpis(customers(), pd.Timestamp("2024-01-01"), Config())
    assert list(got.columns) == ["key", "label", "value"]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("customers", "Customers", 4),
        ("buyers", "Buyers", 3),
        ("prospects", "Prospects (no purchase)", 1),
        ("revenue", "Revenue", 500.0),
        ("monetary_per_buyer", "Revenue per buyer", 500.0 / 3),
        ("avg_order_value", "Average order value", 500.0 / 9),     # 9 purchases
        ("repeat_rate", "Repeat buyers", 2 / 3),                   # a and b bought twice or more
        ("median_recency", "Median recency (days)", 3.0),
        ("as_of", "As of", dt.datetime(2024, 1, 1)),
    ]
    zh = summaries.kpis(customers(), None, Config(lang="zh"))
    assert zh["label"].tolist() == ["客户总数", "有购买客户数", "潜在客户数（未购买）", "消费总额", "人均消费金额", "客单价",
                                    "复购率", "最近购买间隔天数中位数", "统计截止日期"]
    assert pd.isna(zh["value"].iloc[-1])


def test_kpis_no_buyers():
    c = customers().iloc[[3]]
    got = dict(zip(summaries.kpis(c, None, Config())["key"], summaries.kpis(c, None, Config())["value"]))
    assert (got["customers"], got["buyers"], got["prospects"], got["revenue"]) == (1, 0, 1, 0.0)
    assert all(pd.isna(got[k]) for k in ("monetary_per_buyer", "avg_order_value", "repeat_rate",
                                         "median_recency", "as_of"))


def test_classify_fills_every_summary():
    tx = pd.DataFrame({"Customer ID": ["a", "a", "b"], "Date": ["2024-01-01", "2024-02-01", "2024-02-01"],
                       "Amount": [10, 30, 60]})
    res = classify(transactions=tx, config=Config(default_tags=False))
    assert {"segments", "tier_stage", "tags", "kpis", "cut_points"} <= set(res.summaries)
    assert res.summaries["cut_points"] is res.cut_points
    kp = dict(zip(res.summaries["kpis"]["key"], res.summaries["kpis"]["value"]))
    assert (kp["customers"], kp["buyers"], kp["revenue"], kp["as_of"]) == (2, 2, 100.0, dt.datetime(2024, 2, 1))
    assert res.summaries["segments"]["customers"].sum() == 2
    assert res.summaries["tier_stage"].loc["Total", "Total"] == 2
    assert len(res.summaries["tags"]) == 0

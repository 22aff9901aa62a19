"""Issue 7: manual overrides from the Settings Overrides table."""

from __future__ import annotations

import pandas as pd

from xlseg.core import overrides as O
from xlseg.core.engine import classify
from xlseg.core.issues import IssueLog
from xlseg.plan.settings import read_overrides

CUST = pd.DataFrame({"Customer ID": ["a", "b", "c", 1001], "Orders": [1, 5, 3, 2],
                     "Total Spend": [10.0, 500.0, 80.0, 40.0],
                     "Last Purchase": ["2024-01-01", "2024-03-01", "2023-06-01", "2024-02-01"]})


def _table(rows):
    return pd.DataFrame([r[:4] for r in rows], columns=list(O.HEAD)).assign(row=[r[4] for r in rows])


def test_case_table_of_good_and_bad_overrides():
    rows = [  # id, field, value, reason, settings row
        ("a", "Segment", "Champions", "Key account", 5),  # ok
        (1001.0, "价值等级", "高价值", "VIP", 6),  # ok: numeric id, Chinese field and value
        ("b", "stage", "Lost", "  ", 7),  # blank reason
        ("zz", "Stage", "Lost", "gone", 8),  # unknown id
        ("c", "Colour", "Red", "x", 9),  # unknown field
        ("c", "Segment", "Platinum", "x", 10),  # unknown value
        ("a", "Segment", "At Risk", "again", 11),  # second override of the same field
        (None, None, None, None, 12),  # blank row: skipped silently
    ]
    log = IssueLog(sheet="Settings")
    valid = O.parse(_table(rows), ["a", "b", "c", "1001"], log)
    assert valid[["customer_id", "field", "key", "reason", "row"]].values.tolist() == [
        ["a", "segment", "champions", "Key account", 5], ["1001", "value_tier", "high", "VIP", 6]]
    issues = log.to_frame()
    assert issues["row"].tolist() == [7, 8, 9, 10, 11]
    assert issues["column"].tolist() == ["Reason", "Customer ID", "Field", "Value", "Customer ID"]
    assert issues["problem"].tolist() == [
        "override of b (Stage -> Lost) has no reason",
        "override for unknown customer id 'zz'",
        "override of c: 'Colour' is not a field that can be overridden",
        "override of c: 'Platinum' is not a Segment",
        "second override of Segment for 'a' (first on row 5)",
    ]
    assert set(issues["sheet"]) == {"Settings"}


def test_overrides_replace_values_everywhere_and_are_marked():
    ov = _table([("a", "Segment", "Champions", "Key account", 5), ("a", "Stage", "Active", "Paused", 6),
                 ("1001", "Value Tier", "High value", "VIP", 7)])
    r = classify(CUST, config={"overrides": ov})
    c = r.customers.set_index("customer_id")
    assert (c.at["a", "segment_key"], c.at["a", "segment"], c.at["a", "stage"]) == ("champions", "Champions",
                                                                                   "Active")
    assert c.at["a", "override"] == ("Segment: Champions (was Hibernating) — Key account; "
                                     "Stage: Active (was Active) — Paused")
    assert c.at["1001", "value_tier"] == "High value" and c.at["b", "override"] == ""
    seg = r.summaries["segments"].set_index("segment_key")
    assert seg.at["champions", "customers"] == 1  # summaries count the overridden value
    assert r.summaries["overrides"].values.tolist() == [
        ["a", None, "Segment", "Champions", "Hibernating", "Key account"],
        ["1001", None, "Value Tier", "High value", "Medium value", "VIP"],
        ["a", None, "Stage", "Active", "Active", "Paused"],
    ]
    assert len(r.issues) == 0


def test_zh_marker_and_read_overrides_from_settings_rows():
    rows = [("Setting", "Value", None, None, None, None, None, "客户编号", "字段", "值", "原因"),
            ("lang", "zh", None, None, None, None, None, None, None, None, None),
            ("as_of", None, None, None, None, None, None, "a", "客户分群", "冠军客户", "重点客户")]
    t = read_overrides(rows, sheet="设置")
    assert t.values.tolist() == [["a", "客户分群", "冠军客户", "重点客户", 3]]  # the blank placeholder row is skipped
    assert t.attrs["sheet"] == "设置"
    r = classify(CUST, config={"lang": "zh", "overrides": t})
    c = r.customers.set_index("customer_id")
    assert c.at["a", "segment"] == "冠军客户"
    assert c.at["a", "override"] == "客户分群: 冠军客户 (原为 沉睡客户) — 重点客户"
    assert read_overrides([("Setting", "Value")]) is None

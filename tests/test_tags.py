"""Tag rules: parsing, every operator, groups, labels, defaults, output shapes, exact messages."""

from __future__ import annotations

import builtins

import numpy as np
import pandas as pd
import pytest

from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.core.tags import (
    DEFAULT_TAG_NAMES,
    OPERATORS,
    Rule,
    default_rules,
    evaluate,
    parse_rules,
    tags_column,
    tags_long,
)
from xlseg.errors import ConfigError, RuleError

AS_OF = pd.Timestamp("2024-07-01")
NAN = np.nan
T, F = True, False


def table(*rows, start=2, headers=("Tag", "Field", "Operator", "Value", "Group")):
    """A rule table; rule i sits on Settings row start + i."""
    body = [list(r) + [None] * (5 - len(r)) for r in rows]
    out = pd.DataFrame(body, columns=list(headers), dtype=object)
    out["row"] = range(start, start + len(rows))
    return out


def one(frame, field, op, value=None, **kw):
    """Flags of a single rule (tag 'T') as a list."""
    flags = evaluate(frame, parse_rules(table(("T", field, op, value))), as_of=AS_OF, **kw)
    return flags["T"].tolist()


def message(excinfo) -> str:
    return str(excinfo.value)


# ----------------------------------------------------------------- numeric operators
# monetary:      100    250    NaN    1000   250
NUMBERS = pd.DataFrame({"monetary": [100.0, 250.0, NAN, 1000.0, 250.0]})


@pytest.mark.parametrize(
    "op, value, expected",
    [
        ("=", 250, [F, T, F, F, T]),
        ("=", "1,000", [F, F, F, T, F]),        # thousands separator
        ("=", "¥1,000", [F, F, F, T, F]),       # currency sign
        ("=", "２５０", [F, T, F, F, T]),         # full-width digits
        ("<>", 250, [T, F, F, T, F]),           # missing never matches <>
        (">", "250", [F, F, F, T, F]),
        (">=", 250, [F, T, F, T, T]),
        ("<", 250, [T, F, F, F, F]),
        ("<=", 250, [T, T, F, F, T]),
        ("between", "200~1,000", [F, T, F, T, T]),   # both ends included
        ("between", "1000,200", [F, T, F, T, T]),    # either order
        ("between", "100 ~ 100", [T, F, F, F, F]),
        ("in", "100, 1000", [T, F, F, T, F]),
        ("in", "100|1000", [T, F, F, T, F]),
        ("in", "100、1000", [T, F, F, T, F]),
        ("in", "100；1000", [T, F, F, T, F]),
        ("not in", "100; 1000", [F, T, F, F, T]),     # missing never matches not in
        ("is blank", None, [F, F, T, F, F]),
        ("not blank", None, [T, T, F, T, T]),
        ("contains", "25", [F, T, F, F, T]),
        ("starts with", "10", [T, F, F, T, F]),
        ("==", 250, [F, T, F, F, T]),
        ("!=", 250, [T, F, F, T, F]),
        ("≥", 250, [F, T, F, T, T]),
        ("＜＝", 250, [T, T, F, F, T]),               # full-width symbols
        ("NOT  IN", "250", [T, F, F, T, F]),          # case and spacing of words
    ],
)
def test_numeric_operators(op, value, expected):
    assert one(NUMBERS, "Monetary", op, value) == expected


def test_numeric_equality_tolerates_float_sums():
    frame = pd.DataFrame({"monetary": [0.1 + 0.2, 0.3, 0.31]})
    assert one(frame, "monetary", "=", 0.3) == [T, T, F]
    assert one(frame, "monetary", "<=", "0.3") == [T, T, F]
    assert one(frame, "monetary", ">", 0.3) == [F, F, T]


def test_percent_value_on_numeric_column_is_a_fraction():
    frame = pd.DataFrame({"rate": [0.5, 0.8, 0.9]})
    assert one(frame, "rate", ">=", "80%") == [F, T, T]


def test_nullable_integer_column():
    frame = pd.DataFrame({"orders": pd.array([1, None, 3], dtype="Int64")})
    assert one(frame, "orders", ">=", 1) == [T, F, T]
    assert one(frame, "orders", "is blank") == [F, T, F]


# ----------------------------------------------------------------- Chinese operator spellings
@pytest.mark.parametrize(
    "zh, en, value",
    [
        ("等于", "=", 250), ("不等于", "<>", 250), ("大于", ">", 250), ("大于等于", ">=", 250),
        ("小于", "<", 250), ("小于等于", "<=", 250), ("介于", "between", "200至1000"),
        ("属于", "in", "100，1000"), ("不属于", "not in", "100、1000"), ("包含", "contains", "25"),
        ("开头是", "starts with", "10"), ("为空", "is blank", None), ("不为空", "not blank", None),
        ("前%", "top %", 40), ("后 %", "bottom %", "40%"),
    ],
)
def test_chinese_operators_mean_the_same(zh, en, value):
    assert one(NUMBERS, "消费金额", zh, value) == one(NUMBERS, "Monetary", en, value)
    assert parse_rules(table(("T", "消费金额", zh, value)))[0].operator == en


def test_chinese_day_operators():
    frame = pd.DataFrame({"last_purchase": pd.to_datetime(["2024-06-25", "2024-01-01"])})
    assert one(frame, "最近购买日期", "最近天数内", "30天") == [T, F]
    assert one(frame, "最近购买日期", "超过天数", 30) == [F, T]


def test_every_operator_is_listed_in_the_message_order():
    assert OPERATORS == ("=", "<>", ">", ">=", "<", "<=", "between", "in", "not in", "contains",
                         "starts with", "is blank", "not blank", "within days", "older than days",
                         "top %", "bottom %")


# ----------------------------------------------------------------- text operators
# source: "Online", " online ", "Store", None, "", full-width "ＯＮＬＩＮＥ", "Web  Shop"
TEXT = pd.DataFrame({"source": ["Online", " online ", "Store", None, "  ", "ＯＮＬＩＮＥ", "Web  Shop"]})


@pytest.mark.parametrize(
    "op, value, expected",
    [
        ("=", "online", [T, T, F, F, F, T, F]),
        ("=", " web shop", [F, F, F, F, F, F, T]),      # inner spaces collapsed
        ("<>", "Online", [F, F, T, F, F, F, T]),        # blanks never match <>
        ("in", "ONLINE; store", [T, T, T, F, F, T, F]),
        ("not in", "Online", [F, F, T, F, F, F, T]),
        ("contains", "LIN", [T, T, F, F, F, T, F]),
        ("contains", "b s", [F, F, F, F, F, F, T]),
        ("starts with", "st", [F, F, T, F, F, F, F]),
        ("is blank", None, [F, F, F, T, T, F, F]),     # None and spaces-only
        ("not blank", None, [T, T, T, F, F, T, T]),
        (">", "p", [F, F, T, F, F, F, T]),              # alphabetical
    ],
)
def test_text_operators(op, value, expected):
    assert one(TEXT, "Source", op, value) == expected


def test_text_column_compared_as_numbers_when_the_value_is_a_number():
    frame = pd.DataFrame({"note": ["10", "9", "x", None, "1,000"]}, dtype=object)
    assert one(frame, "note", ">", 9.5) == [T, F, F, F, T]
    assert one(frame, "note", "between", "5~10") == [T, T, F, F, F]
    assert one(frame, "note", "=", 9) == [F, T, F, F, F]


def test_between_dates_on_a_text_column_compares_the_text():
    frame = pd.DataFrame({"signed": ["2024-01-05", "2023-12-31", "x", None]}, dtype=object)
    assert one(frame, "signed", "between", "2024-01-01~2024-12-31") == [T, F, F, F]


def test_numeric_value_cell_on_text_column():
    frame = pd.DataFrame({"code": ["1", "2", "1.5"]}, dtype=object)
    assert one(frame, "code", "=", 1.0) == [T, F, F]
    assert one(frame, "code", "in", 1.5) == [F, F, T]


def test_boolean_column_is_text_true_false():
    frame = pd.DataFrame({"member": [True, False, True]})
    assert one(frame, "member", "=", "TRUE") == [T, F, T]


# ----------------------------------------------------------------- dates
# last_purchase: 2024-01-01, 2024-03-15 10:30, NaT, 2024-06-30, 2024-07-10 (after as_of)
# days before AS_OF 2024-07-01:  182, 108, -, 1, -9
DATES = pd.DataFrame({"last_purchase": pd.to_datetime(
    ["2024-01-01", "2024-03-15 10:30", None, "2024-06-30", "2024-07-10"], format="ISO8601")})


@pytest.mark.parametrize(
    "op, value, expected",
    [
        ("=", "2024-03-15", [F, T, F, F, F]),               # by calendar day
        ("=", pd.Timestamp("2024-03-15"), [F, T, F, F, F]),  # a date cell
        ("=", 45366.0, [F, T, F, F, F]),                    # an Excel serial (2024-03-15)
        ("<>", "2024-03-15", [T, F, F, T, T]),
        (">", "2024/03/15", [F, F, F, T, T]),
        (">=", "2024年3月15日", [F, T, F, T, T]),
        ("<", "today", [T, T, F, T, F]),
        ("<=", "2024-01-01", [T, F, F, F, F]),
        ("between", "2024-01-01~2024-03-31", [T, T, F, F, F]),
        ("in", "2024-01-01, 2024-06-30", [T, F, F, T, F]),
        ("not in", "2024-01-01", [F, T, F, T, T]),
        ("within days", 108, [F, T, F, T, F]),              # 0 <= age <= 108; the future is not within
        ("within days", "30 days", [F, F, F, T, F]),
        ("within days", 0, [F, F, F, F, F]),
        ("older than days", 108, [T, F, F, F, F]),          # age > 108
        ("older than days", "0", [T, T, F, T, F]),
        ("is blank", None, [F, F, T, F, F]),
        ("top %", 20, [F, F, F, F, T]),                     # latest
        ("bottom %", 20, [T, F, F, F, F]),                  # earliest
        ("contains", "2024-03", [F, T, F, F, F]),
    ],
)
def test_date_operators(op, value, expected):
    assert one(DATES, "Last Purchase", op, value) == expected


def test_timezone_aware_dates_compare_by_local_day():
    frame = pd.DataFrame({"last_purchase": pd.to_datetime(["2024-06-30 23:00", "2024-01-01 00:00"]).tz_localize("Asia/Shanghai")})
    assert one(frame, "last_purchase", "=", "2024-06-30") == [T, F]
    assert one(frame, "last_purchase", "within days", 1) == [T, F]


# ----------------------------------------------------------------- groups
def test_and_within_a_group_or_across_groups():
    frame = pd.DataFrame({
        "customer_type": ["Enterprise", "Enterprise", "Individual", "Individual"],
        "monetary": [100.0, 5000.0, 5000.0, 100.0],
    }, index=[5, 6, 7, 8])
    rules = parse_rules(table(
        ("Mixed", "Customer Type", "=", "Enterprise", "A"),
        ("Mixed", "Monetary", ">=", 1000, "A"),
        ("Rich person", "Customer Type", "=", "Individual"),   # blank group = group 1: AND
        ("Mixed", "Monetary", "<", 200, "B"),
        ("Rich person", "Monetary", ">=", 1000, None),
        ("Grouped by number", "Monetary", ">", 0, 1.0),
        ("Grouped by number", "Monetary", "<", 1000, "1"),        # 1.0 and "1" are one group
    ))
    flags = evaluate(frame, rules, as_of=AS_OF)
    assert list(flags.columns) == ["Mixed", "Rich person", "Grouped by number"]   # first appearance
    assert list(flags.index) == [5, 6, 7, 8]
    assert flags.dtypes.tolist() == [np.dtype(bool)] * 3
    # Mixed: (Enterprise AND >= 1000) OR < 200
    assert flags["Mixed"].tolist() == [T, T, F, T]
    assert flags["Rich person"].tolist() == [F, F, T, F]
    assert flags["Grouped by number"].tolist() == [T, F, F, T]
    assert flags.attrs["skipped"] == []


def test_groups_are_kept_per_tag():
    # Group "1" of tag X and group "1" of tag Y are different groups.
    frame = pd.DataFrame({"monetary": [1.0, 5.0]})
    flags = evaluate(frame, parse_rules(table(("X", "monetary", ">", 2), ("Y", "monetary", "<", 2))), as_of=AS_OF)
    assert flags.to_dict("list") == {"X": [F, T], "Y": [T, F]}


# ----------------------------------------------------------------- labels in either language
def labelled(lang, with_keys=True):
    keys = {
        "segment_key": ["champions", "loyal_customers", "hibernating", None],
        "tier_key": ["high", "potential", "low", None],
        "stage_key": ["active", "lost", "churn_warning", "prospect"],
    }
    frame = pd.DataFrame({
        "segment": [L.label(L.SEGMENTS, k, lang) for k in keys["segment_key"]],
        "value_tier": [L.label(L.TIERS, k, lang) for k in keys["tier_key"]],
        "stage": [L.label(L.STAGES, k, lang) for k in keys["stage_key"]],
    })
    if with_keys:
        for column, values in keys.items():
            frame[column] = values
    return frame


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("with_keys", [True, False])
@pytest.mark.parametrize(
    "field, op, value, expected",
    [
        ("Segment", "=", "Champions", [T, F, F, F]),
        ("Segment", "=", "冠军客户", [T, F, F, F]),
        ("客户分群", "=", "champions", [T, F, F, F]),              # the key itself works too
        ("Segment", "<>", "Champions", [F, T, T, F]),              # no segment: never matches
        ("Segment", "in", "冠军客户、Loyal Customers", [T, T, F, F]),
        ("Segment", "not in", "Hibernating", [T, T, F, F]),
        ("Segment", "contains", "loyal", [F, T, F, F]),            # either language
        ("Segment", "contains", "沉睡", [F, F, T, F]),
        ("Segment", "is blank", None, [F, F, F, T]),
        ("Value Tier", "=", "高价值", [T, F, F, F]),
        ("价值等级", "in", "Potential, Low value", [F, T, T, F]),
        ("Stage", "in", "Lost, 流失预警", [F, T, T, F]),
        ("生命周期阶段", "starts with", "churn", [F, F, T, F]),
    ],
)
def test_label_columns_accept_either_language(lang, with_keys, field, op, value, expected):
    assert one(labelled(lang, with_keys), field, op, value) == expected


def test_unknown_label_is_an_error():
    with pytest.raises(RuleError) as e:
        one(labelled("en"), "Value Tier", "=", "Gold")
    assert message(e) == ("Settings row 2: Value 'Gold' is not a Value Tier. Use one of: High value, "
                          "Medium value, Low value, Potential (or the Chinese names).")


def test_ordering_does_not_apply_to_labels():
    with pytest.raises(RuleError) as e:
        one(labelled("en"), "Stage", ">", "Lost")
    assert message(e) == ("Settings row 2: operator '>' does not apply to Stage labels. "
                          "Use =, <>, in, not in, contains, starts with, is blank or not blank.")


# ----------------------------------------------------------------- top % / bottom %
# monetary: 10, 20, 20, 30, NaN, 5  (n = 5 non-missing)
# descending min-rank r: 30 -> 1, 20 -> 2, 20 -> 2, 10 -> 4, 5 -> 5; selected when (r-1)/5 < p/100
RANKED = pd.DataFrame({"monetary": [10.0, 20.0, 20.0, 30.0, NAN, 5.0]})


@pytest.mark.parametrize(
    "op, p, expected",
    [
        ("top %", 20, [F, F, F, T, F, F]),       # 20s: (2-1)/5 = 0.2, not < 0.2
        ("top %", "21%", [F, T, T, T, F, F]),    # ties selected together
        ("top %", 40, [F, T, T, T, F, F]),
        ("top %", 60, [F, T, T, T, F, F]),       # 10: (4-1)/5 = 0.6, not < 0.6
        ("top %", 0, [F, F, F, F, F, F]),
        ("top %", 100, [T, T, T, T, F, T]),      # never the missing one
        ("bottom %", 20, [F, F, F, F, F, T]),
        ("bottom %", 50, [T, T, T, F, F, T]),    # ascending r: 5 -> 1, 10 -> 2, 20 -> 3
        ("bottom %", "40", [T, F, F, F, F, T]),
    ],
)
def test_top_and_bottom_percent_with_ties(op, p, expected):
    assert one(RANKED, "Monetary", op, p) == expected


def test_top_percent_all_equal_values_all_selected():
    frame = pd.DataFrame({"monetary": [7.0, 7.0, 7.0]})
    assert one(frame, "monetary", "top %", 1) == [T, T, T]
    assert one(frame, "monetary", "bottom %", 1) == [T, T, T]


def test_top_percent_numeric_cell_below_one_is_a_fraction():
    frame = pd.DataFrame({"monetary": np.arange(1.0, 21.0)})      # 20 distinct values
    assert one(frame, "monetary", "top %", 0.05) == [F] * 19 + [T]   # Excel's 5% cell = 5 %
    assert one(frame, "monetary", "top %", "0.05") == [F] * 19 + [T]  # text: 0.05 % of 20 -> 1 value
    assert one(frame, "monetary", "top %", "10%") == [F] * 18 + [T, T]


def test_top_percent_matches_the_rank_definition_on_random_ties():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 15, 400).astype(float)
    values[rng.random(400) < 0.1] = NAN
    frame = pd.DataFrame({"monetary": values})
    s = frame["monetary"]
    n = s.notna().sum()
    for p in (1, 5, 12.5, 33, 50, 99):
        top = ((s.rank(method="min", ascending=False) - 1) / n < p / 100).tolist()
        bottom = ((s.rank(method="min", ascending=True) - 1) / n < p / 100).tolist()
        assert one(frame, "monetary", "top %", p) == top
        assert one(frame, "monetary", "bottom %", p) == bottom


# ----------------------------------------------------------------- field resolution and skipping
def test_fields_mapping_then_columns_then_canonical_names():
    frame = pd.DataFrame({"recency": [10.0, 400.0], "c3": ["x", "y"], "customer_type": ["B2B", "B2C"]})
    fields = {"最近购买间隔天数": "recency", "Recency": "recency", "Region Code": "c3"}
    rules = parse_rules(table(
        ("Old", "最近购买间隔天数", ">", 365),
        ("X", "region code", "=", "x"),        # a sheet header, via the mapping
        ("Y", "C3", "=", "y"),                 # a frame column
        ("B", "客户类型", "=", "b2b"),           # canonical name -> customer_type column
    ))
    flags = evaluate(frame, rules, as_of=AS_OF, fields=fields)
    assert flags.to_dict("list") == {"Old": [F, T], "X": [T, F], "Y": [F, T], "B": [T, F]}


def test_known_field_absent_from_the_data_is_skipped():
    frame = pd.DataFrame({"monetary": [1.0, 50.0]})
    rules = parse_rules(table(
        ("Enterprise", "Customer Type", "in", "Enterprise, B2B"),
        ("Big or B2B", "Customer Type", "=", "B2B", 1),
        ("Big or B2B", "Monetary", ">", 10, 2),
        ("Happy", "满意度", ">=", 4),
    ))
    flags = evaluate(frame, rules, as_of=AS_OF)
    assert list(flags.columns) == ["Big or B2B"]
    assert flags["Big or B2B"].tolist() == [F, T]
    assert flags.attrs["skipped"] == [
        ("Enterprise", "Settings row 2: field 'Customer Type' is not in this data, so the tag is skipped."),
        ("Big or B2B", "Settings row 3: field 'Customer Type' is not in this data, so group 1 of the tag is skipped."),
        ("Happy", "Settings row 5: field '满意度' is not in this data, so the tag is skipped."),
    ]


def test_mapping_to_an_absent_column_is_skipped():
    frame = pd.DataFrame({"monetary": [1.0]})
    flags = evaluate(frame, parse_rules(table(("Champ", "Segment", "=", "Champions"))), as_of=AS_OF,
                     fields={"Segment": "segment"})
    assert flags.shape == (1, 0)
    assert flags.attrs["skipped"] == [
        ("Champ", "Settings row 2: field 'Segment' is not in this data, so the tag is skipped.")]


def test_unknown_field_lists_the_available_fields():
    frame = pd.DataFrame({"monetary": [1.0], "segment": ["Champions"], "segment_key": ["champions"],
                          "customer_id": ["C1"]})
    rules = parse_rules(table(("T", "Revenu", ">", 1), start=14))
    with pytest.raises(RuleError) as e:
        evaluate(frame, rules, as_of=AS_OF, fields={"Monetary": "monetary", "消费金额": "monetary",
                                                    "Segment": "segment", "Stage": "stage"})
    assert message(e) == ("Settings row 14: field 'Revenu' is not a column of the data. "
                          "Use one of: Monetary, Segment, customer_id.")


def test_unknown_field_is_reported_even_next_to_a_skipped_rule():
    frame = pd.DataFrame({"monetary": [1.0]})
    rules = parse_rules(table(("T", "Customer Type", "=", "B2B"), ("T", "Nonsense", "=", "x")))
    with pytest.raises(RuleError) as e:
        evaluate(frame, rules, as_of=AS_OF)
    assert message(e) == "Settings row 3: field 'Nonsense' is not a column of the data. Use one of: monetary."


# ----------------------------------------------------------------- the rule table itself
def test_parse_rules_returns_rules_in_table_order():
    rules = parse_rules(table(
        ("VIP", "Monetary", "Top %", "5%"),
        (" Loyal ", "Segment", "in", "Champions, 忠诚客户", "a"),
        ("Recent", "Last Purchase", "within days", 30.0, 2.0),
        ("Blanks", "Country", "is blank", "ignored"),
        ("Range", "Monetary", "介于", "1,000~5,000"),
        start=10,
    ))
    assert rules == [
        Rule("VIP", "Monetary", "top %", "5%", "1", 10, arg=5),
        Rule("Loyal", "Segment", "in", "Champions, 忠诚客户", "a", 11, arg=("Champions", "忠诚客户")),
        Rule("Recent", "Last Purchase", "within days", 30.0, "2", 12, arg=30),
        Rule("Blanks", "Country", "is blank", "ignored", "1", 13, arg=None),
        Rule("Range", "Monetary", "between", "1,000~5,000", "1", 14, arg=("1,000", "5,000")),
    ]


def test_chinese_and_any_case_headers_and_blank_rows():
    frame = pd.DataFrame([["大客户", "消费金额", "大于", 100, None],
                          [None, None, None, None, None],
                          ["大客户", "消费金额", "小于", "1000", None]],
                         columns=["标签", "字段", "运算符", "值", "组"], index=[20, 21, 22])
    rules = parse_rules(frame)
    assert [(r.tag, r.operator, r.row) for r in rules] == [("大客户", ">", 20), ("大客户", "<", 22)]
    upper = frame.rename(columns={"标签": "TAG", "字段": "field", "运算符": " Operator ", "值": "VALUE", "组": "group"})
    assert parse_rules(upper) == rules


def test_value_and_group_columns_may_be_absent():
    rules = parse_rules(pd.DataFrame({"Tag": ["No country"], "Field": ["Country"], "Operator": ["is blank"]}))
    assert rules == [Rule("No country", "Country", "is blank", None, "1", 0, arg=None)]


def test_empty_table_and_no_rules():
    assert parse_rules(table()) == []
    frame = pd.DataFrame({"monetary": [1.0, 2.0]}, index=[3, 4])
    flags = evaluate(frame, [], as_of=AS_OF)
    assert flags.shape == (2, 0) and list(flags.index) == [3, 4] and flags.attrs["skipped"] == []


def test_empty_frame():
    flags = evaluate(pd.DataFrame({"monetary": pd.Series([], dtype=float)}),
                     parse_rules(table(("VIP", "monetary", "top %", 5), ("Big", "monetary", ">", 1))), as_of=AS_OF)
    assert list(flags.columns) == ["VIP", "Big"] and len(flags) == 0


# ----------------------------------------------------------------- exact messages for bad rules
USE = ("Use one of: =, <>, >, >=, <, <=, between, in, not in, contains, starts with, is blank, not blank, "
       "within days, older than days, top %, bottom %.")


@pytest.mark.parametrize(
    "rule, expected",
    [
        (("Big", "Monetary", "greater", 10),
         f"Settings row 14: operator 'greater' is not known. {USE}"),
        (("Big", "Monetary", "__import__('os')", 10),
         f"Settings row 14: operator '__import__('os')' is not known. {USE}"),
        (("Big", "Monetary", None, 10),
         f"Settings row 14: Operator is blank. {USE}"),
        (("Big", "Monetary", ">", None),
         "Settings row 14: Value is blank, but operator '>' needs one. "
         "Write the value to compare with, or use 'is blank' / 'not blank'."),
        (("Big", "Monetary", "in", "  "),
         "Settings row 14: Value is blank, but operator 'in' needs one. "
         "Write the value to compare with, or use 'is blank' / 'not blank'."),
        (("Big", "Monetary", "in", " , ;"),
         "Settings row 14: Value ', ;' has no items, but operator 'in' needs a list. "
         "Separate the items with commas, e.g. Online, Web, App."),
        (("Big", "Monetary", "between", "10 - 20"),
         "Settings row 14: Value '10 - 20' for 'between' must be two numbers or two dates. "
         "Write them as low~high or low,high, e.g. 10~20 or 2024-01-01~2024-03-31."),
        (("Big", "Monetary", "between", 10),
         "Settings row 14: Value '10' for 'between' must be two numbers or two dates. "
         "Write them as low~high or low,high, e.g. 10~20 or 2024-01-01~2024-03-31."),
        (("Big", "Monetary", "between", "low~high"),
         "Settings row 14: Value 'low~high' for 'between' must be two numbers or two dates. "
         "Write them as low~high or low,high, e.g. 10~20 or 2024-01-01~2024-03-31."),
        (("Recent", "Last Purchase", "within days", "soon"),
         "Settings row 14: Value 'soon' for 'within days' is not a whole number of days. Write a number such as 30."),
        (("Recent", "Last Purchase", "older than days", 2.5),
         "Settings row 14: Value '2.5' for 'older than days' is not a whole number of days. "
         "Write a number such as 30."),
        (("Recent", "Last Purchase", "within days", -3),
         "Settings row 14: Value '-3' for 'within days' is not a whole number of days. Write a number such as 30."),
        (("VIP", "Monetary", "top %", 150),
         "Settings row 14: Value '150' for 'top %' is not a percentage from 0 to 100. Write a number such as 10 or 10%."),
        (("VIP", "Monetary", "bottom %", "a few"),
         "Settings row 14: Value 'a few' for 'bottom %' is not a percentage from 0 to 100. "
         "Write a number such as 10 or 10%."),
        ((None, "Monetary", ">", 10),
         "Settings row 14: Tag is blank. Write the name of the tag this rule gives (for example VIP), "
         "or clear the whole row."),
        (("Big", "  ", ">", 10),
         "Settings row 14: Field is blank. Write the column the rule looks at "
         "(for example Monetary, Segment or a header of the customer sheet)."),
    ],
)
def test_bad_rule_messages(rule, expected):
    with pytest.raises(RuleError) as e:
        parse_rules(table(("OK", "Monetary", ">", 1), rule, start=13))
    assert message(e) == expected


def test_row_comes_from_the_frame_index_without_a_row_column():
    rules = pd.DataFrame({"Tag": ["A", "B"], "Field": ["x", "x"], "Operator": ["=", "bigger"], "Value": [1, 2]},
                         index=[30, 31])
    with pytest.raises(RuleError) as e:
        parse_rules(rules)
    assert message(e).startswith("Settings row 31: operator 'bigger' is not known.")


def test_sheet_name_in_messages():
    with pytest.raises(RuleError) as e:
        parse_rules(table(("A", "x", "like", 1), start=4), sheet="设置")
    assert message(e).startswith("设置 row 4: operator 'like' is not known.")


def test_missing_rule_table_columns():
    with pytest.raises(RuleError) as e:
        parse_rules(pd.DataFrame({"Tag": ["A"], "Value": [1]}))
    assert message(e) == ("Settings: the tag rule table has no Field, Operator column. "
                          "Give it the headers Tag, Field, Operator, Value, Group (or 标签, 字段, 运算符, 值, 组).")


@pytest.mark.parametrize(
    "frame, rule, expected",
    [
        (NUMBERS, ("T", "Monetary", ">", "lots"),
         "Settings row 2: Value 'lots' is not a number, but field 'Monetary' holds numbers. "
         "Write a number such as 1000."),
        (NUMBERS, ("T", "Monetary", "in", "100, many"),
         "Settings row 2: Value 'many' is not a number, but field 'Monetary' holds numbers. "
         "Write a number such as 1000."),
        (NUMBERS, ("T", "Monetary", "between", "2024-01-01~2024-02-01"),
         "Settings row 2: Value '2024-01-01' is not a number, but field 'Monetary' holds numbers. "
         "Write a number such as 1000."),
        (DATES, ("T", "Last Purchase", ">", "last year"),
         "Settings row 2: Value 'last year' is not a date, but field 'Last Purchase' holds dates. "
         "Write a date as YYYY-MM-DD."),
        (DATES, ("T", "Last Purchase", "=", "2024-02-31"),
         "Settings row 2: Value '2024-02-31' is not a date, but field 'Last Purchase' holds dates. "
         "Write a date as YYYY-MM-DD."),
        (NUMBERS, ("T", "Monetary", "within days", 30),
         "Settings row 2: operator 'within days' needs a date field, and 'Monetary' does not hold dates. "
         "Use a date field such as Last Purchase."),
        (TEXT, ("T", "Source", "top %", 10),
         "Settings row 2: operator 'top %' needs a numeric or date field, and 'Source' holds text. "
         "Use a field such as Monetary or Frequency."),
    ],
)
def test_value_that_does_not_fit_the_column(frame, rule, expected):
    with pytest.raises(RuleError) as e:
        evaluate(frame, parse_rules(table(rule)), as_of=AS_OF)
    assert message(e) == expected


def test_days_need_an_as_of_date():
    rules = parse_rules(table(("Recent", "Last Purchase", "within days", 30)))
    with pytest.raises(RuleError) as e:
        evaluate(DATES, rules, as_of=None)
    assert message(e) == ("Settings row 2: operator 'within days' counts days back from the as_of date, "
                          "and there is none. Set as_of in Settings (a date or 'today').")
    assert evaluate(DATES, parse_rules(table(("Old", "Last Purchase", "<", "2024-02-01"))),
                    as_of=None)["Old"].tolist() == [T, F, F, F, F]


def test_rule_error_is_a_config_error():
    assert issubclass(RuleError, ConfigError)


# ----------------------------------------------------------------- rules are data, never code
def test_rules_are_never_evaluated_as_code(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("rule text reached an evaluator")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(pd, "eval", refuse)
    monkeypatch.setattr(pd.DataFrame, "query", refuse)
    monkeypatch.setattr(pd.DataFrame, "eval", refuse)

    frame = pd.DataFrame({
        "note": ["=1+1", "2", "__import__('os')", None],
        "monetary": [1.0, 2.0, 3.0, NAN],
        "last_purchase": pd.to_datetime(["2024-06-30", "2023-01-01", None, "2024-05-01"]),
        "customer_type": ["B2B", "B2C", "B2B", None],
    })
    rules = parse_rules(table(
        ("Formula", "note", "=", "=1+1"),
        ("Import", "note", "contains", "__import__('os')"),
        ("Import", "note", "in", "__import__('os'), os.system('x')", 2),
        ("Two", "note", "=", "1+1"),
        ("Big", "monetary", ">=", 2),
        ("Recent", "last_purchase", "within days", 90),
        ("VIP", "monetary", "top %", 34),
        ("B2B", "customer_type", "in", "B2B"),
    ))
    flags = evaluate(frame, rules, as_of=AS_OF)
    assert flags.to_dict("list") == {
        "Formula": [T, F, F, F],     # the text "=1+1", not 2
        "Import": [F, F, T, F],
        "Two": [F, F, F, F],
        "Big": [F, T, T, F],
        "Recent": [T, F, F, T],
        "VIP": [F, T, T, F],
        "B2B": [T, F, T, F],
    }
    assert tags_column(flags).tolist() == ["Formula; Recent; B2B", "Big; VIP", "Import; Big; VIP; B2B", "Recent"]
    assert len(tags_long(flags, pd.Series(["a", "b", "c", "d"]))) == 10
    defaults = default_rules("en", Config(), {"customer_type", "monetary"})
    assert evaluate(frame, parse_rules(defaults), as_of=AS_OF)["Enterprise"].tolist() == [T, F, T, F]


def test_formula_like_value_on_a_numeric_column_is_not_a_number():
    with pytest.raises(RuleError) as e:
        one(NUMBERS, "Monetary", "=", "=1+1")
    assert message(e) == ("Settings row 2: Value '=1+1' is not a number, but field 'Monetary' holds numbers. "
                          "Write a number such as 1000.")


def test_code_as_a_field_name_is_an_unknown_field():
    with pytest.raises(RuleError) as e:
        one(NUMBERS, "__import__('os').system('ls')", "=", 1)
    assert message(e) == ("Settings row 2: field '__import__('os').system('ls')' is not a column of the data. "
                          "Use one of: monetary.")


# ----------------------------------------------------------------- default rules
ALL_FIELDS = {"customer_type", "source", "country", "satisfaction", "monetary", "m_score", "value_tier", "stage"}


def test_default_rules_en():
    rules = default_rules("en", Config(), ALL_FIELDS)
    assert list(rules.columns) == ["Tag", "Field", "Operator", "Value", "Group"]
    assert rules.values.tolist() == [
        ["Enterprise", "Customer Type", "in", "Enterprise, Company, Business, B2B, Corporate, 企业, 公司, 企业客户", 1],
        ["Individual", "Customer Type", "in", "Individual, Person, Personal, Consumer, B2C, 个人, 个人客户", 1],
        ["Online", "Source", "in",
         "Online, Web, Website, App, E-commerce, Ecommerce, Internet, 线上, 网店, 电商, 小程序, 官网", 1],
        ["Offline", "Source", "in", "Offline, Store, Retail, Shop, Branch, Event, 线下, 门店, 实体店, 展会", 1],
        ["International", "Country", "not blank", None, 1],
        ["International", "Country", "not in", "(home country)", 1],
        ["Key Account", "Value Tier", "=", "High value", 1],
        ["Key Account", "Customer Type", "in", "Enterprise, Company, Business, B2B, Corporate, 企业, 公司, 企业客户", 1],
        ["VIP", "Monetary", "top %", 5, 1],
        ["Win-back", "Stage", "in", "Lost, Churn Warning", 1],
        ["Win-back", "M Score", ">=", 4, 1],
        ["Dissatisfied", "Satisfaction", "<", 3, 1],
    ]


def test_default_rules_zh():
    rules = default_rules("zh", Config(home_country="中国"), ALL_FIELDS)
    assert list(rules.columns) == ["标签", "字段", "运算符", "值", "组"]
    assert list(dict.fromkeys(rules["标签"])) == [v[1] for v in DEFAULT_TAG_NAMES.values()] == [
        "企业客户", "个人客户", "线上客户", "线下客户", "海外客户", "大客户", "VIP客户", "待挽回", "不满意客户"]
    assert rules[["标签", "字段", "运算符", "值"]].values.tolist()[4:] == [
        ["海外客户", "国家", "不为空", None],
        ["海外客户", "国家", "不属于", "China、中国、CN、CHN、PRC、P.R.C.、People's Republic of China、"
                                   "中华人民共和国、Mainland China、中国大陆"],
        ["大客户", "价值等级", "等于", "高价值"],
        ["大客户", "客户类型", "属于", "Enterprise、Company、Business、B2B、Corporate、企业、公司、企业客户"],
        ["VIP客户", "消费金额", "前%", 5],
        ["待挽回", "生命周期阶段", "属于", "流失客户、流失预警"],
        ["待挽回", "M评分", "大于等于", 4],
        ["不满意客户", "满意度", "小于", 3],
    ]


def customers(lang):
    """Six customers with every field the defaults use; labels in ``lang``."""
    tier = ["high", "high", "low", "medium", "potential", None]
    stage = ["active", "lost", "churn_warning", "lost", "new", "prospect"]
    return pd.DataFrame({
        "customer_type": ["Enterprise", "个人", "公司", "Consumer", "Enterprise", None],
        "source": ["Web", "门店", "小程序", "Store", "Partner", ""],
        "country": ["China", "CN", "USA", None, "日本", "中国"],
        "satisfaction": [5.0, 2.0, 2.9, 3.0, NAN, 1.0],
        "monetary": [100000.0, 900.0, 800.0, 100.0, 50.0, NAN],
        "m_score": [5.0, 4.0, 3.0, 5.0, 1.0, NAN],
        "value_tier": [L.label(L.TIERS, k, lang) for k in tier],
        "tier_key": tier,
        "stage": [L.label(L.STAGES, k, lang) for k in stage],
        "stage_key": stage,
    }, index=range(2, 8))


# Expected flags per default tag, customers 1-6.
EXPECTED_DEFAULTS = {
    "enterprise": [T, F, T, F, T, F],
    "individual": [F, T, F, T, F, F],
    "online": [T, F, T, F, F, F],
    "offline": [F, T, F, T, F, F],
    "international": [F, F, T, F, T, F],
    "key_account": [T, F, F, F, F, F],
    "vip": [T, F, F, F, F, F],          # 5 % of 5 buyers -> 1
    "winback": [F, T, F, T, F, F],      # lost/churn warning AND m_score >= 4
    "dissatisfied": [F, T, T, F, F, T],  # satisfaction < 3 on a 1-5 scale
}


@pytest.mark.parametrize("rules_lang", ["en", "zh"])
@pytest.mark.parametrize("data_lang", ["en", "zh"])
def test_default_rules_evaluate_in_either_language(rules_lang, data_lang):
    i = L.LANGS.index(rules_lang)
    rules = parse_rules(default_rules(rules_lang, Config(home_country="China"), ALL_FIELDS))
    flags = evaluate(customers(data_lang), rules, as_of=AS_OF)
    assert flags.to_dict("list") == {DEFAULT_TAG_NAMES[k][i]: v for k, v in EXPECTED_DEFAULTS.items()}
    assert flags.attrs["skipped"] == []


@pytest.mark.parametrize(
    "available, tags",
    [
        (set(), []),
        ({"monetary"}, ["VIP"]),
        ({"customer_type"}, ["Enterprise", "Individual"]),
        ({"customer_type", "monetary"}, ["Enterprise", "Individual", "VIP"]),
        ({"value_tier", "monetary"}, ["VIP"]),                             # Key Account needs customer_type
        ({"source", "country"}, ["Online", "Offline", "International"]),
        ({"stage", "satisfaction"}, ["Dissatisfied"]),                     # Win-back needs m_score
        ({"stage", "m_score"}, ["Win-back"]),
    ],
)
def test_default_rules_skipped_when_columns_missing(available, tags):
    rules = default_rules("en", Config(), available)
    assert list(dict.fromkeys(rules["Tag"])) == tags
    assert list(rules.columns) == ["Tag", "Field", "Operator", "Value", "Group"]


def test_international_uses_the_home_country():
    frame = pd.DataFrame({"country": ["Japan", "日本", "China", "JP", ""]})
    rules = parse_rules(default_rules("en", Config(home_country="Japan"), {"country"}))
    assert rules[1].arg == ("Japan",)
    assert evaluate(frame, rules, as_of=AS_OF)["International"].tolist() == [F, T, T, T, F]
    us = parse_rules(default_rules("en", Config(home_country="usa"), {"country"}))
    assert evaluate(pd.DataFrame({"country": ["U.S.", "美国", "China"]}), us,
                    as_of=AS_OF)["International"].tolist() == [F, F, T]


def test_blank_home_country_is_a_token_the_engine_resolves():
    from xlseg.core.tags import resolve_home

    rules = parse_rules(default_rules("zh", Config(), {"country"}))
    assert rules[1].value == "（本国）"
    frame = pd.DataFrame({"country": ["United Kingdom", "UK", "France", None]})
    assert evaluate(frame, resolve_home(rules, "UK"), as_of=AS_OF)["海外客户"].tolist() == [F, F, T, F]


def test_default_rules_without_config_and_bad_lang():
    assert default_rules("en", None, {"monetary"})["Tag"].tolist() == ["VIP"]
    with pytest.raises(ConfigError) as e:
        default_rules("fr", Config(), set())
    assert message(e) == "Setting 'lang' is 'fr'. Use one of: en, zh."


# ----------------------------------------------------------------- tags_column / tags_long
FLAGS = pd.DataFrame({
    "VIP": [T, F, T, F],
    "Online": [T, F, F, F],
    "企业客户": [F, F, T, T],
}, index=[10, 11, 12, 13])


def test_tags_column_joins_names_in_tag_order():
    out = tags_column(FLAGS)
    assert out.tolist() == ["VIP; Online", "", "VIP; 企业客户", "企业客户"]
    assert list(out.index) == [10, 11, 12, 13]
    assert out.dtype == object
    assert tags_column(FLAGS, sep="、").tolist() == ["VIP、Online", "", "VIP、企业客户", "企业客户"]


def test_tags_column_edge_cases():
    assert tags_column(FLAGS.iloc[:, :0]).tolist() == ["", "", "", ""]
    assert tags_column(FLAGS.iloc[:0]).tolist() == []
    many = pd.DataFrame({f"t{j}": [j % 2 == 0, j == 69] for j in range(70)})   # more tags than int64 bits
    assert tags_column(many, sep=",").tolist() == [",".join(f"t{j}" for j in range(0, 70, 2)), "t69"]


def test_tags_long_one_row_per_customer_and_tag():
    out = tags_long(FLAGS, pd.Series(["C1", "C2", "C3", "C4"], index=[10, 11, 12, 13]))
    assert out.to_dict("list") == {
        "customer_id": ["C1", "C1", "C3", "C3", "C4"],
        "tag": ["VIP", "Online", "VIP", "企业客户", "企业客户"],
    }
    assert list(out.index) == [0, 1, 2, 3, 4]
    empty = tags_long(FLAGS.iloc[:, :0], pd.Series(["C1", "C2", "C3", "C4"]))
    assert list(empty.columns) == ["customer_id", "tag"] and len(empty) == 0


def test_tags_long_keeps_numeric_ids():
    out = tags_long(FLAGS, pd.Series([101, 102, 103, 104]))
    assert out["customer_id"].tolist() == [101, 101, 103, 103, 104]
    assert out["customer_id"].dtype == np.int64

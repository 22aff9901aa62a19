"""Config: defaults, parsing values as people type them, every validation message, Settings rows, the grid."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from xlseg.core import config as C
from xlseg.core.config import DEFAULT_GRID, Config, parse_grid
from xlseg.core.engine import classify
from xlseg.errors import ConfigError

SEGMENT_NAMES = ("Champions, Loyal Customers, Potential Loyalists, New Customers, Promising, Need Attention, "
                 "About To Sleep, At Risk, Can't Lose Them, Hibernating")
# Every scalar setting, in the order the "not a setting" message lists them (sorted).
KNOWN = ", ".join(sorted({f.name for f in dataclasses.fields(Config)} - {"grid", "tag_rules", "columns", "overrides"}))
FIELDS = ("customer_id, name, customer_type, source, region, country, city, industry, company_size, "
          "first_purchase, last_purchase, orders, monetary, interactions, satisfaction, date, amount, order_id, "
          "quantity, unit_price, recency_days")


def error(fn, *args, **kwargs) -> str:
    with pytest.raises(ConfigError) as excinfo:
        fn(*args, **kwargs)
    return str(excinfo.value)


# ---------------------------------------------------------------- defaults
def test_defaults():
    cfg = Config()
    assert dataclasses.asdict(cfg) == {
        "lang": "en", "as_of": None, "day_first": False,
        "segment_scheme": "rfm10", "grid": DEFAULT_GRID,
        "score_method": "rank", "r_cuts": (365, 180, 90, 30), "f_cuts": (2, 3, 5, 10),
        "m_cuts": (100, 500, 1000, 5000),
        "tier_method": "abc", "abc_a": 0.80, "abc_b": 0.95, "quantile_a": 0.20, "quantile_b": 0.50,
        "threshold_high": 1_000_000, "threshold_medium": 100_000, "potential_overlay": True,
        "potential_segments": ("new_customers", "promising", "potential_loyalists", "important_development",
                               "general_development"),
        "new_days": 90, "active_days": 180, "lost_days": 365, "churn_gap_multiple": 2.0,
        "churn_min_purchases": 3, "predict": True, "predict_days": 365, "clv_months": 12, "discount_rate": 0.01,
        "palive_warning": None, "frequency_basis": "auto", "home_country": None, "default_tags": True,
        "tag_rules": None, "customer_sheet": None, "transaction_sheet": None, "columns": {}, "overrides": None,
        "history_keep_runs": 0,
    }
    # docs/design.md grid, row R = 5 and row R = 1
    assert DEFAULT_GRID[0] == ("new_customers", "potential_loyalists", "potential_loyalists", "champions",
                               "champions")
    assert DEFAULT_GRID[4] == ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them")


def test_config_is_frozen_and_replace_validates():
    cfg = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lang = "zh"  # type: ignore[misc]
    assert cfg.replace(lang="zh").lang == "zh"
    assert error(cfg.replace, lang="fr") == "Setting 'lang' is 'fr'. Use one of: en, zh."


def test_from_dict_empty_and_none_are_defaults():
    assert Config.from_dict({}) == Config()
    assert Config.from_dict(None) == Config()


# ---------------------------------------------------------------- from_dict parsing
# key                 typed value                         parsed
PARSED = [
    ("abc_a", "80%", 0.8),
    ("abc_a", "0.8", 0.8),
    ("abc_a", 80, 0.8),
    ("abc_a", "80", 0.8),
    ("quantile_a", "25%", 0.25),
    ("abc_b", "100%", 1.0),
    ("potential_overlay", "TRUE", True),
    ("potential_overlay", "false", False),
    ("potential_overlay", "是", True),
    ("potential_overlay", "否", False),
    ("potential_overlay", " yes ", True),
    ("potential_overlay", "0", False),
    ("day_first", True, True),
    ("as_of", "2024-03-05", dt.date(2024, 3, 5)),
    ("as_of", "2024/03/05", dt.date(2024, 3, 5)),
    ("as_of", "2024年3月5日", dt.date(2024, 3, 5)),
    ("as_of", 45356, dt.date(2024, 3, 5)),                       # Excel serial
    ("as_of", dt.datetime(2024, 3, 5, 10, 30), dt.date(2024, 3, 5)),
    ("as_of", pd.Timestamp("2024-03-05"), dt.date(2024, 3, 5)),
    ("as_of", dt.date(2024, 3, 5), dt.date(2024, 3, 5)),
    ("as_of", "today", "today"),
    ("as_of", "今天", "today"),
    ("as_of", "", None),                                         # blank keeps the default
    ("r_cuts", "400, 200, 100, 50", (400.0, 200.0, 100.0, 50.0)),
    ("r_cuts", "400；200；100；50", (400.0, 200.0, 100.0, 50.0)),  # full-width semicolons
    ("f_cuts", "2，3，5，10", (2.0, 3.0, 5.0, 10.0)),               # full-width commas
    ("f_cuts", [1, 2, 3, 4], (1.0, 2.0, 3.0, 4.0)),
    ("m_cuts", "1,000; 2,000; 3,000; 4,000", (1000.0, 2000.0, 3000.0, 4000.0)),  # thousands separators
    ("m_cuts", "100\n500\n1000\n5000", (100.0, 500.0, 1000.0, 5000.0)),
    ("potential_segments", "New Customers, 有望客户", ("new_customers", "promising")),
    ("potential_segments", "新客户、潜力客户", ("new_customers", "potential_loyalists")),
    ("potential_segments", ["champions"], ("champions",)),
    ("threshold_high", "2,000,000", 2_000_000.0),
    ("threshold_medium", "1_000", 1000.0),
    ("new_days", "30", 30),
    ("new_days", 30.0, 30),
    ("churn_gap_multiple", "1.5", 1.5),
    ("lang", " ZH ", "zh"),
    ("segment_scheme", "RFM8", "rfm8"),
    ("frequency_basis", "Orders", "orders"),
    ("home_country", " 中国 ", "中国"),
    ("customer_sheet", "客户", "客户"),
]


@pytest.mark.parametrize("key, value, expected", PARSED)
def test_from_dict_parses_typed_values(key, value, expected):
    assert getattr(Config.from_dict({key: value}), key) == expected


def test_from_dict_column_overrides():
    cfg = Config.from_dict({"column.customer_id": "Cust", "Column.Amount": " Paid ", "column.date": ""})
    assert cfg.columns == {"customer_id": "Cust", "amount": "Paid"}


# ---------------------------------------------------------------- validation messages
# kwargs                                                   message
VALIDATION = [
    ({"lang": "fr"}, "Setting 'lang' is 'fr'. Use one of: en, zh."),
    ({"segment_scheme": "rfm5"}, "Setting 'segment_scheme' is 'rfm5'. Use one of: rfm10, rfm8."),
    ({"score_method": "quintile"}, "Setting 'score_method' is 'quintile'. Use one of: rank, cuts."),
    ({"tier_method": "pareto"}, "Setting 'tier_method' is 'pareto'. Use one of: abc, threshold, quantile, clv."),
    ({"frequency_basis": "lines"}, "Setting 'frequency_basis' is 'lines'. Use one of: auto, days, orders."),
    ({"f_cuts": (2, 3, 5)}, "Setting 'f_cuts' needs 4 cut points (for scores 2, 3, 4, 5); it has 3."),
    ({"r_cuts": (30, 90, 180, 365)},
     "Setting 'r_cuts' = 30, 90, 180, 365: the 4 cut points must be strictly decreasing (days)."),
    ({"m_cuts": (100, 100, 500, 1000)},
     "Setting 'm_cuts' = 100, 100, 500, 1000: the 4 cut points must be strictly increasing."),
    ({"f_cuts": (1, 2, 3.5, 3)}, "Setting 'f_cuts' = 1, 2, 3.5, 3: the 4 cut points must be strictly increasing."),
    ({"abc_a": 0.95, "abc_b": 0.80},
     "Settings 'abc_a' (95%) and 'abc_b' (80%) must satisfy 0% < abc_a < abc_b <= 100%."),
    ({"abc_a": 0.0}, "Settings 'abc_a' (0%) and 'abc_b' (95%) must satisfy 0% < abc_a < abc_b <= 100%."),
    ({"abc_b": 1.2}, "Settings 'abc_a' (80%) and 'abc_b' (120%) must satisfy 0% < abc_a < abc_b <= 100%."),
    ({"quantile_a": 0.5, "quantile_b": 0.5},
     "Settings 'quantile_a' (50%) and 'quantile_b' (50%) must satisfy 0% < quantile_a < quantile_b <= 100%."),
    ({"threshold_high": 100, "threshold_medium": 1000},
     "Setting 'threshold_high' (100.00) must be greater than 'threshold_medium' (1,000.00)."),
    ({"new_days": -1}, "Setting 'new_days' is -1; it must be 0 or more."),
    ({"active_days": -5}, "Setting 'active_days' is -5; it must be 0 or more."),
    ({"lost_days": -1, "new_days": 0, "active_days": 0}, "Setting 'lost_days' is -1; it must be 0 or more."),
    ({"churn_min_purchases": -2}, "Setting 'churn_min_purchases' is -2; it must be 0 or more."),
    ({"new_days": 400}, "Settings 'new_days' (400) and 'active_days' (180) must not exceed 'lost_days' (365)."),
    ({"active_days": 30, "lost_days": 20, "new_days": 10},
     "Settings 'new_days' (10) and 'active_days' (30) must not exceed 'lost_days' (20)."),
    ({"churn_gap_multiple": 0}, "Setting 'churn_gap_multiple' is 0; it must be above 0."),
    ({"grid": DEFAULT_GRID[:4]},
     "The R x F grid must have 5 rows (R = 5 down to 1) and 5 columns (F = 1 to 5)."),
    ({"grid": tuple(r[:4] for r in DEFAULT_GRID)},
     "The R x F grid must have 5 rows (R = 5 down to 1) and 5 columns (F = 1 to 5)."),
    ({"grid": (DEFAULT_GRID[0], ("promising", "vip", "x", "y", "z")) + DEFAULT_GRID[2:]},
     "The R x F grid cell R=4, F=2 is 'vip', which is not a segment."),
    ({"potential_segments": ("vip",)},
     "Setting 'potential_segments' names 'vip', which is not a segment. Use names such as Promising."),
    ({"columns": {"foo": "Foo"}}, f"Setting 'column.foo': 'foo' is not a field. Use one of: {FIELDS}."),
]


@pytest.mark.parametrize("kwargs, message", VALIDATION)
def test_validation_messages(kwargs, message):
    assert error(Config, **kwargs) == message


# key                  typed value  message (from_dict: no Settings row)
PARSE_ERRORS = [
    ("lang", "fr", "setting 'lang' = 'fr': use one of: en, zh"),
    ("potential_overlay", "maybe", "setting 'potential_overlay' = 'maybe': use TRUE or FALSE"),
    ("new_days", "1.5", "setting 'new_days' = '1.5': expected a whole number of days"),
    ("threshold_high", "abc", "setting 'threshold_high' = 'abc': could not convert string to float: 'abc'"),
    ("as_of", "soon", "setting 'as_of' = 'soon': not a date. Use YYYY-MM-DD, an Excel date, 'today', or leave "
                      "it blank for the latest purchase date"),
    ("potential_segments", "VIP", "setting 'potential_segments' = 'VIP': 'VIP' is not a segment name"),
    ("r_cuts", "a, b, c, d", "setting 'r_cuts' = 'a, b, c, d': could not convert string to float: 'a'"),
]


@pytest.mark.parametrize("key, value, message", PARSE_ERRORS)
def test_from_dict_parse_errors(key, value, message):
    assert error(Config.from_dict, {key: value}) == message


def test_from_dict_validation_has_no_sheet_prefix():
    assert error(Config.from_dict, {"f_cuts": "1, 2, 3"}) == \
        "Setting 'f_cuts' needs 4 cut points (for scores 2, 3, 4, 5); it has 3."


def test_known_settings_list():
    assert KNOWN.startswith("abc_a, abc_b, active_days, as_of, churn_gap_multiple, churn_min_purchases, ")
    assert "lang" in KNOWN.split(", ") and "grid" not in KNOWN.split(", ")


def test_from_dict_unknown_key():
    assert error(Config.from_dict, {"colour": "red"}) == f"'colour' is not a setting. Known settings: {KNOWN}."


def test_classify_rejects_a_config_of_the_wrong_type():
    tx = pd.DataFrame({"Customer ID": ["a"], "Date": ["2024-01-01"], "Amount": [1]})
    assert error(classify, transactions=tx, config=["lang", "zh"]) == \
        "config must be an xlseg.Config or a dict of settings, not list."
    assert classify(transactions=tx, config={"lang": "zh"}).config.lang == "zh"


# ---------------------------------------------------------------- from_settings
def test_from_settings_rows():
    rows = [("lang", "zh", 2), ("abc_a", "70%", 3), ("as_of", "2024-06-30", 4), ("new_days", "", 5),
            (None, "ignored", 6), ("  ", "ignored", 7), ("column.customer_id", "会员卡", 8)]
    cfg = Config.from_settings(rows)
    assert (cfg.lang, cfg.abc_a, cfg.as_of, cfg.new_days) == ("zh", 0.7, dt.date(2024, 6, 30), 90)
    assert cfg.columns == {"customer_id": "会员卡"}


@pytest.mark.parametrize(
    "rows, message",
    [
        ([("lang", "en", 2), ("colour", "red", 4)], f"Settings row 4: 'colour' is not a setting. Known settings: {KNOWN}."),
        ([("lang", "fr", 3)], "Settings row 3: setting 'lang' = 'fr': use one of: en, zh"),
        ([("lost_days", "a year", 9)], "Settings row 9: setting 'lost_days' = 'a year': could not convert string "
                                       "to float: 'a year'"),
        ([("default_tags", "perhaps", 12)], "Settings row 12: setting 'default_tags' = 'perhaps': use TRUE or FALSE"),
        # cross-field checks come after all rows are read: the sheet is named, the rows are not
        ([("abc_a", "90%", 5), ("abc_b", "85%", 6)],
         "Settings: Settings 'abc_a' (90%) and 'abc_b' (85%) must satisfy 0% < abc_a < abc_b <= 100%."),
    ],
)
def test_from_settings_messages_name_the_row(rows, message):
    assert error(Config.from_settings, rows) == message


def test_from_settings_other_sheet_name():
    assert error(Config.from_settings, [("lang", "fr", 3)], sheet="设置") == \
        "设置 row 3: setting 'lang' = 'fr': use one of: en, zh"


def test_settings_rows_round_trip():
    cfg = Config()
    rows = cfg.settings_rows()
    assert [r[0] for r in rows] == list(C.SETTING_HELP)
    values = {r[0]: r[1] for r in rows}
    assert values["abc_a"] == "80%"
    assert values["r_cuts"] == "365, 180, 90, 30"
    assert values["potential_segments"] == ("New Customers, Promising, Potential Loyalists, Important Development, "
                                            "General Development")
    assert values["as_of"] is None
    back = Config.from_settings([(k, v, i + 2) for i, (k, v, _help) in enumerate(rows)])
    assert back == cfg
    custom = Config(as_of=dt.date(2024, 1, 31), m_cuts=(1000, 2500.5, 10000, 1e6), lang="zh")
    rows = custom.settings_rows()
    assert Config.from_settings([(k, v, i + 2) for i, (k, v, _help) in enumerate(rows)]) == custom


# ---------------------------------------------------------------- grid
EN_GRID = [
    ["New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"],
    ["Promising", "Potential Loyalists", "Potential Loyalists", "Loyal Customers", "Loyal Customers"],
    ["About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"],
    ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
    ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
]
ZH_GRID = [
    ["新客户", "潜力客户", "潜力客户", "冠军客户", "冠军客户"],
    ["有望客户", "潜力客户", "潜力客户", "忠诚客户", "忠诚客户"],
    ["即将沉睡", "即将沉睡", "需关注客户", "忠诚客户", "忠诚客户"],
    ["沉睡客户", "沉睡客户", "流失风险", "流失风险", "不能失去"],
    ["沉睡客户", "沉睡客户", "流失风险", "流失风险", "不能失去"],
]


def test_parse_grid_en_zh_and_mixed():
    assert parse_grid(EN_GRID) == DEFAULT_GRID
    assert parse_grid(ZH_GRID) == DEFAULT_GRID
    mixed = [list(r) for r in EN_GRID]
    mixed[0][0] = " new customers "
    mixed[4][4] = "不能失去"
    mixed[2][2] = "need_attention"
    assert parse_grid(mixed) == DEFAULT_GRID


def test_parse_grid_edit_changes_the_segment():
    edited = [list(r) for r in EN_GRID]
    edited[4][0] = "Champions"  # R = 1, F = 1
    grid = parse_grid(edited)
    assert grid[4][0] == "champions"
    assert Config.from_settings([], grid=edited).grid == grid


@pytest.mark.parametrize(
    "r, f, word, first_row, message",
    [
        (1, 1, "Superstars", 12, "Settings row 13, R x F grid cell R=4, F=2: 'Superstars' is not a segment name. "
                                 f"Use one of: {SEGMENT_NAMES}."),
        (0, 4, None, None, "Settings R x F grid cell R=5, F=5: 'None' is not a segment name. "
                           f"Use one of: {SEGMENT_NAMES}."),
        (4, 0, "  ", 3, "Settings row 7, R x F grid cell R=1, F=1: '  ' is not a segment name. "
                        f"Use one of: {SEGMENT_NAMES}."),
    ],
)
def test_parse_grid_bad_cell(r, f, word, first_row, message):
    cells = [list(row) for row in EN_GRID]
    cells[r][f] = word
    assert error(parse_grid, cells, first_row=first_row) == message


def test_parse_grid_bad_shape():
    assert error(parse_grid, EN_GRID[:4]) == "Settings: the R x F grid must be 5 rows by 5 columns."
    assert error(parse_grid, [r[:4] for r in EN_GRID], sheet="设置") == "设置: the R x F grid must be 5 rows by 5 columns."
    assert error(Config.from_settings, [("lang", "en", 2)], grid=EN_GRID[:4]) == \
        "Settings: the R x F grid must be 5 rows by 5 columns."

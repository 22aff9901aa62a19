"""Cleaning values as people type them: parsed value and the exact issue record for each case."""

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest

from xlseg.core import clean as C
from xlseg.core.issues import Issue, IssueLog

SHEET = "Customers"
ROW = 7  # every one-cell case sits on sheet row 7

TS = pd.Timestamp
READ_BLANK_DATE = "left blank; use YYYY-MM-DD or an Excel date"
BLANK_AMOUNT = "left blank; use a number such as 1234.50"
BLANK_COUNT = "left blank; use a whole number, 0 or more"


def one(value, dtype=object):
    return pd.Series([value], index=[ROW], dtype=dtype, name="col")


def records(log):
    return [tuple(r.__dict__.values()) for r in log]


def check(fn, value, expected, problem, action, column, **kw):
    log = IssueLog(SHEET)
    got = fn(one(value), column=column, log=log, **kw)
    assert got.index.tolist() == [ROW]
    if expected is None:
        assert pd.isna(got.iloc[0])
    else:
        assert got.iloc[0] == expected
    want = [] if problem is None else [(SHEET, ROW, column, value, problem, action)]
    assert records(log) == want


# ------------------------------------------------------------------ dates
# typed                          read as              problem                     action
DATE_CASES = [
    ("2024-03-05",               TS("2024-03-05"),    None,                       None),
    (" 2024-03-05 10:20 ",       TS("2024-03-05"),    None,                       None),
    ("2024-03-05T10:20:30.5",    TS("2024-03-05"),    None,                       None),
    ("2024/3/5",                 TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("2024.3.5",                 TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("2024年3月5日",              TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("２０２４年３月５日",          TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("２０２４-０３-０５",          TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("20240305",                 TS("2024-03-05"),    "date written as text",     "read as 2024-03-05 (yyyymmdd)"),
    ("3/5/2024",                 TS("2024-03-05"),    "date written as text",
     "read as 2024-03-05 (month/day/year)"),
    ("3/5/24",                   TS("2024-03-05"),    "date written as text",
     "read as 2024-03-05 (month/day/year)"),
    ("31/12/2024",               TS("2024-12-31"),    "date written as text",  # the column is day first
     "read as 2024-12-31 (day/month/year)"),
    ("5 Mar 2024",               TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("March 5, 2024",            TS("2024-03-05"),    "date written as text",     "read as 2024-03-05"),
    ("45000",                    TS("2023-03-15"),    "date written as text",     "read as 2023-03-15 (Excel serial)"),
    (45000,                      TS("2023-03-15"),    "date written as a number",
     "read as 2023-03-15 (Excel serial)"),
    (45000.75,                   TS("2023-03-15"),    "date written as a number",
     "read as 2023-03-15 (Excel serial)"),
    (19970101,                   TS("1997-01-01"),    "date written as a number", "read as 1997-01-01 (yyyymmdd)"),
    (dt.datetime(2024, 3, 5, 18, 30), TS("2024-03-05"), None,                     None),
    (dt.date(2024, 3, 5),        TS("2024-03-05"),    None,                       None),
    (TS("2024-03-05 09:00"),     TS("2024-03-05"),    None,                       None),
    ("31/02/2024",               None,                "not a date",               READ_BLANK_DATE),
    ("2024-02-30",               None,                "not a date",               READ_BLANK_DATE),
    ("13/13/2024",               None,                "not a date",               READ_BLANK_DATE),
    ("soon",                     None,                "not a date",               READ_BLANK_DATE),
    (3,                          None,                "not a date",               READ_BLANK_DATE),
    (True,                       None,                "not a date",               READ_BLANK_DATE),
    ("1850-01-01",               None,                "date out of range",
     "left blank; use a date between 1900 and 2199"),
    (dt.datetime(9999, 12, 31),  None,                "date out of range",
     "left blank; use a date between 1900 and 2199"),
    (None,                       None,                None,                       None),
    ("   ",                      None,                None,                       None),
]


@pytest.mark.parametrize("value,expected,problem,action", DATE_CASES)
def test_parse_dates(value, expected, problem, action):
    check(C.parse_dates, value, expected, problem, action, "Last Purchase")


# typed            day_first  read as            problem                      action
DAY_FIRST_CASES = [
    ("3/5/2024",   False,     TS("2024-03-05"),  "date written as text",      "read as 2024-03-05 (month/day/year)"),
    ("3/5/2024",   True,      TS("2024-05-03"),  "date written as text",      "read as 2024-05-03 (day/month/year)"),
    ("31/12/2024", True,      TS("2024-12-31"),  "date written as text",      "read as 2024-12-31 (day/month/year)"),
    ("12/31/2024", True,      TS("2024-12-31"),  "date written as text",      "read as 2024-12-31 (month/day/year)"),
    ("31/02/2024", True,      None,              "not a date",                READ_BLANK_DATE),
    ("5.3.2024",   True,      TS("2024-03-05"),  "date written as text",      "read as 2024-03-05 (day/month/year)"),
]


@pytest.mark.parametrize("value,day_first,expected,problem,action", DAY_FIRST_CASES)
def test_parse_dates_day_first(value, day_first, expected, problem, action):
    check(C.parse_dates, value, expected, problem, action, "Date", day_first=day_first)


# issue 11: one order per column, decided from all its values; never mixed within a column.
@pytest.mark.parametrize("values, day_first, expected, note", [
    # a first part above 12 anywhere decides day first for every row
    (["01/02/2024", "13/02/2024", "05/06/2024"], False, ["2024-02-01", "2024-02-13", "2024-06-05"],
     "dates read day first (dd/mm/yyyy) for the whole column: '13/02/2024' can only be day first."),
    (["01.02.2024", "25.12.2023"], False, ["2024-02-01", "2023-12-25"],
     "dates read day first (dd/mm/yyyy) for the whole column: '25.12.2023' can only be day first."),
    # a second part above 12 decides month first, even against day_first = TRUE
    (["01/02/2024", "02/13/2024"], True, ["2024-01-02", "2024-02-13"],
     "dates read month first (mm/dd/yyyy) for the whole column: '02/13/2024' can only be month first."),
    # ambiguous throughout: the setting decides, and the note says how to change it
    (["01/02/2024", "03/04/2024"], True, ["2024-02-01", "2024-04-03"],
     "dates such as '01/02/2024' fit either order throughout: read day first (day_first = TRUE). Set day_first "
     "in Settings or use --day-first if that is wrong."),
])
def test_one_date_order_per_column(values, day_first, expected, note):
    log = IssueLog(SHEET)
    got = C.parse_dates(pd.Series(values, index=range(2, 2 + len(values))), column="Date", log=log,
                        day_first=day_first)
    assert [d.date().isoformat() for d in got] == expected
    assert got.attrs["date_order"] == note


def test_conflicting_orders_follow_the_setting_and_report_the_others():
    log = IssueLog(SHEET)
    got = C.parse_dates(pd.Series(["13/02/2024", "02/14/2024", "03/04/2024"]), column="Date", log=log)
    assert [d.date().isoformat() for d in got] == ["2024-02-13", "2024-02-14", "2024-03-04"]
    assert [r.problem for r in log] == ["date written day first", "date written as text", "date written as text"]
    assert got.attrs["date_order"].startswith("both orders appear ('13/02/2024' and '02/14/2024'): read month first")


def test_dates_keep_row_numbers_order_and_do_not_touch_the_input():
    s = pd.Series(["2024/3/5", None, 45000, "x"], index=[5, 9, 6, 12], name="Last Purchase")
    before = s.copy()
    log = IssueLog(SHEET)
    got = C.parse_dates(s, column="Last Purchase", log=log)
    pd.testing.assert_series_equal(s, before)
    assert got.dtype == "datetime64[ns]"
    assert got.name == "Last Purchase"
    assert got.index.tolist() == [5, 9, 6, 12]
    assert got.tolist()[:1] + got.tolist()[2:3] == [TS("2024-03-05"), TS("2023-03-15")]
    assert got.isna().tolist() == [False, True, False, True]
    assert [r.row for r in log] == [5, 6, 12]  # in sheet order of position, one per cell


def test_dates_fast_path_for_datetime_dtype():
    s = pd.Series(pd.to_datetime(["2024-03-05 10:20", None, "2023-01-01"], format="ISO8601"), index=[2, 3, 4])
    assert s.dtype == "datetime64[us]"  # pandas 3 default unit; the result is ns
    log = IssueLog(SHEET)
    got = C.parse_dates(s, column="Date", log=log)
    assert got.dtype == "datetime64[ns]"
    assert got.tolist()[0] == TS("2024-03-05") and got.tolist()[2] == TS("2023-01-01")
    assert got.isna().tolist() == [False, True, False]
    assert len(log) == 0
    assert s.iloc[0] == TS("2024-03-05 10:20")  # input untouched


def test_dates_fast_path_time_zone_keeps_wall_date():
    s = pd.Series(pd.to_datetime(["2024-03-05 23:30"]).tz_localize("Asia/Shanghai"))
    got = C.parse_dates(s, column="Date", log=IssueLog())
    assert got.tolist() == [TS("2024-03-05")]


def test_dates_from_a_numeric_column_cdnow_style():
    s = pd.Series([19970101, 19970118, 19970231], index=[2, 3, 4])
    log = IssueLog("Orders")
    got = C.parse_dates(s, column="date", log=log)
    assert got.tolist()[:2] == [TS("1997-01-01"), TS("1997-01-18")]
    assert pd.isna(got.iloc[2])
    assert records(log) == [
        ("Orders", 2, "date", 19970101, "date written as a number", "read as 1997-01-01 (yyyymmdd)"),
        ("Orders", 3, "date", 19970118, "date written as a number", "read as 1997-01-18 (yyyymmdd)"),
        ("Orders", 4, "date", 19970231, "not a date", READ_BLANK_DATE),
    ]


def test_dates_str_dtype_iso_column_is_clean():
    s = pd.Series(["2024-03-05", "2024-03-06", None], dtype="str")
    log = IssueLog()
    got = C.parse_dates(s, column="Date", log=log)
    assert got.tolist()[:2] == [TS("2024-03-05"), TS("2024-03-06")]
    assert len(log) == 0


def test_required_dates_report_blanks_and_skip_rows():
    s = pd.Series(["2024-03-05", None, "", "nope"], index=[2, 3, 4, 5])
    log = IssueLog("Orders")
    C.parse_dates(s, column="Date", log=log, required=True)
    assert records(log) == [
        ("Orders", 3, "Date", None, "blank", "row skipped"),
        ("Orders", 4, "Date", "", "blank", "row skipped"),
        ("Orders", 5, "Date", "nope", "not a date", "row skipped; use YYYY-MM-DD or an Excel date"),
    ]


def test_many_identical_problems_are_capped(monkeypatch):
    monkeypatch.setattr(C.base, "ISSUE_LIMIT", 2)
    s = pd.Series([45000, 45001, 45002, 45003, "x"], index=[10, 11, 12, 13, 14])
    log = IssueLog(SHEET)
    C.parse_dates(s, column="D", log=log)
    assert records(log) == [
        (SHEET, 10, "D", 45000, "date written as a number", "read as 2023-03-15 (Excel serial)"),
        (SHEET, 11, "D", 45001, "date written as a number", "read as 2023-03-16 (Excel serial)"),
        (SHEET, 14, "D", "x", "not a date", READ_BLANK_DATE),
        (SHEET, "", "D", "", "date written as a number", "same for 2 more rows (not listed)"),
    ]


# ------------------------------------------------------------------ amounts
# typed            read as     problem                    action
AMOUNT_CASES = [
    (1234.5,        1234.5,     None,                      None),
    (7,             7.0,        None,                      None),
    ("1234.5",      1234.5,     None,                      None),
    ("-120",        -120.0,     None,                      None),       # negatives are not an issue here
    ("¥1,234.50",   1234.5,     "amount written as text",  "read as 1234.5"),
    ("￥1,234.50",   1234.5,     "amount written as text",  "read as 1234.5"),   # full-width yen
    ("$1,234",      1234.0,     "amount written as text",  "read as 1234"),
    ("€ 99",        99.0,       "amount written as text",  "read as 99"),
    ("1234元",      1234.0,     "amount written as text",  "read as 1234"),
    ("RMB 1,200",   1200.0,     "amount written as text",  "read as 1200"),
    ("99.90 USD",   99.9,       "amount written as text",  "read as 99.9"),
    ("1 234,50",    1234.5,     "amount written as text",  "read as 1234.5"),
    ("1\u00a0234,50", 1234.5,   "amount written as text",  "read as 1234.5"),   # no-break space
    ("1.234,50",    1234.5,     "amount written as text",  "read as 1234.5"),
    ("1.234.567",   1234567.0,  "amount written as text",  "read as 1234567"),
    ("(120)",       -120.0,     "amount written as text",  "read as -120"),
    ("¥(1,200)",    -1200.0,    "amount written as text",  "read as -1200"),
    ("120-",        -120.0,     "amount written as text",  "read as -120"),
    ("−120",        -120.0,     "amount written as text",  "read as -120"),     # U+2212 minus
    ("１２３",       123.0,      "amount written as text",  "read as 123"),
    ("1,234.5 ",    1234.5,     "amount written as text",  "read as 1234.5"),
    ("1.2万",       12000.0,    "amount written as text",  "read as 12000"),
    ("abc",         None,       "not an amount",           BLANK_AMOUNT),
    ("N/A",         None,       "not an amount",           BLANK_AMOUNT),
    ("12%",         None,       "not an amount",           BLANK_AMOUNT),
    (True,          None,       "not an amount",           BLANK_AMOUNT),
    (float("inf"),  None,       "not an amount",           BLANK_AMOUNT),
    (dt.date(2024, 1, 1), None, "not an amount",           BLANK_AMOUNT),
    (None,          None,       None,                      None),
    ("",            None,       None,                      None),
]


@pytest.mark.parametrize("value,expected,problem,action", AMOUNT_CASES)
def test_parse_amounts(value, expected, problem, action):
    check(C.parse_amounts, value, expected, problem, action, "Total Spend")


def test_amounts_decimal_objects():
    check(C.parse_amounts, decimal.Decimal("3.50"), 3.5, None, None, "Total Spend")


def test_required_amounts():
    s = pd.Series(["¥10", None, "  ", "x", -5.0], index=[2, 3, 4, 5, 6])
    log = IssueLog("Orders")
    got = C.parse_amounts(s, column="Amount", log=log, required=True)
    assert got.tolist()[0] == 10.0 and got.tolist()[4] == -5.0
    assert records(log) == [
        ("Orders", 2, "Amount", "¥10", "amount written as text", "read as 10"),
        ("Orders", 3, "Amount", None, "blank", "row skipped"),
        ("Orders", 4, "Amount", "  ", "blank", "row skipped"),
        ("Orders", 5, "Amount", "x", "not an amount", "row skipped; use a number such as 1234.50"),
    ]


def test_required_amounts_fast_path_reports_blanks():
    s = pd.Series([1.0, np.nan], index=[2, 3])
    log = IssueLog("Orders")
    C.parse_amounts(s, column="Amount", log=log, required=True)
    assert records(log) == [("Orders", 3, "Amount", None, "blank", "row skipped")]


def test_amounts_fast_path_and_no_mutation():
    s = pd.Series([1.5, np.nan, -3.0], index=[4, 5, 6])
    log = IssueLog()
    got = C.parse_amounts(s, column="Spend", log=log)
    got.iloc[0] = 99.0
    assert s.tolist()[0] == 1.5
    assert got.dtype == "float64" and got.index.tolist() == [4, 5, 6]
    assert len(log) == 0


def test_amounts_int_column():
    got = C.parse_amounts(pd.Series([1, 2]), column="Spend", log=IssueLog())
    assert got.dtype == "float64" and got.tolist() == [1.0, 2.0]


def test_amounts_mixed_column_keeps_index_and_input():
    s = pd.Series(["¥1,000", 250, None, "(50)"], index=[3, 4, 5, 8], name="Spend")
    before = s.copy()
    got = C.parse_amounts(s, column="Spend", log=IssueLog())
    pd.testing.assert_series_equal(s, before)
    assert got.index.tolist() == [3, 4, 5, 8] and got.name == "Spend"
    assert got.fillna(-1).tolist() == [1000.0, 250.0, -1.0, -50.0]


# ------------------------------------------------------------------ counts
# typed          read as   problem                  action
COUNT_CASES = [
    (3,          3.0,      None,                    None),
    ("3",        3.0,      None,                    None),
    (4.0,        4.0,      None,                    None),
    ("3次",      3.0,      "count written as text", "read as 3"),
    ("3 orders", 3.0,      "count written as text", "read as 3"),
    ("１２",      12.0,     "count written as text", "read as 12"),
    ("1,200",    1200.0,   "count written as text", "read as 1200"),
    (2.5,        None,     "not a whole number",    BLANK_COUNT),
    ("2.5次",    None,     "not a whole number",    BLANK_COUNT),
    (-1,         None,     "negative count",        BLANK_COUNT),
    ("-2",       None,     "negative count",        BLANK_COUNT),
    ("many",     None,     "not a count",           BLANK_COUNT),
    (None,       None,     None,                    None),
]


@pytest.mark.parametrize("value,expected,problem,action", COUNT_CASES)
def test_parse_counts(value, expected, problem, action):
    check(C.parse_counts, value, expected, problem, action, "Orders")


def test_counts_fast_paths():
    log = IssueLog(SHEET)
    got = C.parse_counts(pd.Series([1, 0, -2], index=[2, 3, 4]), column="Orders", log=log)
    assert got.fillna(-9).tolist() == [1.0, 0.0, -9.0]
    assert records(log) == [(SHEET, 4, "Orders", -2, "negative count", BLANK_COUNT)]
    log = IssueLog(SHEET)
    got = C.parse_counts(pd.Series([1.0, np.nan, 1.5], index=[2, 3, 4]), column="Orders", log=log)
    assert got.fillna(-9).tolist() == [1.0, -9.0, -9.0]
    assert records(log) == [(SHEET, 4, "Orders", 1.5, "not a whole number", BLANK_COUNT)]


# ------------------------------------------------------------------ text and ids
def test_parse_text():
    s = pd.Series(["  Acme   Ltd ", "北京\u3000 ", "", None, 42, "a\tb"], index=[2, 3, 4, 5, 6, 7])
    got = C.parse_text(s)
    assert got.dtype == object and got.index.tolist() == [2, 3, 4, 5, 6, 7]
    assert got.tolist() == ["Acme Ltd", "北京", None, None, 42, "a b"]
    assert s.iloc[0] == "  Acme   Ltd "


@pytest.mark.parametrize("n", [60, 60000])  # repeats judged on every cell / on a sample
def test_parse_text_repeated_values_cleaned_once_and_categorical_on_request(n):
    typed = ["Online", " Online", "Web\t", None, "", "Online  "]
    s = pd.Series((typed * (n // 6)), index=range(2, n + 2))
    expected = ["Online", "Online", "Web", None, None, "Online"] * (n // 6)
    got = C.parse_text(s)
    assert got.dtype == object and got.tolist() == expected
    cat = C.parse_text(s, categorical=True)
    assert isinstance(cat.dtype, pd.CategoricalDtype) and cat.index.equals(s.index)
    assert sorted(cat.cat.categories) == ["Online", "Web"]  # ' Online' and 'Online  ' are one value
    assert [None if pd.isna(v) else v for v in cat.astype(object)] == expected
    # a number among the texts: kept as typed, so the column stays object
    mixed = C.parse_text(pd.Series(["Web", "Web", 42, "Web"]), categorical=True)
    assert mixed.dtype == object and mixed.tolist() == ["Web", "Web", 42, "Web"]


def test_parse_text_mostly_distinct_column_is_cleaned_cell_by_cell():
    s = pd.Series([f" Customer  {i} " for i in range(5000)])
    got = C.parse_text(s, categorical=True)  # names: no Categorical, nothing to share
    assert got.dtype == object and got.tolist() == [f"Customer {i}" for i in range(5000)]


def test_the_whitespace_list_is_what_str_isspace_accepts():
    # _scan looks for these characters; str.split() (what squashing does) splits on exactly these
    every = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(C._OTHER_SPACES) | {" "} == every and len(C._OTHER_SPACES) == len(every) - 1


@pytest.mark.parametrize("dtype", [object, "str", "string"])
def test_squash_flags_every_kind_of_unclean_text(dtype):
    texts = ["ok", " lead", "trail ", "in  side", "tab\there", "nl\n", "\u3000wide", "nb\xa0sp", "", "a b", "x\x00 y"]
    s = pd.Series(texts + [None], dtype=dtype)
    got = C.parse_text(s)
    assert got.tolist() == ["ok", "lead", "trail", "in side", "tab here", "nl", "wide", "nb sp", None, "a b",
                            "x\x00 y", None]


def test_parse_text_non_text_column_is_an_unchanged_copy():
    s = pd.Series([1.5, 2.0])
    got = C.parse_text(s)
    pd.testing.assert_series_equal(got, s)
    assert got is not s


# typed                  id            (all on row 7)
ID_CASES = [
    ("  C001 ",            "C001"),
    ("C 001",              "C 001"),
    ("Ｃ００１",             "C001"),       # full-width
    ("c001",               "c001"),       # case is kept
    (1001.0,               "1001"),
    (1001,                 "1001"),
    (1001.5,               "1001.5"),
    (123456789012345678,   "123456789012345678"),   # an int keeps every digit
    (None,                 None),
    ("   ",                None),
]


@pytest.mark.parametrize("value,expected", ID_CASES)
def test_normalise_ids(value, expected):
    log = IssueLog(SHEET)
    got = C.normalise_ids(one(value), column="Customer ID", log=log)
    assert got.tolist() == [expected]
    assert len(log) == 0


def test_normalise_ids_numeric_columns():
    log = IssueLog(SHEET)
    assert C.normalise_ids(pd.Series([1001.0, np.nan]), column="ID", log=log).tolist() == ["1001", None]
    assert C.normalise_ids(pd.Series([1001, 7]), column="ID", log=log).tolist() == ["1001", "7"]
    assert C.normalise_ids(pd.Series([5, None], dtype="Int64"), column="ID", log=log).tolist() == ["5", None]
    assert len(log) == 0


def test_normalise_ids_codes_count_distinct_ids_after_cleaning():
    log = IssueLog(SHEET)
    ids, codes, texts = C.normalise_ids(pd.Series(["C1", " C1", "Ｃ１", "C2", None, "  "]), column="ID", log=log,
                                        codes=True)
    assert ids.tolist() == ["C1", "C1", "C1", "C2", None, None]
    assert codes.tolist() == [0, 0, 0, 1, -1, -1] and texts.tolist() == ["C1", "C2"]
    _, _, texts = C.normalise_ids(pd.Series(["C1", "C2", "C3"], dtype="str"), column="ID", log=log, codes=True)
    assert len(texts) == 3
    # numbers among the ids (1001 and '1001' are one id): no codes, the caller looks for duplicates itself
    assert C.normalise_ids(pd.Series(["1001", 1001]), column="ID", log=log, codes=True)[1:] == (None, None)
    assert C.normalise_ids(pd.Series([1001, 1002]), column="ID", log=log, codes=True)[1:] == (None, None)


def test_rows_to_drop_judges_totals_on_the_normalised_ids():
    df = pd.DataFrame({"ID": ["C1", "ＴＯＴＡＬ", "Grand  Total", " ", None, "合计：", "C2"],
                       "Spend": [1, 9, 9, 5, None, 9, 2]}, index=range(2, 9))
    log = IssueLog()
    _, codes, texts = C.normalise_ids(df["ID"], column="ID", log=IssueLog(), codes=True)
    drop = C.rows_to_drop(df, id_column="ID", log=log, sheet="S", ids=(codes, texts))
    assert drop.tolist() == [False, True, True, True, True, True, False]
    assert [(r.row, r.value, r.problem) for r in log] == [
        (3, "ＴＯＴＡＬ", "totals row"), (4, "Grand  Total", "totals row"), (5, " ", "no customer id"),
        (7, "合计：", "totals row")]


def test_long_float_id_is_reported():
    log = IssueLog(SHEET)
    got = C.normalise_ids(one(1.2345678901234567e17), column="Customer ID", log=log)
    assert got.tolist() == ["123456789012346000"]
    assert records(log) == [(SHEET, ROW, "Customer ID", 1.2345678901234567e17, "id too long for an Excel number",
                             "kept as 123456789012346000; format the id column as text so no digits are lost")]


# ------------------------------------------------------------------ blank and totals rows
def test_drop_blank_and_total_rows():
    df = pd.DataFrame(
        {
            "Customer ID": ["C1", None, "Total", "  ", None, "C2", "C3", "合计", 1004.0],
            "Name": ["Acme", None, None, "Orphan", None, "Grand Total:", "Beta", None, "Gamma"],
            "Spend": [1.0, np.nan, 99.0, 3.0, np.nan, 5.0, 2.0, 101.0, 4.0],
        },
        index=[2, 3, 4, 5, 6, 7, 8, 9, 10],
    )
    before = df.copy()
    log = IssueLog("ignored")
    got = C.drop_blank_and_total_rows(df, id_column="Customer ID", name_column="Name", log=log, sheet="Customers")
    pd.testing.assert_frame_equal(df, before)
    assert got.index.tolist() == [2, 8, 10]
    assert got["Name"].tolist() == ["Acme", "Beta", "Gamma"]
    assert records(log) == [
        ("Customers", 4, "Customer ID", "Total", "totals row", "skipped"),
        ("Customers", 5, "Customer ID", "  ", "no customer id", "skipped"),
        ("Customers", 7, "Name", "Grand Total:", "totals row", "skipped"),
        ("Customers", 9, "Customer ID", "合计", "totals row", "skipped"),
    ]


# id cell                 totals row?
TOTAL_WORDS = [
    ("Total", True), ("TOTAL", True), (" total ", True), ("Grand Total", True), ("Subtotal", True),
    ("Sub-total", True), ("SUM", True), ("总计", True), ("小计", True), ("合计：", True),
    ("Totalcare Ltd", False), ("Sumitomo", False), ("C-SUM-1", False),
]


@pytest.mark.parametrize("cell,is_total", TOTAL_WORDS)
def test_total_words(cell, is_total):
    df = pd.DataFrame({"ID": [cell], "Spend": [1.0]}, index=[5])
    log = IssueLog()
    got = C.drop_blank_and_total_rows(df, id_column="ID", log=log, sheet="S")
    assert len(got) == (0 if is_total else 1)
    assert records(log) == ([("S", 5, "ID", cell, "totals row", "skipped")] if is_total else [])


def test_fully_blank_rows_are_dropped_silently_and_other_columns_count():
    df = pd.DataFrame({"ID": [None, None, "C1"], "Note": ["  ", "x", None], "N": [np.nan, np.nan, 1]},
                      index=[2, 3, 4])
    log = IssueLog()
    got = C.drop_blank_and_total_rows(df, id_column="ID", log=log, sheet="S")
    assert got.index.tolist() == [4]
    assert records(log) == [("S", 3, "ID", None, "no customer id", "skipped")]


def test_nothing_to_drop_returns_a_copy():
    df = pd.DataFrame({"ID": [1, 2], "Spend": [1.0, 2.0]})
    got = C.drop_blank_and_total_rows(df, id_column="ID", log=IssueLog(), sheet="S")
    pd.testing.assert_frame_equal(got, df)
    assert got is not df


def test_empty_inputs():
    log = IssueLog()
    assert C.parse_dates(pd.Series([], dtype=object), column="D", log=log).dtype == "datetime64[ns]"
    assert C.parse_amounts(pd.Series([], dtype=object), column="A", log=log).dtype == "float64"
    assert C.normalise_ids(pd.Series([], dtype=object), column="I", log=log).tolist() == []
    assert C.parse_text(pd.Series([], dtype=object)).tolist() == []
    empty = pd.DataFrame({"ID": pd.Series([], dtype=object)})
    assert len(C.drop_blank_and_total_rows(empty, id_column="ID", log=log, sheet="S")) == 0
    assert len(log) == 0


def test_core_cleaning_modules_stay_pure():
    import xlseg.core.clean as clean_mod
    import xlseg.core.columns as columns_mod

    for mod in (clean_mod, columns_mod):
        text = open(mod.__file__, encoding="utf-8").read()
        assert "openpyxl" not in text and "xlwings" not in text and "print(" not in text


def test_issue_type_is_the_shared_one():
    log = IssueLog(SHEET)
    C.parse_amounts(one("x"), column="A", log=log)
    assert isinstance(log.records[0], Issue)


# issue 11: one decimal separator per column, decided from all its values
@pytest.mark.parametrize("values, expected", [
    (["1,234", "12,50", "1.234", "€ 7,5"], [1.234, 12.5, 1234.0, 7.5]),   # '12,50' decides: decimal comma
    (["1,234", "12.50", "1.234"], [1234.0, 12.5, 1.234]),                 # '12.50' decides: decimal point
    (["1,234", "1.234"], [1234.0, 1.234]),                                # nothing decides: each on its own
    (["1.234,5", "2.000"], [1234.5, 2000.0]),                             # '1.234,5': dots are thousands
])
def test_one_decimal_separator_per_column(values, expected):
    got = C.parse_amounts(pd.Series(values), column="Amount", log=IssueLog(SHEET))
    assert got.tolist() == expected

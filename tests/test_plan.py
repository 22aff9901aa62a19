"""The write plan on its own: no workbook is opened or written here."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.core.engine import classify
from xlseg.core.summaries import TIER_ORDER, segment_keys
from xlseg.plan import palette
from openpyxl.utils import get_column_letter

from xlseg.plan.build import OUTPUT_KEYS, TITLES, BookState, build_plan, owned_titles
from xlseg.plan.write_plan import COLUMNS_MARKER, Formula, Table, sheet_marker
from xlseg.read.table import read_table

HEADER = ["Customer ID", "Name", "First Purchase", "Last Purchase", "Orders", "Total Spend"]
CORE = ["summary", "customers", "tags", "issues", "settings"]  # issue 4's owned sheets (issue 7 adds more)
LAST = get_column_letter(len(HEADER) + len(OUTPUT_KEYS))  # our block's last column
ROWS = [
    ["C001", "Alice", dt.datetime(2024, 1, 5), dt.datetime(2026, 6, 20), 12, 5400.0],
    ["C002", "Bob", dt.datetime(2025, 3, 1), dt.datetime(2026, 1, 10), 3, 800.0],
    ["C003", "=HYPERLINK(\"http://x\",\"click\")", dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 1), 1, 120.0],
    ["C004", "Dan", dt.datetime(2023, 2, 1), dt.datetime(2024, 8, 1), 5, 2000.0],
    ["C005", "Eve", None, None, 0, 0.0],
    ["C006", "Fay", dt.datetime(2024, 6, 1), dt.datetime(2026, 2, 1), 7, 9100.0],
]


def _sheet_rows(title_rows: int = 0):
    return [tuple([None] * len(HEADER))] * title_rows + [tuple(HEADER)] + [tuple(r) for r in ROWS]


def _result(lang: str = "en", title_rows: int = 0):
    frame, layout = read_table(_sheet_rows(title_rows), "Data")
    result = classify(frame, None, Config(lang=lang), customer_sheet="Data")
    return result, layout


@pytest.fixture(scope="module")
def small():
    return _result()


def test_plan_has_the_owned_sheets_in_order_and_the_columns_block(small):
    result, layout = small
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    keys = [s.key for s in plan.sheets]
    assert [k for k in keys if k in CORE] == CORE and len(set(keys)) == len(keys)
    assert [s.title for s in plan.sheets] == [TITLES[k][0] for k in keys]
    assert plan.sheets[0].key == "summary"
    assert all(s.replaces is None for s in plan.sheets)
    assert plan.sheet("settings").keep_existing and not plan.sheet("summary").keep_existing
    cp = plan.columns
    assert (cp.sheet, cp.header_row, cp.first_col) == ("Data", 1, len(HEADER) + 1)
    assert cp.block.values[0] == [L.header(k, "en") for k in OUTPUT_KEYS]
    assert cp.block.values[0][:8] == ["R Score", "F Score", "M Score", "RFM", "Segment", "Value Tier", "Stage",
                                      "Tags"]
    assert len(cp.block.values) == 1 + len(ROWS)
    assert cp.marker_ref == f"$G$1:${LAST}$7"
    assert plan.sheet("summary").blocks[0].values[2] == ["Generated", "fixed"]


def test_columns_block_follows_the_header_row(small):
    result, layout = _result(title_rows=2)
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    assert plan.columns.header_row == 3 and plan.columns.block.row == 3
    assert plan.columns.marker_ref == f"$G$3:${LAST}$9"
    # the label rules start under the header and end at the last customer row
    assert {r.ref for r in plan.columns.cond_rules} == {"K4:K9", "L4:L9", "M4:M9"}


def test_a_cond_rule_per_label_with_palette_colours(small):
    result, layout = small
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    col = {k: len(HEADER) + 1 + i for i, k in enumerate(OUTPUT_KEYS)}
    letters = {k: chr(ord("A") + c - 1) for k, c in col.items()}
    for where, rules, first, last, letter_of in (
        ("columns", plan.columns.cond_rules, 2, 1 + len(ROWS), letters),
        ("Customers", plan.sheet("customers").cond_rules, 2, 1 + len(ROWS), {"segment": "M", "value_tier": "N",
                                                                            "stage": "O"}),
    ):
        for kind, keys in (("segment", segment_keys(result.config)), ("value_tier", TIER_ORDER),
                           ("stage", list(L.STAGES))):
            rng = f"{letter_of[kind]}{first}:{letter_of[kind]}{last}"
            got = {r.text: (r.fill, r.color) for r in rules if r.ref == rng}
            want = {L.label(L.KINDS[kind], k, "en"): palette.COLOURS[kind][k] for k in keys}
            assert got == want, (where, kind)
            assert len([r for r in rules if r.ref == rng]) == len(keys), (where, kind)  # one rule per label
    assert len(segment_keys(result.config)) == 10


def test_zh_plan_uses_chinese_labels_titles_and_headers():
    result, layout = _result(lang="zh")
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    titles = {s.key: s.title for s in plan.sheets}
    assert [titles[k] for k in CORE] == ["汇总", "客户明细", "标签明细", "数据问题", "设置"]
    assert plan.columns.block.values[0] == [L.header(k, "zh") for k in OUTPUT_KEYS]
    texts = {r.text for r in plan.columns.cond_rules}
    assert "冠军客户" in texts and "流失客户" in texts and "高价值" in texts


@pytest.mark.parametrize("kind", ["segment", "value_tier", "stage"])
def test_every_palette_pair_has_contrast_at_least_4_5(kind):
    for key, (fill, text) in palette.COLOURS[kind].items():
        assert palette.contrast(fill, text) >= 4.5, (kind, key, fill, text)
    # every label that exists has a colour
    assert set(L.KINDS[kind]) <= set(palette.COLOURS[kind])


def test_header_colours_have_contrast():
    assert palette.contrast(palette.HEADER_FILL, palette.HEADER_TEXT) >= 4.5
    assert palette.contrast("FFFFFF", palette.TITLE_TEXT) >= 4.5
    assert palette.contrast("000000", "FFFFFF") == pytest.approx(21.0)


def test_owned_titles_avoid_user_sheet_names():
    state = BookState(titles=["Summary", "Customers", "Customers (xlseg)", "Data"])
    titles = owned_titles(state, "en")
    assert titles["summary"] == ("Summary (xlseg)", None)
    assert titles["customers"] == ("Customers (xlseg 2)", None)
    assert titles["tags"] == ("Tags", None)
    chosen = [t for t, _ in titles.values()]
    assert len(set(chosen)) == len(chosen)
    assert not set(chosen) & set(state.titles)


def test_markers_are_reused_on_a_rerun(small):
    result, layout = small
    markers = {sheet_marker("summary"): ("My Summary", "$A$1"), sheet_marker("customers"): ("Customers", "$A$1"),
               sheet_marker("settings"): ("Settings", "$A$1"),
               sheet_marker("tags"): ("Gone", "$A$1"),  # marked sheet was deleted: a fresh title
               COLUMNS_MARKER: ("Data", f"$G$1:${LAST}$9")}
    state = BookState(titles=["Data", "My Summary", "Customers", "Settings"], markers=markers)
    plan = build_plan(result, layout, state, generated="fixed")
    assert (plan.sheet("summary").title, plan.sheet("summary").replaces) == ("My Summary", "My Summary")
    assert (plan.sheet("customers").title, plan.sheet("customers").replaces) == ("Customers", "Customers")
    assert (plan.sheet("tags").title, plan.sheet("tags").replaces) == ("Tags", None)
    assert plan.sheet("settings").replaces == "Settings" and plan.sheet("settings").keep_existing
    # the columns go where they were; the old block was longer, so its rest is cleared
    assert plan.columns.first_col == 7 and plan.columns.clear_to_row == 9


def test_columns_marker_on_another_sheet_is_ignored(small):
    result, layout = small
    state = BookState(titles=["Data", "Other"], markers={COLUMNS_MARKER: ("Other", "$B$1:$I$4")})
    plan = build_plan(result, layout, state, generated="fixed")
    assert plan.columns.first_col == len(HEADER) + 1 and plan.columns.clear_to_row is None


def test_tables_have_unique_names_and_a_data_row(small):
    result, layout = small
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    tables = [t for s in plan.sheets for t in s.tables]
    names = [t.name for t in tables]
    assert len(names) == len(set(names)) == len(tables)
    assert set(names) >= {"xlsegCustomers", "xlsegTags", "xlsegIssues", "xlsegSettings", "xlsegTagRules"}
    from openpyxl.utils.cell import range_boundaries

    for t in tables:
        assert isinstance(t, Table)
        c1, r1, c2, r2 = range_boundaries(t.ref)
        assert r2 >= r1 + 1, t  # header + at least one row


def test_empty_tags_and_issues_still_give_a_data_row():
    frame, layout = read_table([("Customer ID", "Name"), ("A1", "x"), ("A2", "y")], "Data")
    result = classify(frame, None, Config(default_tags=False), customer_sheet="Data")
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    for key in ("tags", "issues"):
        sp = plan.sheet(key)
        (table,) = sp.tables
        assert table.ref.endswith("2"), (key, table.ref)
        assert len(sp.blocks[0].values) == 2


def test_plan_values_are_plain_data(small):
    result, layout = small
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    allowed = (str, int, float, bool, dt.datetime, type(None))
    blocks = [plan.columns.block] + [b for s in plan.sheets for b in s.blocks]
    for b in blocks:
        for row in b.values:
            for v in row:
                assert isinstance(v, allowed) and not isinstance(v, Formula), (b.row, b.col, v)
    cust = plan.sheet("customers").blocks[0].values
    assert any(r[1] == '=HYPERLINK("http://x","click")' for r in cust)  # data stays data, as a string


def test_blank_rows_are_left_out_of_the_frame_and_cost_no_cells():
    """A stray customer far below a short table: the frame holds the rows with values (indexed by sheet row),
    xlseg's block covers every row but holds only the customers' columns, and its formats cover only the runs of
    rows holding customers (issue 12: a stray cell at A1048576 must not cost a million rows)."""
    last = 200_000
    rows = [tuple(HEADER)] + [tuple(r) for r in ROWS] + [()] * (last - len(ROWS) - 2) + \
        [("C999", "Stray", None, None, None, None)]
    assert len(rows) == last
    frame, layout = read_table(rows, "Data")
    assert frame.index.tolist() == [2, 3, 4, 5, 6, 7, last]
    assert frame.loc[last, "Customer ID"] == "C999" and frame.loc[7, "Name"] == "Fay"
    assert layout.last_row == last
    kept, _ = read_table(rows, "Data", blank_rows=True)  # as the UDFs want them: every row
    assert kept.index.equals(pd.RangeIndex(2, last + 1, name="row"))
    assert kept.loc[8:last - 1].isna().all().all() and kept.loc[last, "Customer ID"] == "C999"
    result = classify(frame, None, Config(), customer_sheet="Data")
    plan = build_plan(result, layout, BookState(titles=["Data"]), generated="fixed")
    body = plan.columns.block.values
    assert len(body) == last and body[1][OUTPUT_KEYS.index("segment")] is not None
    assert body[-1][OUTPUT_KEYS.index("stage")] == "Prospect"
    assert body[len(ROWS) + 1] == body[-2] == [None] * len(OUTPUT_KEYS)
    assert len(body.frame) == len(ROWS) + 1  # held as the customers' columns, not as 200,000 row lists
    first_col = len(HEADER) + 1
    r_col = get_column_letter(first_col + OUTPUT_KEYS.index("r_score"))
    centred = sorted(st.ref for st in plan.columns.styles if st.align == "center" and not st.bold)
    assert centred == sorted([f"{r_col}2:{get_column_letter(first_col + OUTPUT_KEYS.index('rfm'))}7",
                              f"{r_col}{last}:{get_column_letter(first_col + OUTPUT_KEYS.index('rfm'))}{last}"])


def test_whitespace_only_rows_count_as_blank():
    rows = [("Customer ID", "Name"), ("A1", "x"), ("  ", None), (None, "\t"), ("A2", "y")]
    frame, _layout = read_table(rows, "Data")
    assert frame.index.tolist() == [2, 5]


@pytest.mark.parametrize("dtype", [None, object])
def test_tag_rows_find_their_customers_as_reindex_did(dtype):
    """list_sheets._rows_of (Arrow's index_in for Arrow text, no Python strings) gives the rows pandas'
    reindex by id gave; a missing id gives -1 (NA name)."""
    from xlseg.plan.list_sheets import _rows_of

    ids = pd.Series(["C1", "客户 2", "", "c1", "C3"], dtype=dtype)
    wanted = pd.Series(["C3", "C1", "C1", "客户 2", "", "c1", "nobody"], dtype=dtype)
    expected = pd.Index(ids).get_indexer(wanted)
    assert _rows_of(ids, wanted).tolist() == expected.tolist() == [4, 0, 0, 1, 2, 3, -1]


def test_tags_sheet_names_every_tag_row(small):
    from xlseg.plan.list_sheets import tags_sheet

    result, _layout = small
    names = result.customers.set_index("customer_id")["name"]
    rows = tags_sheet(result, "Tags", None).blocks[0].values
    assert len(result.tags) > 0 and len(rows) == len(result.tags) + 1
    assert [r[1] for r in rows[1:]] == names.reindex(result.tags["customer_id"]).tolist()
    assert [r[0] for r in rows[1:]] == result.tags["customer_id"].tolist()

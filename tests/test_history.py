"""Issue 7: History (append-only), Migration, the AppendRows plan step, `xlseg history`.

The Done-when test classifies the demo workbook, changes it (as_of 90 days on,
new purchases, removed customers, manual overrides), classifies it twice more,
and checks History, Migration (against an independent pandas crosstab),
overrides and LibreOffice's view of the result.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from xlseg.cli import main as cli
from xlseg.core import history as H
from xlseg.core.engine import classify
from xlseg.demo import make_demo
from xlseg.plan.build import OUTPUT_KEYS, BookState, build_plan
from xlseg.plan.history_sheets import PreviousHistory
from xlseg.plan.write_plan import AppendRows
from xlseg.filemode.run import classify_file

EN = [v[0] for v in H.HEADERS.values()]
T0 = dt.datetime(2026, 1, 5, 9, 0, 0)


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _history(path) -> pd.DataFrame:
    wb = openpyxl.load_workbook(path)
    ws = wb[wb.defined_names["xlseg_sheet_history"].attr_text.split("!")[0].strip("'")]
    rows = _rows(ws)
    assert rows[0] == EN
    return pd.DataFrame(rows[1:], columns=EN)


def _matrix(ws, title_start: str) -> pd.DataFrame:
    """The matrix under the first cell in column A starting with ``title_start`` (Total row/column dropped)."""
    rows = _rows(ws)
    i = next(k for k, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith(title_start))
    head = rows[i + 1]
    n = next(k for k, v in enumerate(head) if v == "Total")
    body = []
    for r in rows[i + 2:]:
        if r[0] == "Total":
            break
        body.append(r[:n])
    frame = pd.DataFrame([b[1:] for b in body], index=[b[0] for b in body], columns=head[1:n])
    return frame


def _crosstab(hist: pd.DataFrame, column: str, values: bool):
    """Independent: outer join of the two runs' rows, absent -> (not in run), blank -> (none)."""
    runs = sorted(hist["Run"].unique())
    a = hist[hist["Run"] == runs[-2]].set_index("Customer ID")
    b = hist[hist["Run"] == runs[-1]].set_index("Customer ID")
    ids = a.index.union(b.index)
    f = a[column].reindex(ids).fillna("(none)").where(ids.isin(a.index), "(not in run)")
    t = b[column].reindex(ids).fillna("(none)").where(ids.isin(b.index), "(not in run)")
    if not values:
        return pd.crosstab(f, t)
    money = b["Monetary"].reindex(ids).where(ids.isin(b.index), a["Monetary"].reindex(ids)).fillna(0.0)
    return pd.crosstab(f, t, values=money, aggfunc="sum").fillna(0.0)


def _change(path, *, removed, buyers, days=90):
    """as_of 90 days after the latest purchase; new purchases for ``buyers``; ``removed`` customers deleted."""
    wb = openpyxl.load_workbook(path)
    orders = wb["Orders"]
    rows = _rows(orders)
    latest = max(r[2] for r in rows[1:] if isinstance(r[2], dt.datetime))
    kept = [r for r in rows[1:] if r[0] not in removed]
    for n, cid in enumerate(buyers):
        kept.append([cid, f"NEW{n:04d}", latest + dt.timedelta(days=30 + n % 50), 100.0 + 7 * n])
    orders.delete_rows(2, orders.max_row)
    for r in kept:
        orders.append(r)
    cl = wb["Customer List"]
    for r in range(cl.max_row, 1, -1):
        if cl.cell(r, 1).value in removed:
            cl.delete_rows(r)
    st = wb["Settings"]
    for row in st.iter_rows(min_row=1, max_col=2):
        if row[0].value == "as_of":
            row[1].value = (latest + dt.timedelta(days=days)).date()
    wb.save(path)


OVERRIDES = [  # (customer, field, value, reason)
    ("C00010", "Segment", "Champions", "Key account, renewal signed"),
    ("C00011", "Value Tier", "High value", "Parent company buys through a reseller"),
    ("C00012", "Stage", "Active", "Paused for a planned factory move"),
    ("C00013", "Segment", "At Risk", None),  # no reason
    ("X99999", "Stage", "Lost", "Typo in the id"),  # unknown id
    ("C00014", "Value Tier", "Gold", "Not a tier"),  # unknown value
]


def _add_overrides(path):
    wb = openpyxl.load_workbook(path)
    st = wb["Settings"]
    head = next(r for r in range(1, 30) if st.cell(r, 8).value == "Customer ID")
    for i, rec in enumerate(OVERRIDES):
        for j, v in enumerate(rec):
            st.cell(head + 1 + i, 8 + j, v)
    wb.save(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("hist")
    book = d / "demo.xlsx"
    r1 = make_demo(book, n_customers=300)
    first = d / "run1.xlsx"
    first.write_bytes(book.read_bytes())
    removed = {f"C{n:05d}" for n in range(200, 215)}
    buyers = [f"C{n:05d}" for n in range(1, 120, 3)]
    _change(book, removed=removed, buyers=buyers)
    _add_overrides(book)
    r2 = classify_file(book, book, run_time=T0)
    second = d / "run2.xlsx"
    second.write_bytes(book.read_bytes())
    r3 = classify_file(book, book, run_time=T0 + dt.timedelta(hours=1))
    return {"dir": d, "first": first, "second": second, "third": book, "r1": r1, "r2": r2, "r3": r3,
            "removed": removed, "buyers": buyers}


def test_history_keeps_every_snapshot_unchanged(runs):
    h1, h2, h3 = (_history(runs[k]) for k in ("first", "second", "third"))
    assert sorted(h1["Run"].unique()) == [1] and sorted(h3["Run"].unique()) == [1, 2, 3]
    assert h2.iloc[:len(h1)].equals(h1)  # earlier rows never rewritten
    assert h3.iloc[:len(h2)].equals(h2)
    for k, run in (("r1", 1), ("r2", 2), ("r3", 3)):
        c = runs[k].result.customers
        snap = h3[h3["Run"] == run]
        assert list(snap["Customer ID"]) == list(c["customer_id"])
        assert list(snap["Segment"].fillna("")) == list(c["segment"].fillna(""))
        assert list(snap["Value Tier"].fillna("")) == list(c["value_tier"].fillna(""))
        assert list(snap["Stage"].fillna("")) == list(c["stage"].fillna(""))
        assert snap["Monetary"].astype(float).fillna(-1).round(6).tolist() == \
            c["monetary"].astype(float).fillna(-1).round(6).tolist()
    assert set(h3[h3["Run"] == 2]["Customer ID"]).isdisjoint(runs["removed"])
    assert (h3[h3["Run"] == 2]["Run Time"] == T0).all()
    ws = openpyxl.load_workbook(runs["third"])["Run History"]
    assert ws.tables["xlsegHistory"].ref == f"A1:K{len(h3) + 1}"
    assert ws.cell(2, 2).number_format == "yyyy-mm-dd hh:mm:ss" and ws.cell(len(h3) + 1, 11).number_format == "#,##0.00"


def test_migration_counts_equal_an_independent_crosstab(runs):
    hist = _history(runs["second"])
    ws = openpyxl.load_workbook(runs["second"])["Migration"]
    assert ws["A2"].value.startswith("From run 1 (as of ") and " to run 2 (as of " in ws["A2"].value
    for column in ("Segment", "Value Tier", "Stage"):
        for measure in ("customers", "revenue"):
            shown = _matrix(ws, f"{column}: {measure} (rows: run 1, columns: run 2)")
            want = _crosstab(hist, column, measure == "revenue")
            full = want.reindex(index=shown.index, columns=shown.columns, fill_value=0)
            assert full.to_numpy().sum() == pytest.approx(want.to_numpy().sum())  # nothing left out
            if measure == "customers":
                assert (shown.astype(int).to_numpy() == full.to_numpy()).all(), column
                assert int(shown.to_numpy().sum()) == len(set(hist["Customer ID"]))
            else:
                assert shown.astype(float).to_numpy() == pytest.approx(full.to_numpy(), abs=1e-6), column
    seg = _matrix(ws, "Segment: customers")
    assert seg.loc["(none)"].sum() >= 0 and "(not in run)" in seg.columns  # removed customers
    assert int(seg["(not in run)"].sum()) == len(runs["removed"])


def test_migration_notable_moves_table(runs):
    wb = openpyxl.load_workbook(runs["second"])
    ws = wb["Migration"]
    t = ws.tables["xlsegNotableMoves"]
    rows = [[c.value for c in r] for r in ws[t.ref]]
    assert rows[0] == ["Customer ID", "Name", "Change", "From", "To", "Monetary", "Note"]
    hist = _history(runs["second"])
    a = hist[hist["Run"] == 1].set_index("Customer ID")
    b = hist[hist["Run"] == 2].set_index("Customer ID")
    col = {"Segment": "Segment", "Value Tier": "Value Tier", "Stage": "Stage"}
    assert len(rows) > 1
    for cid, _name, change, src, dst, _money, note in rows[1:]:
        assert a.at[cid, col[change]] == src and b.at[cid, col[change]] == dst, (cid, change)
        if note == "High value customer slipping":
            assert "High value" in (a.at[cid, "Value Tier"], b.at[cid, "Value Tier"])
    assert len(ws._charts) == 1


def test_first_run_says_nothing_to_compare(runs):
    ws = openpyxl.load_workbook(runs["first"])["Migration"]
    assert ws["A2"].value.startswith("Nothing to compare yet")


def test_overrides_survive_three_runs_with_reasons_and_bad_ones_are_issues(runs):
    for key, path in (("r2", runs["second"]), ("r3", runs["third"])):
        c = runs[key].result.customers.set_index("customer_id")
        assert c.at["C00010", "segment"] == "Champions" and c.at["C00010", "segment_key"] == "champions"
        assert c.at["C00011", "value_tier"] == "High value"
        assert c.at["C00012", "stage"] == "Active"
        assert c.at["C00010", "override"].startswith("Segment: Champions (was ")
        assert c.at["C00010", "override"].endswith(" — Key account, renewal signed")
        assert c.at["C00013", "override"] == "" and c.at["C00014", "override"] == ""
        wb = openpyxl.load_workbook(path)
        cust = _rows(wb["Customers"])
        head = cust[0]
        row = next(r for r in cust if r[0] == "C00010")
        assert row[head.index("Segment")] == "Champions"
        assert "Key account, renewal signed" in row[head.index("Override")]
        summary = _rows(wb["Summary"])
        i = next(k for k, r in enumerate(summary) if r[0] == "Manual overrides")
        listed = {(r[0], r[2], r[3], r[5]) for r in summary[i + 2:i + 5]}
        assert listed == {("C00010", "Segment", "Champions", "Key account, renewal signed"),
                          ("C00011", "Value Tier", "High value", "Parent company buys through a reseller"),
                          ("C00012", "Stage", "Active", "Paused for a planned factory move")}
        issues = runs[key].result.issues
        ov = issues[issues["sheet"] == "Settings"]
        problems = " | ".join(ov["problem"])
        assert "has no reason" in problems and "unknown customer id 'X99999'" in problems
        assert "'Gold' is not a Value Tier" in problems
        assert len(ov) == 3
        user = _rows(wb["Customer List"])
        uh = user[0]
        urow = next(r for r in user if r[0] == "C00010")
        assert urow[uh.index("Segment")] == "Champions" and urow[uh.index("Override")].startswith("Segment:")
        assert uh[-len(OUTPUT_KEYS):] == ["R Score", "F Score", "M Score", "RFM", "Segment", "Value Tier", "Stage",
                                          "Tags", "Override", "Why"]


def test_libreoffice_shows_the_same_values(runs, libreoffice, tmp_path):
    path = runs["third"]
    sheets = libreoffice.convert_to_csv(path, tmp_path)
    wb = openpyxl.load_workbook(path)
    for title in ("Run History", "Migration", "Customers", "Summary", "Customer List"):
        lo_rows = libreoffice.read_csv_sheet(sheets[title])
        ours = _rows(wb[title])
        assert len(lo_rows) == len(ours), title
        for r, (lo_row, our_row) in enumerate(zip(lo_rows, ours), start=1):
            for c, value in enumerate(our_row):
                text = lo_row[c] if c < len(lo_row) else ""
                assert libreoffice.cell_equal(text, value), (title, r, c + 1, text, value)


# ------------------------------------------------------------------ core, hand-made frames
def _snap(run, rows):
    return pd.DataFrame([{"run": run, "run_time": pd.Timestamp(T0), "as_of": pd.Timestamp("2025-01-01"),
                          "customer_id": cid, "segment": seg, "value_tier": tier, "stage": st, "r_score": 1,
                          "f_score": 1, "m_score": 1, "monetary": m} for cid, seg, tier, st, m in rows])


def test_core_migration_matrices_and_notable_moves():
    a = _snap(1, [("a", "Champions", "High value", "Active", 100.0), ("b", "Promising", "Low value", "New", 5.0),
                  ("c", None, None, "Prospect", 0.0)])
    b = _snap(2, [("a", "At Risk", "High value", "Churn Warning", 120.0),
                  ("b", "Loyal Customers", "Low value", "Active", 50.0), ("d", "New Customers", "Potential", "New", 9.0)])
    mig = H.migration(pd.concat([a, b], ignore_index=True))
    seg = mig["customers"]["segment"]
    assert seg.loc["champions", "at_risk"] == 1 and seg.loc["promising", "loyal_customers"] == 1
    assert seg.loc["_blank", "_absent"] == 1 and seg.loc["_absent", "new_customers"] == 1
    assert int(seg.to_numpy().sum()) == 4
    rev = mig["revenue"]["segment"]
    assert rev.loc["champions", "at_risk"] == 120.0 and rev.loc["_blank", "_absent"] == 0.0
    assert mig["counts"] == {"in_both": 2, "new": 1, "gone": 1, "moved_segment": 2, "moved_value_tier": 0,
                             "moved_stage": 2}
    nm = mig["notable"]
    got = {(r.customer_id, r.kind, r.from_key, r.to_key, H.note_text(r.note, "en")) for r in nm.itertuples()}
    assert got == {("a", "stage", "active", "churn_warning", "High value customer slipping"),
                   ("a", "segment", "champions", "at_risk", "Best customers slipping"),
                   ("b", "segment", "promising", "loyal_customers", "New customer became loyal")}
    assert H.migration(a) is None



@pytest.mark.parametrize("as_of", [pd.Timestamp("2024-03-31"), dt.date(2024, 3, 31), None])
def test_snapshot_repeats_run_time_and_as_of_on_every_row(as_of):
    """run_time (to the second) and as_of are the same datetime64[ns] value on every row; NaT without an as_of."""
    result = classify(customers=pd.DataFrame({"customer_id": ["a", "b", "c"], "recency_days": [1, 40, 400],
                                              "frequency": [5, 2, 1], "monetary": [500.0, 80.0, 10.0]}))
    result.as_of = as_of
    snap = H.snapshot(result, 3, dt.datetime(2024, 4, 1, 9, 30, 15, 999))
    assert str(snap["run_time"].dtype) == "datetime64[ns]" and str(snap["as_of"].dtype) == "datetime64[ns]"
    assert list(snap["run_time"]) == [pd.Timestamp("2024-04-01 09:30:15")] * 3
    want = [pd.Timestamp(as_of)] * 3 if as_of is not None else [pd.NaT] * 3
    assert snap["as_of"].tolist() == want
    assert list(snap["run"]) == [3, 3, 3] and list(snap["customer_id"]) == ["a", "b", "c"]


def test_snapshot_shares_the_results_text_columns():
    """The text columns are the result's own (Arrow) strings, not a Python string per customer (issue 12: a full
    sheet's four columns cost +490 MB for a moment); values and dtypes as the result has them."""
    result = classify(customers=pd.DataFrame({"customer_id": ["a", "b", "c"], "recency_days": [1, 40, 400],
                                              "frequency": [5, 2, 1], "monetary": [500.0, 80.0, 10.0]}))
    snap = H.snapshot(result, 1, dt.datetime(2024, 4, 1))
    for col in ("customer_id", "segment", "value_tier", "stage"):
        assert snap[col].dtype == result.customers[col].dtype and snap[col].dtype != object
        assert snap[col].tolist() == result.customers[col].tolist()


def test_core_history_reads_chinese_headers_and_keeps_last_runs():
    zh = [[v[1] for v in H.HEADERS.values()], [1, T0, T0, 1001.0, "冠军客户", "高价值", "活跃客户", 5, 5, 5, 10.0],
          [2, T0, T0, "1001", "Champions", "High value", "Active", 5, 5, 5, 11.0], [None] * 11]
    f = H.from_rows(zh)
    assert list(f["customer_id"]) == ["1001", "1001"] and H.run_numbers(f) == [1, 2]
    assert H.migration(f)["counts"]["moved_segment"] == 0  # same keys in either language
    assert H.run_numbers(H.keep_last_runs(f, 1)) == [2] and len(H.keep_last_runs(f, 0)) == 2


# ------------------------------------------------------------------ plan and adapter
def _small_book(path, n=6, extra_col=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Orders", "Total Spend", "Last Purchase"])
    for i in range(1, n + 1):
        ws.append([f"C{i}", i, 10.0 * i, dt.datetime(2025, 1, i)])
    wb.save(path)


def test_plan_appends_history_rows_instead_of_replacing(tmp_path):
    p = tmp_path / "b.xlsx"
    _small_book(p)
    run1 = classify_file(p, p, run_time=T0)
    assert run1.plan.appends == [] and run1.plan.sheet("history").keep_existing is False
    wb = openpyxl.load_workbook(p)
    wb["Run History"]["D2"].number_format = "@"  # a mark on an earlier row: must survive
    wb.save(p)
    run2 = classify_file(p, p, run_time=T0 + dt.timedelta(days=1))
    ap = run2.plan.appends[0]
    assert isinstance(ap, AppendRows) and (ap.sheet_key, ap.title, ap.start_row) == ("history", "Run History", 8)
    assert ap.table == "xlsegHistory" and ap.table_ref == "A1:K13" and len(ap.values) == 6
    assert run2.plan.sheet("history").keep_existing and run2.plan.sheet("history").blocks == []
    ws = openpyxl.load_workbook(p)["Run History"]
    assert ws["D2"].number_format == "@" and ws.max_row == 13 and ws.tables["xlsegHistory"].ref == "A1:K13"
    assert [ws.cell(r, 1).value for r in range(2, 14)] == [1] * 6 + [2] * 6


def test_history_keep_runs_caps_the_sheet(tmp_path):
    p = tmp_path / "b.xlsx"
    _small_book(p)
    classify_file(p, p, run_time=T0)
    wb = openpyxl.load_workbook(p)
    st = wb["Settings"]
    row = next(r for r in range(1, 60) if st.cell(r, 1).value == "history_keep_runs")
    st.cell(row, 2, 2)
    wb.save(p)
    for k in range(1, 4):
        run = classify_file(p, p, run_time=T0 + dt.timedelta(days=k))
    f = H.from_rows(_rows(openpyxl.load_workbook(p)["Run History"]))
    assert H.run_numbers(f) == [3, 4]
    assert any("kept the last 2 runs" in n for n in run.result.notes)


def test_wider_block_moves_right_of_a_user_column(tmp_path):
    """A workbook classified when the block was 8 wide, with a user column right of it."""
    p = tmp_path / "b.xlsx"
    _small_book(p)
    classify_file(p, p, run_time=T0)
    wb = openpyxl.load_workbook(p)
    ws = wb["Data"]
    for c in range(13, 15):  # shrink our block to the old 8 columns (E:L) and put a user column at M
        for r in range(1, 8):
            ws.cell(r, c).value = None
    wb.defined_names["xlseg_columns"].attr_text = "'Data'!$E$1:$L$7"
    ws["M1"], ws["M2"] = "My notes", "call back"
    wb.save(p)
    run = classify_file(p, p, run_time=T0)
    assert run.plan.columns.first_col == 14
    ws = openpyxl.load_workbook(p)["Data"]
    assert ws["M1"].value == "My notes" and ws["M2"].value == "call back"
    assert [ws.cell(1, c).value for c in range(14, 24)][-2:] == ["Override", "Why"]
    assert all(ws.cell(1, c).value is None for c in range(5, 13))


def test_build_plan_without_history_leaves_an_existing_history_alone():
    cust = pd.DataFrame({"Customer ID": ["a", "b"], "Orders": [1, 2], "Total Spend": [1.0, 2.0],
                         "Last Purchase": ["2025-01-01", "2025-01-02"]})
    result = classify(cust)
    state = BookState(titles=["Run History"], markers={"xlseg_sheet_history": ("History", "$A$1")})
    plan = build_plan(result, None, state, generated="x")
    assert "history" not in [s.key for s in plan.sheets] and plan.appends == []
    plan = build_plan(result, None, BookState(titles=[]), generated="x",
                      history=PreviousHistory(None, H.from_rows([]), 0, False), run_time=T0)
    assert [s.key for s in plan.sheets][-1] == "history" and plan.sheets[1].key == "migration"


def test_cli_history_show_and_export(runs, tmp_path):
    r = CliRunner().invoke(cli, ["history", str(runs["second"])])
    assert r.exit_code == 0, r.output
    assert "Migration from run 1 (as of" in r.output and "Notable moves" in r.output
    assert "Customers in both runs" in r.output
    out = tmp_path / "h.csv"
    r = CliRunner().invoke(cli, ["history", "export", str(runs["third"]), "-o", str(out)])
    assert r.exit_code == 0, r.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame.columns) == EN and sorted(frame["Run"].unique()) == [1, 2, 3]
    r = CliRunner().invoke(cli, ["history", str(runs["first"])])
    assert r.exit_code == 0 and "nothing to compare yet" in r.output


def test_a_big_history_is_flagged_on_the_summary_and_in_the_cli(tmp_path, monkeypatch):
    # The real threshold is 500,000 rows; a small one shows the same path without a huge workbook.
    monkeypatch.setattr(H, "WARN_ROWS", 50)
    book = tmp_path / "big.xlsx"
    make_demo(book, n_customers=60, messy=False)
    result = CliRunner().invoke(cli, ["classify", str(book), "--in-place"])
    assert result.exit_code == 0, result.output
    expected = "History holds 120 rows (over 500,000): export it with `xlseg history export BOOK -o history.csv`"
    assert expected in result.output
    summary = [c for row in openpyxl.load_workbook(book)["Summary"].iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and c.startswith(expected) for c in summary)

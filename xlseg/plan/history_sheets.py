"""The History (append-only) and Migration sheets (issue 7), as plan data.

History: one Excel Table, one row per customer and run (:data:`xlseg.core.history.COLUMNS`).
A run *appends* its snapshot below the existing rows (:class:`~xlseg.plan.write_plan.AppendRows`);
earlier rows are never rewritten. The sheet is rewritten wholesale only when it must shrink:
the ``history_keep_runs`` setting caps it, or the next snapshot would not fit in an Excel sheet
(then the oldest runs go, and the Summary notes say so), or its header is not xlseg's any more.

Migration: compares the last two runs of the History (this run included) - see
:func:`xlseg.core.history.migration`.

Previous History rows are read through the same ``get_rows(title)`` callback the rest of
:func:`xlseg.filemode.run.analyse` uses, so both adapters get history for free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from xlseg.core import history as H
from xlseg.core import labels as L
from xlseg.plan import palette
from xlseg.plan.write_plan import AppendRows, Block, Chart, SheetPlan, Style, Table, ref, sheet_marker
from xlseg.plan.rows import Rows

TABLE = "xlsegHistory"
NOTABLE_TABLE = "xlsegNotableMoves"
EXCEL_MAX_ROWS = 1_048_576
FORMATS = {"run": "0", "run_time": "yyyy-mm-dd hh:mm:ss", "as_of": "yyyy-mm-dd", "r_score": "0", "f_score": "0",
           "m_score": "0", "monetary": "#,##0.00"}
WIDTHS = {"run": 7, "run_time": 20, "as_of": 13, "customer_id": 14, "segment": 22, "value_tier": 14,
          "stage": 15, "r_score": 5, "f_score": 5, "m_score": 5, "monetary": 14}
TEXT = {
    "title": ("Migration between runs", "两次运行之间的客户迁移"),
    "compare": ("From run {a} (as of {da}, run {ta}) to run {b} (as of {db}, run {tb}).",
                "从第 {a} 次运行（截止 {da}，运行于 {ta}）到第 {b} 次运行（截止 {db}，运行于 {tb}）。"),
    "first": ("Nothing to compare yet: this is the first run recorded in the History sheet. Run xlseg again "
              "after the data changes to see who moved.",
              "暂无可比较的数据：这是历史记录中的第一次运行。数据更新后再次运行 xlseg 即可查看客户迁移。"),
    "counts": ("Key figures", "关键指标"),
    "net": ("Customers per segment", "各分群客户数"),
    "earlier": ("Run {a}", "第 {a} 次"), "later": ("Run {b}", "第 {b} 次"), "change": ("Change", "变化"),
    "chart": ("Change in customers by segment", "各分群客户数变化"),
    "matrix": ("{what}: {measure} (rows: run {a}, columns: run {b})", "{what}：{measure}（行：第 {a} 次，列：第 {b} 次）"),
    "customers": ("customers", "客户数"), "revenue": ("revenue", "消费金额"),
    "total": ("Total", "合计"),
    "notable": ("Notable moves", "重点迁移"),
    "notable_head": (("Customer ID", "Name", "Change", "From", "To", "Monetary", "Note"),
                     ("客户编号", "客户名称", "变化项", "原值", "新值", "消费金额", "说明")),
    "none": ("(none)", "（无）"),
    "capped": ("History: kept the last {n} runs (setting history_keep_runs); {k} older runs were removed.",
               "历史记录：按设置 history_keep_runs 保留最近 {n} 次运行，已删除 {k} 次较早的运行。"),
    "full": ("History: the sheet would exceed Excel's row limit; the {k} oldest runs were removed. Export the "
             "history with `xlseg history export` before it fills up.",
             "历史记录：工作表将超过 Excel 行数上限，已删除最早的 {k} 次运行。请及时用 `xlseg history export` 导出。"),
    "big": ("History holds {n:,} rows (over 500,000): export it with `xlseg history export BOOK -o history.csv` "
            "and set history_keep_runs to keep the workbook small.",
            "历史记录已有 {n:,} 行（超过 50 万行）：请用 `xlseg history export 工作簿 -o history.csv` 导出，"
            "并设置 history_keep_runs 以控制工作簿大小。"),
}


def _t(key, lang):
    return TEXT[key][L.LANGS.index(lang)]


@dataclass
class PreviousHistory:
    """What the History sheet holds before this run."""

    title: str | None  # current title of the marked History sheet, or None
    frame: pd.DataFrame  # xlseg.core.history.from_rows
    last_row: int  # last non-blank sheet row (0: no sheet or empty)
    in_order: bool  # the header is xlseg's, in xlseg's column order (appending is safe)


def read_previous(get_rows, state) -> PreviousHistory:
    """The History rows already in the workbook, read with ``get_rows(title)``."""
    marked = state.markers.get(sheet_marker("history"))
    if not marked or marked[0] not in state.titles:
        return PreviousHistory(None, H.from_rows([]), 0, False)
    title = marked[0]
    rows = list(get_rows(title))
    last = len(rows)
    while last and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[last - 1]):
        last -= 1
    rows = rows[:last]
    in_order = False
    if rows:
        words = {L.norm(w): k for k, pair in H.HEADERS.items() for w in pair}
        head = [words.get(L.norm(v)) if v is not None else None for v in rows[0]]
        while head and head[-1] is None:
            head.pop()
        in_order = head == H.COLUMNS
    return PreviousHistory(title, H.from_rows(rows), last, in_order)


def _styles(first: int, last: int) -> list:
    return [Style(ref(first, H.COLUMNS.index(k) + 1, last, H.COLUMNS.index(k) + 1), number_format=f)
            for k, f in FORMATS.items()]


def history_plan(result, previous: PreviousHistory, title: str, replaces, run_time: dt.datetime):
    """(History SheetPlan, AppendRows or None, the whole History after this run, notes)."""
    lang = result.config.lang
    runs = H.run_numbers(previous.frame)
    run = (runs[-1] + 1) if runs else 1
    snap = H.snapshot(result, run, run_time)
    whole = pd.concat([previous.frame, snap], ignore_index=True) if len(previous.frame) else snap
    notes = []
    rewrite = previous.title is None or not previous.in_order or previous.last_row < 1
    keep = result.config.history_keep_runs
    if keep and len(H.run_numbers(whole)) > keep:
        before = len(H.run_numbers(whole))
        whole = H.keep_last_runs(whole, keep)
        notes.append(_t("capped", lang).format(n=keep, k=before - keep))
        rewrite = True
    if 1 + len(whole) > EXCEL_MAX_ROWS:
        dropped = 0
        while 1 + len(whole) > EXCEL_MAX_ROWS and len(H.run_numbers(whole)) > 1:
            whole = whole[whole["run"] != H.run_numbers(whole)[0]]
            dropped += 1
        notes.append(_t("full", lang).format(k=dropped))
        rewrite = True
    if len(whole) > H.WARN_ROWS:
        notes.append(_t("big", lang).format(n=len(whole)))
    whole = whole.reset_index(drop=True)
    sp = SheetPlan("history", title, replaces=replaces, freeze="A2", tab_color="455A64")
    sp.widths = {chr(ord("A") + i): WIDTHS[k] for i, k in enumerate(H.COLUMNS)}
    width = len(H.COLUMNS)
    if rewrite:
        n = max(len(whole), 1)
        sp.blocks.append(Block(1, 1, Rows(whole[H.COLUMNS], head=[H.header_row(lang)]) if len(whole)
                               else [H.header_row(lang), [None] * width]))
        sp.tables.append(Table(TABLE, ref(1, 1, n + 1, width), style="TableStyleLight15"))
        sp.styles += _styles(2, n + 1)
        return sp, None, whole, notes
    sp.keep_existing = True
    start = previous.last_row + 1
    last = start + len(snap) - 1
    ap = AppendRows("history", previous.title, start, Rows(snap[H.COLUMNS]), table=TABLE,
                    table_ref=ref(1, 1, last, width),
                    styles=_styles(start, last))
    return sp, ap, whole, notes


# ------------------------------------------------------------------ Migration
def migration_sheet(result, whole: pd.DataFrame, title: str, replaces) -> SheetPlan:
    from xlseg.core.summaries import segment_keys

    lang = result.config.lang
    sp = SheetPlan("migration", title, replaces=replaces, tab_color="EF6C00", landscape=True, fit_width=True)
    sp.blocks.append(Block(1, 1, [[_t("title", lang)]]))
    sp.styles.append(Style("A1", bold=True, size=16, color=palette.TITLE_TEXT))
    sp.widths = {"A": 30, **{chr(ord("A") + i): 14 for i in range(1, 16)}}
    mig = H.migration(whole, segment_keys(result.config))
    if mig is None:
        sp.blocks.append(Block(2, 1, [[_t("first", lang)]]))
        return sp
    a, b = mig["runs"]

    def day(x):
        return "-" if pd.isna(x) else pd.Timestamp(x).date().isoformat()

    def stamp(x):
        return "-" if pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d %H:%M:%S")

    sp.blocks.append(Block(2, 1, [[_t("compare", lang).format(a=a, b=b, da=day(mig["as_of"][0]), db=day(mig["as_of"][1]),
                                                             ta=stamp(mig["run_time"][0]),
                                                             tb=stamp(mig["run_time"][1]))]]))
    row = 4

    def title_at(r, text):
        sp.blocks.append(Block(r, 1, [[text]]))
        sp.styles.append(Style(ref(r, 1), bold=True, size=12, color=palette.TITLE_TEXT))

    title_at(row, _t("counts", lang))
    counts = H.count_rows(mig, lang)
    sp.blocks.append(Block(row + 1, 1, [[k, v] for k, v in counts]))
    sp.styles.append(Style(ref(row + 1, 2, row + len(counts), 2), number_format="#,##0"))
    row += len(counts) + 2

    # Customers per segment, earlier vs later run, and the change (the chart's data).
    cm = mig["customers"]["segment"]
    seg_rows = [k for k in cm.index if k not in (H.ABSENT,)]
    seg_cols = set(cm.columns)
    title_at(row, _t("net", lang))
    head = [L.header("segment", lang), _t("earlier", lang).format(a=a), _t("later", lang).format(b=b),
            _t("change", lang)]
    keys_ = [k for k in dict.fromkeys(list(seg_rows) + [c for c in cm.columns if c != H.ABSENT])]
    before = cm.sum(axis=1)
    after = cm.sum(axis=0)
    body = []
    for k in keys_:
        n0 = int(before.get(k, 0)) if k in cm.index else 0
        n1 = int(after.get(k, 0)) if k in seg_cols else 0
        body.append([H.label_of("segment", k, lang), n0, n1, n1 - n0])
    top = row + 1
    sp.blocks.append(Block(top, 1, [head] + body))
    sp.styles.append(Style(ref(top, 1, top, 4), bold=True, fill=palette.HEADER_FILL, color=palette.HEADER_TEXT,
                           wrap=True))
    sp.styles.append(Style(ref(top + 1, 2, top + len(body), 4), number_format="#,##0"))
    sp.charts.append(Chart("bar", _t("chart", lang), ref(top + 1, 1, top + len(body), 1),
                           ref(top + 1, 4, top + len(body), 4), "F4", 15.5, 9.5))
    row = max(top + len(body) + 2, 25)

    for kind in H.KINDS:
        for measure in ("customers", "revenue"):
            m = mig[measure][kind]
            title_at(row, _t("matrix", lang).format(what=L.header(kind, lang), measure=_t(measure, lang), a=a, b=b))
            corner = f"{_t('earlier', lang).format(a=a)} \\ {_t('later', lang).format(b=b)}"
            head = [corner] + [H.label_of(kind, k, lang) for k in m.columns] + [_t("total", lang)]
            body = []
            for k, vals in zip(m.index, m.to_numpy()):
                nums = [int(v) if measure == "customers" else float(v) for v in vals]
                body.append([H.label_of(kind, k, lang)] + nums + [sum(nums)])
            tot = [sum(col) for col in zip(*[r[1:] for r in body])] if body else []
            body.append([_t("total", lang)] + tot)
            top = row + 1
            sp.blocks.append(Block(top, 1, [head] + body))
            sp.styles.append(Style(ref(top, 1, top, len(head)), bold=True, fill=palette.HEADER_FILL,
                                   color=palette.HEADER_TEXT, wrap=True))
            sp.styles.append(Style(ref(top + 1, 1, top + len(body), 1), bold=True))
            fmt = "#,##0" if measure == "customers" else "#,##0.00"
            sp.styles.append(Style(ref(top + 1, 2, top + len(body), len(head)), number_format=fmt))
            row = top + len(body) + 2

    title_at(row, _t("notable", lang))
    nm = mig["notable"]
    names = result.customers.drop_duplicates("customer_id").set_index("customer_id")["name"]
    body = []
    for cid, kind, fk, tk, money, _d, note in nm.itertuples(index=False):
        name = names.get(cid)
        body.append([cid, None if name is None or (isinstance(name, float) and name != name) else name,
                     L.header(kind, lang), H.label_of(kind, fk, lang), H.label_of(kind, tk, lang),
                     None if money != money else float(money), H.note_text(note, lang)])
    if not body:
        body = [[_t("none", lang), None, None, None, None, None, None]]
    top = row + 1
    head = list(_t("notable_head", lang))
    sp.blocks.append(Block(top, 1, [head] + body))
    sp.tables.append(Table(NOTABLE_TABLE, ref(top, 1, top + len(body), len(head))))
    sp.styles.append(Style(ref(top + 1, 6, top + len(body), 6), number_format="#,##0.00"))
    return sp


def plans(result, previous: PreviousHistory, titles: dict, run_time: dt.datetime | None = None):
    """(History SheetPlan, Migration SheetPlan, AppendRows or None). Notes are added to ``result.notes``."""
    run_time = run_time or dt.datetime.now().replace(microsecond=0)
    hist, append, whole, notes = history_plan(result, previous, *titles["history"], run_time)
    result.notes.extend(notes)
    mig = migration_sheet(result, whole, *titles["migration"])
    return hist, mig, append

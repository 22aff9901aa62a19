"""Build the write plan from a classification result (no I/O).

:func:`build_plan` decides every cell xlseg writes: its columns right of the
customer table, and the owned sheets Summary, Customers, Tags, Issues and
Settings. Owned sheets and columns are found by marker (workbook-level
defined names, see :mod:`xlseg.workbook.plan`), never by position or by title
alone: a user sheet that happens to be called "Summary" is never touched.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.utils import get_column_letter

from xlseg.core import labels as L
from xlseg.core.engine import Result
from xlseg.core.summaries import SEGMENT_COLUMNS, TIER_ORDER, segment_keys
from xlseg.version import __version__
from xlseg.workbook import palette
from xlseg.workbook.plan import (
    COLUMNS_MARKER,
    OUTPUT_KEYS,
    Block,
    BookState,
    Chart,
    ColumnsPlan,
    CondRule,
    SheetPlan,
    Style,
    Table,
    WritePlan,
    ref,
    sheet_marker,
    values,
)
from xlseg.workbook.read import TableLayout
from xlseg.workbook.settings import settings_sheet

OWNED = ("summary", "customers", "tags", "issues", "settings", "history", "migration", "data")
TITLES = {
    "summary": ("Summary", "汇总"),
    "customers": ("Customers", "客户明细"),
    "tags": ("Tags", "标签明细"),
    "issues": ("Issues", "数据问题"),
    "settings": ("Settings", "设置"),
    "history": ("Run History", "历史记录"),  # issue 7 ("History" is a name Excel reserves)
    "migration": ("Migration", "客户迁移"),  # issue 7
    "data": ("xlseg data", "xlseg 数据"),  # issue 13: the cleaned values the formulas read (hidden)
}
CUSTOMER_KEYS = ("customer_id", "name", "recency", "frequency", "monetary", "avg_order_value", "first_purchase",
                 "last_purchase", "r_score", "f_score", "m_score", "rfm", "segment", "value_tier", "stage", "tags",
                 "override", "why")
# issue 15: after the others on the Customers sheet, only when the engine fitted the model.
PREDICTION_KEYS = ("p_alive", "expected_purchases", "expected_spend", "clv")
FORMATS = {
    "recency": "0", "frequency": "0", "monetary": "#,##0.00", "avg_order_value": "#,##0.00",
    "first_purchase": "yyyy-mm-dd", "last_purchase": "yyyy-mm-dd", "r_score": "0", "f_score": "0", "m_score": "0",
    "p_alive": "0.0%", "expected_purchases": "0.00", "expected_spend": "#,##0.00", "clv": "#,##0.00",
}
WIDTHS = {"customer_id": 13, "name": 26, "recency": 10, "frequency": 11, "monetary": 13, "avg_order_value": 13,
          "first_purchase": 13, "last_purchase": 13, "r_score": 9, "f_score": 9, "m_score": 9, "rfm": 7,
          "segment": 22, "value_tier": 14, "stage": 15, "tags": 36, "override": 30, "why": 60,
          "p_alive": 10, "expected_purchases": 12, "expected_spend": 14, "clv": 13}
TEXT = {
    "title": ("Customer segments", "客户分群汇总"),
    "as_of": ("As of", "统计截止日期"),
    "generated": ("Generated", "生成时间"),
    "kpis": ("Key figures", "关键指标"),
    "segments": ("Segments", "客户分群"),
    "tiers": ("Value tiers", "价值等级"),
    "tier_stage": ("Value tier × stage (customers)", "价值等级 × 生命周期阶段（客户数）"),
    "tags": ("Tags", "标签"),
    "cuts": ("Score cut points used", "评分分界点"),
    "notes": ("Notes", "说明"),
    "chart_segments": ("Customers by segment", "各分群客户数"),
    "chart_tiers": ("Revenue by value tier", "各价值等级消费金额"),
    "tag": ("Tag", "标签"), "customers": ("Customers", "客户数"), "share": ("Share", "占比"),
    "revenue": ("Revenue", "消费金额"), "revenue_share": ("Share of revenue", "金额占比"),
    "metric": ("Metric", "指标"), "score": ("Score", "评分"), "min": ("Lowest value", "最小值"),
    "max": ("Highest value", "最大值"), "rule": ("Rule", "规则"),
    "issues_note": ("{n} kinds of data-quality findings: see the {sheet} sheet.",
                    "发现 {n} 类数据问题，详见“{sheet}”工作表。"),
    "no_issues": ("No data-quality problems found.", "未发现数据问题。"),
    "overrides": ("Manual overrides", "人工调整"), "field": ("Field", "字段"), "value": ("Value", "值"),
    "was": ("Computed", "系统计算值"), "reason": ("Reason", "原因"),
    "none": ("(none)", "（无）"),
    "issue_head": (("Sheet", "Column", "Problem", "Rows", "First rows", "Values", "Action"),
                   ("工作表", "列", "问题", "行数", "前几行", "值", "处理")),
    # issue 11: what the run understood, and what may make it wrong
    "understood": ("What xlseg understood", "xlseg 的理解"),
    "warnings": ("Warnings", "警告"),
    "skipped_table": ("Not computed: {why}", "未计算：{why}"),
    # issue 15: predicted value
    "model": ("Predicted value: fitted models", "价值预测：模型参数"),
    "model_head": (("Model", "Parameter", "Value", "Unit", "Customers in fit"),
                   ("模型", "参数", "估计值", "单位", "参与拟合客户数")),
    "days": ("days", "天"),
    "model_note": ("P(alive): chance the customer still buys (BG/NBD). Expected Purchases: next {days} days. "
                   "CLV: expected purchases over the next {months} months x Expected Spend per Purchase "
                   "(Gamma-Gamma), discounted {rate} a month.",
                   "存活概率：客户仍会购买的概率（BG/NBD）。预测购买次数：未来 {days} 天。客户终身价值：未来 "
                   "{months} 个月的预测购买次数 x 预测客单价（Gamma-Gamma），每月折现 {rate}。"),
    "calibration": ("Model check: customers by repeat purchases", "模型检验：按复购次数的客户数"),
    "calibration_head": (("Repeat purchases", "Actual customers", "Expected by the model"),
                         ("复购次数", "实际客户数", "模型预期客户数")),
}




def _t(key: str, lang: str):
    return TEXT[key][L.LANGS.index(lang)]


def owned_titles(state: BookState, lang: str) -> dict:
    """key -> (title, replaces): the marked sheet if there is one, else a free title."""
    out = {}
    taken = set(state.titles)
    i = L.LANGS.index(lang)
    for key in OWNED:
        marked = state.markers.get(sheet_marker(key))
        if marked and marked[0] in state.titles:
            out[key] = (marked[0], marked[0])
            continue
        title = TITLES[key][i]
        n = 1
        while title in taken:
            n += 1
            title = f"{TITLES[key][i]} (xlseg{'' if n == 2 else f' {n - 1}'})"
        taken.add(title)
        out[key] = (title, None)
    return out




def _cond_rules(col_ref: str, kind: str, lang: str, keys) -> list:
    colours = palette.COLOURS[kind]
    table = L.KINDS[kind]
    return [CondRule(col_ref, L.label(table, k, lang), *colours[k]) for k in keys]


def label_rules(result: Result, first_row: int, last_row: int, cols: dict) -> list:
    """Conditional-format rules for the Segment, Value Tier and Stage columns (col numbers in ``cols``)."""
    lang = result.config.lang
    rules = []
    last_row = max(last_row, first_row)
    for kind, keys in (("segment", segment_keys(result.config)), ("value_tier", TIER_ORDER),
                       ("stage", L.STAGES.keys())):
        c = cols[kind]
        rules += _cond_rules(ref(first_row, c, last_row, c), kind, lang, keys)
    return rules


def _header_style(r: int, c1: int, c2: int, align: str | None = None) -> Style:
    """A header row; ``align`` follows the column's values (numbers right, scores centred)."""
    return Style(ref(r, c1, r, c2), bold=True, fill=palette.HEADER_FILL, color=palette.HEADER_TEXT, wrap=True,
                 align=align)


# ------------------------------------------------------------------ the user's sheet
def columns_plan(result: Result, layout: TableLayout, state: BookState) -> ColumnsPlan:
    lang = result.config.lang
    marked = state.markers.get(COLUMNS_MARKER)
    # issue 12: right of everything the user has in the table's rows (headerless notes, a =SUM), not just the header
    first_col = max(layout.last_col, layout.used_last_col) + 1
    old_last = None
    if marked and marked[0] == layout.sheet:
        from openpyxl.utils.cell import range_boundaries

        c1, r1, c2, r2 = range_boundaries(marked[1].replace("$", ""))
        if r1 == layout.header_row:
            first_col = c1
            old_last = r2
            # issue 7: the block grew (8 -> 10 columns). When the user has columns right of the old
            # block, the wider block moves right of them instead of overwriting them (the old one is cleared).
            if c2 - c1 + 1 < len(OUTPUT_KEYS) and max(layout.last_col, layout.used_last_col) > c2:
                first_col = max(layout.last_col, layout.used_last_col) + 1
    header = [L.header(k, lang) for k in OUTPUT_KEYS]
    cust = result.customers
    by_id = cust.set_index("customer_id")[list(OUTPUT_KEYS)]
    rows = pd.RangeIndex(layout.header_row + 1, layout.last_row + 1)
    ids = result.row_ids.reindex(rows)
    body = by_id.reindex(ids.to_numpy())
    body.index = rows
    block = Block(layout.header_row, first_col, [header] + values(body))
    n = len(OUTPUT_KEYS)
    plan = ColumnsPlan(layout.sheet, layout.header_row, first_col, block)
    col = {k: first_col + i for i, k in enumerate(OUTPUT_KEYS)}
    plan.styles.append(_header_style(layout.header_row, first_col, first_col + n - 1))
    plan.styles.append(_header_style(layout.header_row, col["r_score"], col["rfm"], "center"))
    if layout.last_row > layout.header_row:
        plan.styles.append(Style(ref(layout.header_row + 1, col["r_score"], layout.last_row, col["rfm"]),
                                 align="center"))
        # The Why text wraps inside its column: printed, it no longer runs on across page after page
        # of empty columns (the demo's customer sheet printed on 484 pages, now 308).
        plan.styles.append(Style(ref(layout.header_row + 1, col["why"], layout.last_row, col["why"]), wrap=True))
    plan.cond_rules = label_rules(result, layout.header_row + 1, layout.last_row, col)
    plan.widths = {get_column_letter(col[k]): WIDTHS[k] for k in OUTPUT_KEYS}
    if old_last is not None and old_last > layout.last_row:
        plan.clear_to_row = old_last
    return plan


# ------------------------------------------------------------------ owned sheets
def customers_sheet(result: Result, title: str, replaces) -> SheetPlan:
    lang = result.config.lang
    sp = SheetPlan("customers", title, replaces=replaces, freeze="C2", tab_color="1565C0", landscape=True,
                   fit_width=True)
    predicted = [k for k in PREDICTION_KEYS if k in result.customers]  # issue 15
    keys = list(CUSTOMER_KEYS) + predicted + [k for k in result.attributes if k in result.customers.columns]
    frame = result.customers[keys]
    head = [L.header(k, lang) for k in (*CUSTOMER_KEYS, *predicted)] + _attribute_headers(result, lang)
    body = values(frame) or [[None] * len(head)]
    sp.blocks.append(Block(1, 1, [head] + body))
    last = len(body) + 1
    sp.tables.append(Table("xlsegCustomers", ref(1, 1, last, len(head)), style="TableStyleLight9"))
    col = {k: i + 1 for i, k in enumerate(keys)}
    for k, fmt in FORMATS.items():
        if k in col:
            sp.styles.append(Style(ref(2, col[k], last, col[k]), number_format=fmt))
    sp.styles.append(Style(ref(2, col["r_score"], last, col["rfm"]), align="center"))
    sp.styles.append(Style(ref(2, col["why"], last, col["why"]), wrap=True))
    sp.styles.append(Style(ref(1, col["r_score"], 1, col["rfm"]), align="center"))
    for k in ("recency", "frequency", "monetary", "avg_order_value", *PREDICTION_KEYS):
        if k in col:
            sp.styles.append(Style(ref(1, col[k]), align="right"))
    sp.cond_rules = label_rules(result, 2, last, col)
    own = list(CUSTOMER_KEYS) + predicted
    sp.widths = {get_column_letter(col[k]): WIDTHS[k] for k in own}
    sp.widths.update({get_column_letter(len(own) + 1 + i): 16 for i in range(len(keys) - len(own))})
    return sp


def _attribute_headers(result: Result, lang: str) -> list:
    """Headers of the attribute columns taken from order lines: the field's name, or the user's header
    (made distinct from xlseg's own headers: a 'Segment' column of the data is 'Segment (data)')."""
    from xlseg.core.tags import FIELD_NAMES

    taken = {L.header(k, lang) for k in CUSTOMER_KEYS}
    out = []
    for k in result.attributes:
        if k not in result.customers.columns:
            continue
        name = FIELD_NAMES[k][L.LANGS.index(lang)] if k in FIELD_NAMES else str(k)
        while name in taken:
            name = f"{name} (data)" if lang == "en" else f"{name}（数据）"
        taken.add(name)
        out.append(name)
    return out


def tags_sheet(result: Result, title: str, replaces) -> SheetPlan:
    lang = result.config.lang
    sp = SheetPlan("tags", title, replaces=replaces, freeze="A2", tab_color="6A1B9A")
    names = result.customers.set_index("customer_id")["name"]
    long = result.tags.copy()
    long.insert(1, "name", names.reindex(long["customer_id"]).to_numpy())
    head = [L.header("customer_id", lang), L.header("name", lang), _t("tag", lang)]
    body = values(long[["customer_id", "name", "tag"]]) or [[None, None, None]]
    sp.blocks.append(Block(1, 1, [head] + body))
    sp.tables.append(Table("xlsegTags", ref(1, 1, len(body) + 1, 3)))
    sp.widths = {"A": 14, "B": 28, "C": 20}
    return sp


def issues_sheet(result: Result, title: str, replaces) -> SheetPlan:
    """One row per kind of problem (sheet, column, problem) with how many rows, the first rows and values."""
    from xlseg.core.issues import group

    lang = result.config.lang
    sp = SheetPlan("issues", title, replaces=replaces, freeze="A2", tab_color="C62828")
    head = list(_t("issue_head", lang))
    groups = result.issue_groups if result.issue_groups is not None else group(result.issues)
    body = values(groups) or [[None, None, _t("no_issues", lang), 0, None, None, None]]
    sp.blocks.append(Block(1, 1, [head] + body))
    sp.tables.append(Table("xlsegIssues", ref(1, 1, len(body) + 1, len(head))))
    sp.styles.append(Style(ref(2, 4, len(body) + 1, 4), number_format="#,##0"))
    sp.widths = {"A": 16, "B": 18, "C": 44, "D": 8, "E": 30, "F": 26, "G": 60}
    return sp


def summary_sheet(result: Result, title: str, replaces, titles: dict, generated: str) -> SheetPlan:
    cfg = result.config
    lang = cfg.lang
    sp = SheetPlan("summary", title, replaces=replaces, tab_color="2E7D32", landscape=True, fit_width=True)
    sums = result.summaries
    sp.blocks.append(Block(1, 1, [[_t("title", lang)],
                                  [_t("as_of", lang), None if result.as_of is None else result.as_of.to_pydatetime()],
                                  [_t("generated", lang), generated]]))
    sp.styles.append(Style("A1", bold=True, size=16, color=palette.TITLE_TEXT))
    sp.styles.append(Style("B2", number_format="yyyy-mm-dd", bold=True))
    row = 5
    if result.warnings:  # issue 11: what may make the result wrong comes first
        sp.blocks.append(Block(row, 1, [[_t("warnings", lang)]] + [[w] for w in result.warnings]))
        sp.styles.append(Style(ref(row, 1), bold=True, size=12, color="B71C1C"))
        sp.styles.append(Style(ref(row + 1, 1, row + len(result.warnings), 1), bold=True, color="B71C1C"))
        row += len(result.warnings) + 2

    def section(name: str, head: list, body: list, formats: dict | None = None) -> tuple[int, int]:
        nonlocal row
        sp.blocks.append(Block(row, 1, [[_t(name, lang)]]))
        sp.styles.append(Style(ref(row, 1), bold=True, size=12, color=palette.TITLE_TEXT))
        top = row + 1
        sp.blocks.append(Block(top, 1, [head] + body))
        numeric = set(formats or {})
        sp.styles += [_header_style(top, c, c, "right" if c in numeric else None) for c in range(1, len(head) + 1)]
        for c, fmt in (formats or {}).items():
            if body:
                sp.styles.append(Style(ref(top + 1, c, top + len(body), c), number_format=fmt))
        row = top + len(body) + 2
        return top, top + len(body)

    k = sums["kpis"]
    k = k[k["key"] != "as_of"].reset_index(drop=True)  # shown once, in the title block above
    kpi_body = [[lab, val] for lab, val in zip(k["label"], k["value"])]
    top, _ = section("kpis", [_t("metric", lang), ""], kpi_body)
    fmt = {"revenue": "#,##0.00", "monetary_per_buyer": "#,##0.00", "avg_order_value": "#,##0.00",
           "repeat_rate": "0.0%", "median_recency": "0", "as_of": "yyyy-mm-dd", "customers": "#,##0",
           "buyers": "#,##0", "prospects": "#,##0"}
    for i, key in enumerate(k["key"]):
        if key in fmt:
            sp.styles.append(Style(ref(top + 1 + i, 2), number_format=fmt[key]))

    chart_row = row  # the two charts sit side by side under the key figures
    row += 22

    seg = sums["segments"]
    seg_cols = list(SEGMENT_COLUMNS)
    head = [SEGMENT_COLUMNS[c][L.LANGS.index(lang)] for c in seg_cols]
    seg_skipped = _skipped(result, "segment_key")
    seg_body = [[_t("skipped_table", lang).format(why=seg_skipped)] + [None] * (len(head) - 1)] if seg_skipped \
        else values(seg[seg_cols])
    top, bottom = section("segments", head, seg_body,
                          {} if seg_skipped else
                          {2: "#,##0", 3: "0.0%", 4: "#,##0.00", 5: "0.0%", 6: "0.0", 7: "0.00", 8: "#,##0.00",
                           9: "0.00", 10: "0.00", 11: "0.00"})
    seg_rows = (top + 1, bottom)
    if not seg_skipped:
        sp.cond_rules += _cond_rules(ref(top + 1, 1, bottom, 1), "segment", lang, list(seg["segment_key"]))

    tiers = _tier_table(result)
    tier_skipped = _skipped(result, "tier_key")
    top, bottom = section("tiers", [L.header("value_tier", lang), _t("revenue", lang), _t("revenue_share", lang),
                                    _t("customers", lang)],
                          [[_t("skipped_table", lang).format(why=tier_skipped), None, None, None]] if tier_skipped
                          else values(tiers[["tier", "revenue", "revenue_share", "customers"]]),
                          {} if tier_skipped else {2: "#,##0.00", 3: "0.0%", 4: "#,##0"})
    tier_rows = (top + 1, bottom)
    sp.cond_rules += _cond_rules(ref(top + 1, 1, bottom, 1), "value_tier", lang, TIER_ORDER)

    ts = sums["tier_stage"]
    head = [ts.index.name] + list(ts.columns)
    ts_skipped = tier_skipped or _skipped(result, "stage_key", prospects_count=False)
    body = [[idx] + [int(v) for v in row_] for idx, row_ in zip(ts.index, ts.to_numpy())]
    if ts_skipped:
        body = [[_t("skipped_table", lang).format(why=ts_skipped)] + [None] * (len(head) - 1)]
    section("tier_stage", head, body, {} if ts_skipped else {c: "#,##0" for c in range(2, len(head) + 1)})

    tg = sums["tags"]
    body = values(tg) if len(tg) else [[_t("none", lang), 0, 0.0]]
    section("tags", [_t("tag", lang), _t("customers", lang), _t("share", lang)], body, {2: "#,##0", 3: "0.0%"})

    cp = result.cut_points
    body = [[m, int(s), int(n), lo, hi, rule] for m, s, n, lo, hi, rule in
            cp[["metric", "score", "customers", "min", "max", "rule"]].itertuples(index=False)]
    body = [[None if isinstance(v, float) and v != v else v for v in r] for r in body]
    section("cuts", [_t("metric", lang), _t("score", lang), _t("customers", lang), _t("min", lang),
                     _t("max", lang), _t("rule", lang)], body, {4: "#,##0.##", 5: "#,##0.##"})

    calibration_rows = _model_sections(result, sp, section)  # issue 15
    if calibration_rows is not None:
        row = max(row, calibration_rows[0] + 16)  # the calibration chart sits right of its table

    ov = sums.get("overrides")  # issue 7: manual overrides with their reasons
    if ov is not None and len(ov):
        section("overrides", [L.header("customer_id", lang), L.header("name", lang), _t("field", lang),
                              _t("value", lang), _t("was", lang), _t("reason", lang)], values(ov))

    n_issues = len(result.issue_groups) if result.issue_groups is not None else len(result.issues)
    notes = [[_t("issues_note", lang).format(n=n_issues, sheet=titles["issues"][0]) if n_issues
              else _t("no_issues", lang)]] + [[n] for n in result.notes]
    sp.blocks.append(Block(row, 1, [[_t("notes", lang)]] + notes))
    sp.styles.append(Style(ref(row, 1), bold=True, size=12, color=palette.TITLE_TEXT))
    row += len(notes) + 2
    if result.understood:  # issue 11: sheets, column -> field, derived amounts, conventions chosen
        sp.blocks.append(Block(row, 1, [[_t("understood", lang)]] + [[u] for u in result.understood]))
        sp.styles.append(Style(ref(row, 1), bold=True, size=12, color=palette.TITLE_TEXT))

    sp.charts.append(Chart("bar", _t("chart_segments", lang), ref(seg_rows[0], 1, seg_rows[1], 1),
                           ref(seg_rows[0], 2, seg_rows[1], 2), f"A{chart_row}", 15.5, 10.5))
    sp.charts.append(Chart("column", _t("chart_tiers", lang), ref(tier_rows[0], 1, tier_rows[1], 1),
                           ref(tier_rows[0], 2, tier_rows[1], 2), f"E{chart_row}", 15.5, 10.5))
    if calibration_rows is not None:  # issue 15: actual vs expected customers by repeat purchases
        top, bottom = calibration_rows
        sp.charts.append(Chart("column", _t("calibration", lang), ref(top, 1, bottom, 1), ref(top, 2, bottom, 3),
                               f"E{top - 1}", 15.5, 8.0, series=tuple(_t("calibration_head", lang)[1:])))
    sp.widths = {"A": 30, **{c: 18 for c in "BCDEFGHIJK"}}
    return sp


_SKIP_WORDS = {"segment_key": "segments", "tier_key": "value tiers", "stage_key": "stages"}


def _skipped(result: Result, key: str, prospects_count: bool = True) -> str | None:
    """Why a Summary table has nothing to show (no customer has the key), or None when it has."""
    c = result.customers
    has = c[key].notna()
    if not prospects_count and key == "stage_key":
        has = has & (c[key] != "prospect")
    if has.any():
        return None
    skipped = [n for n in result.notes if "were skipped" in n and _SKIP_WORDS[key] in n]
    return skipped[0] if skipped else "no customer has a purchase to classify."


def _model_sections(result: Result, sp: SheetPlan, section):
    """The fitted parameters and the calibration table (issue 15); returns the calibration rows or None."""
    sums = result.summaries
    model = sums.get("model")
    if model is None or not len(model):
        return None
    cfg = result.config
    lang = cfg.lang
    used = dict(zip(sums["model_fit"]["model"], sums["model_fit"]["customers"]))
    body = [[mod, par, float(val), _t("days", lang) if par == "alpha" else None, int(used[mod])]
            for mod, par, val in model[["model", "parameter", "value"]].itertuples(index=False)]
    note = _t("model_note", lang).format(days=cfg.predict_days, months=cfg.clv_months,
                                         rate=f"{cfg.discount_rate * 100:g}%")
    section("model", list(_t("model_head", lang)), body + [[note, None, None, None, None]],
            {3: "0.0000", 5: "#,##0"})
    cal = sums["calibration"]
    body = [[k, int(a), float(e)] for k, a, e in cal[["repeat_purchases", "actual", "expected"]].itertuples(index=False)]
    top, bottom = section("calibration", list(_t("calibration_head", lang)), body, {2: "#,##0", 3: "#,##0.0"})
    return top + 1, bottom


def _tier_table(result: Result) -> pd.DataFrame:
    lang = result.config.lang
    c = result.customers
    g = c[c["tier_key"].notna()].groupby("tier_key")
    t = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum()}).reindex(list(TIER_ORDER))
    t["customers"] = t["customers"].fillna(0).astype("int64")
    t["revenue"] = t["revenue"].fillna(0.0)
    total = t["revenue"].sum()
    t["revenue_share"] = t["revenue"] / total if total else 0.0
    t.insert(0, "tier", [L.label(L.TIERS, k, lang) for k in TIER_ORDER])
    return t


def build_plan(result: Result, layout: TableLayout | None, state: BookState, *,
               generated: str | None = None, formulas: bool = False, settings_rows: list | None = None,
               tx_layout: TableLayout | None = None, history=None, run_time=None,
               settings_config=None, frames: tuple = (None, None)) -> WritePlan:
    """Everything to write, decided before the first write.

    ``settings_config``: the values a new Settings sheet holds (the run's config without
    options given for this run only, such as ``--as-of``); default: the run's config.
    ``frames``: the customer and transaction tables as read (what the formulas' data sheet compares with).
    """
    lang = result.config.lang
    titles = owned_titles(state, lang)
    generated = generated or dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S") + f" · xlseg {__version__}"
    cols = columns_plan(result, layout, state) if layout is not None else None
    # issue 7: History (append-only) and Migration, planned first: their notes (History capped, full, or
    # over 500,000 rows) belong on the Summary. ``history`` is what the History sheet held
    # (xlseg.workbook.history_sheets.read_previous); without it an existing History is left alone.
    from xlseg.workbook import history_sheets

    if history is None and sheet_marker("history") not in state.markers:
        history = history_sheets.PreviousHistory(None, history_sheets.H.from_rows([]), 0, False)
    hist = mig = append = None
    if history is not None:
        hist, mig, append = history_sheets.plans(result, history, titles, run_time)
    sheets = [
        summary_sheet(result, *titles["summary"], titles, generated),
        customers_sheet(result, *titles["customers"]),
        tags_sheet(result, *titles["tags"]),
        issues_sheet(result, *titles["issues"]),
        _settings(result, *titles["settings"], values=settings_config),
    ]
    if hist is not None:
        sheets.insert(1, mig)
        sheets.append(hist)
    appends = [append] if append is not None else []
    plan = WritePlan(cols, sheets, appends=appends)
    if formulas:  # the columns become live Excel formulas (xlseg.workbook.formulas)
        from xlseg.workbook.formulas import add_formulas

        add_formulas(plan, result, layout, state, settings_rows=settings_rows, tx_layout=tx_layout,
                     frames=frames, data_title=titles["data"])
    return plan


def _settings(result: Result, title: str, replaces, values=None) -> SheetPlan:
    """A new Settings sheet: ``values`` (the settings without this run's options), else the run's config."""
    sp = settings_sheet(values if values is not None else result.config, title)
    sp.replaces = replaces
    return sp

"""The Summary sheet: warnings, what xlseg understood, key figures, segments, tiers, tags, cut points, the model."""

from __future__ import annotations

import pandas as pd

from xlseg.core import labels as L
from xlseg.core.engine import Result
from xlseg.core.sentences import say
from xlseg.core.summaries import SEGMENT_COLUMNS, TIER_ORDER
from xlseg.plan import palette
from xlseg.plan.label_styles import _cond_rules, _header_style
from xlseg.plan.write_plan import Block, Chart, SheetPlan, Style, ref, values
from xlseg.plan.texts import _t


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
        sp.blocks.append(Block(row, 1, [[_t("warnings", lang)]] + [[say(w, lang)] for w in result.warnings]))
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
    seg_body = [[_t("skipped_table", lang).format(why=say(seg_skipped, lang))] + [None] * (len(head) - 1)] if seg_skipped \
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
                          [[_t("skipped_table", lang).format(why=say(tier_skipped, lang)), None, None, None]] if tier_skipped
                          else values(tiers[["tier", "revenue", "revenue_share", "customers"]]),
                          {} if tier_skipped else {2: "#,##0.00", 3: "0.0%", 4: "#,##0"})
    tier_rows = (top + 1, bottom)
    sp.cond_rules += _cond_rules(ref(top + 1, 1, bottom, 1), "value_tier", lang, TIER_ORDER)

    ts = sums["tier_stage"]
    head = [ts.index.name] + list(ts.columns)
    ts_skipped = tier_skipped or _skipped(result, "stage_key", prospects_count=False)
    body = [[idx] + [int(v) for v in row_] for idx, row_ in zip(ts.index, ts.to_numpy())]
    if ts_skipped:
        body = [[_t("skipped_table", lang).format(why=say(ts_skipped, lang))] + [None] * (len(head) - 1)]
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
              else _t("no_issues", lang)]] + [[say(n, lang)] for n in result.notes]
    sp.blocks.append(Block(row, 1, [[_t("notes", lang)]] + notes))
    sp.styles.append(Style(ref(row, 1), bold=True, size=12, color=palette.TITLE_TEXT))
    row += len(notes) + 2
    if result.understood:  # issue 11: sheets, column -> field, derived amounts, conventions chosen
        sp.blocks.append(Block(row, 1, [[_t("understood", lang)]] + [[say(u, lang)] for u in result.understood]))
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
    c = result.customers[["tier_key", "monetary"]]  # two columns, not a copy of every customer's row (issue 12)
    g = c[c["tier_key"].notna()].groupby("tier_key")
    t = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum()}).reindex(list(TIER_ORDER))
    t["customers"] = t["customers"].fillna(0).astype("int64")
    t["revenue"] = t["revenue"].fillna(0.0)
    total = t["revenue"].sum()
    t["revenue_share"] = t["revenue"] / total if total else 0.0
    t.insert(0, "tier", [L.label(L.TIERS, k, lang) for k in TIER_ORDER])
    return t

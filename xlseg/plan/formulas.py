"""Portable formulas: xlseg's columns as native Excel formulas (``xlseg classify --formulas``).

With formulas, the R/F/M Score, RFM, Segment, Value Tier and Stage columns on the
customer sheet are formulas that recompute in Excel, Excel for Mac and the web,
WPS and LibreOffice with no Python. Tags stay values (Python only).

What the formulas compute (and how it relates to Python)
--------------------------------------------------------
Python writes the run's *parameters* into a block on the Settings sheet
(column M onwards, rewritten on every run) and names them:

* ``xlseg_as_of`` - the as_of date of the run (a date, not "today").
* ``xlseg_r_cuts``, ``xlseg_f_cuts``, ``xlseg_m_cuts`` - 4 cut points each, for
  scores 2..5. With ``score_method = cuts`` they are the configured cuts; with
  ``rank`` they are the *effective* cuts of this run: the lowest frequency or
  spend (highest recency) that reached at least that score. A score no customer
  reached gets an unreachable cut. Score = 1 + number of cuts reached
  (F, M: value >= cut; R: recency <= cut).
* ``xlseg_tier_a``, ``xlseg_tier_b`` - spend from which a customer is High
  value (A) and Medium value (B). ``threshold`` method: the live Settings
  values ``threshold_high`` / ``threshold_medium``; ``abc`` and ``quantile``:
  the lowest spend that was A (A or B) in this run.
* ``xlseg_new_days``, ``xlseg_active_days``, ``xlseg_lost_days``,
  ``xlseg_churn_gap_multiple``, ``xlseg_churn_min_purchases`` - follow the
  Settings Value cells live (the run's value when a cell is not a number).
* ``xlseg_grid`` - the R x F grid on Settings (live); ``xlseg_rfm8_means`` - the
  buyers' mean recency, frequency and spend (rfm8 scheme).

So, for the data as classified, every formula equals Python's result exactly.
After edits, the formulas equal Python run with those *frozen* parameters
(:func:`frozen_results`): ``cuts`` scoring with the stored cut points,
``threshold`` tiers at the stored amounts (plus the potential overlay), the
same segments and stage rules. Reclassify (or ``xlseg classify --formulas``
again) recomputes the cut points from the data and rewrites them.

Metrics come from the hidden data sheet (:mod:`xlseg.plan.formula_data`):
Python's cleaned dates, amounts and counts per row, and with a transaction
sheet each customer's lines grouped together with plain sums, maxima and
counts over them (linear in the lines). Recency = ``MAX(0, as_of - last
purchase)``. Only functions of Excel 2007 and later that LibreOffice 7.4 and
WPS compute are used (no LET, XLOOKUP, FILTER, LAMBDA, MAXIFS, MINIFS).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlseg.a1 import column_letter

from xlseg.core import labels as L
from xlseg.core import scores as S
from xlseg.core import segments as SEG
from xlseg.core import stages as ST
from xlseg.core import tiers as T
from xlseg.core.config import Config
from xlseg.plan import formula_data, palette
from xlseg.plan.write_plan import COLUMNS_MARKER, Block, ColumnsPlan, Formula, Style, WritePlan, excel_string, ref

TX_MARKER = COLUMNS_MARKER + "_tx"  # helper columns older versions wrote on the transaction sheet
# The columns that become formulas (Tags and the rest stay values: Python only).
FORMULA_KEYS = ("r_score", "f_score", "m_score", "rfm", "segment", "value_tier", "stage")
UNREACHABLE_HIGH = 9.99e307  # an F or M cut nobody reaches
UNREACHABLE_LOW = -1.0  # an R cut (days) nobody reaches
LIVE_KEYS = ("new_days", "active_days", "lost_days", "churn_gap_multiple", "churn_min_purchases")
BLOCK_COL = 13  # column M of Settings (H:K holds the manual overrides table)
TEXT = {
    "title": ("Formula parameters (xlseg rewrites this block on every run; edit the Value column instead)",
              "公式参数（xlseg 每次运行时重写此区域；请修改“值”列）"),
    "head": (("Parameter", "Score 2", "Score 3", "Score 4", "Score 5"), ("参数", "评分2", "评分3", "评分4", "评分5")),
    "as_of": ("as_of used by the formulas", "公式使用的统计截止日期"),
    "r_cuts": ("R cuts (recency <= days)", "R 分界点（间隔天数 <=）"),
    "f_cuts": ("F cuts (frequency >=)", "F 分界点（购买次数 >=）"),
    "m_cuts": ("M cuts (spend >=)", "M 分界点（消费金额 >=）"),
    "tier_a": ("High value from spend", "高价值起点金额"),
    "tier_b": ("Medium value from spend", "一般价值起点金额"),
    "rfm8_means": ("rfm8 means: recency, frequency, spend", "rfm8 均值：间隔天数、频次、金额"),
    # headers of the helper columns older versions wrote on the transaction sheet (their marker is still trusted)
    "tx_head": (("xlseg purchase day", "xlseg purchase"), ("xlseg 购买日", "xlseg 购买单")),
}


def _t(key: str, lang: str):
    return TEXT[key][L.LANGS.index(lang)]


@dataclass(frozen=True)
class FormulaParams:
    """The frozen parameters the formulas read (see the module docstring)."""

    as_of: dt.date
    r_cuts: tuple
    f_cuts: tuple
    m_cuts: tuple
    tier_a: float
    tier_b: float
    means: tuple  # rfm8: recency, frequency, monetary means of buyers


# ------------------------------------------------------------------ parameters (pure)
def effective_cuts(values: pd.Series, score: pd.Series, *, higher_is_better: bool) -> tuple:
    """Cuts for scores 2..5 that give back ``score`` from ``values``: 1 + cuts reached."""
    ok = values.notna() & score.notna()
    v = values[ok].to_numpy(dtype="float64")
    s = score[ok].to_numpy(dtype="int64")
    out = []
    for k in range(2, 6):
        reached = v[s >= k]
        if len(reached) == 0:
            out.append(UNREACHABLE_HIGH if higher_is_better else UNREACHABLE_LOW)
        else:
            out.append(float(reached.min() if higher_is_better else reached.max()))
    return tuple(out)


def params_from_result(result) -> FormulaParams:
    """The parameters of one run: effective cut points, tier amounts, as_of, rfm8 means."""
    cfg = result.config
    c = result.customers
    cuts = {}
    for letter, column, higher in S.METRICS:
        if cfg.score_method == "cuts":
            cuts[letter] = tuple(float(x) for x in {"R": cfg.r_cuts, "F": cfg.f_cuts, "M": cfg.m_cuts}[letter])
        else:
            cuts[letter] = effective_cuts(c[column].astype("float64"), c[f"{letter.lower()}_score"],
                                          higher_is_better=higher)
    if cfg.tier_method == "threshold":
        tier_a, tier_b = float(cfg.threshold_high), float(cfg.threshold_medium)
    else:
        m = c["monetary"].astype("float64")
        a = m[c["abc"] == "A"]
        ab = m[c["abc"].isin(["A", "B"])]
        tier_a = float(a.min()) if len(a) else UNREACHABLE_HIGH
        tier_b = float(ab.min()) if len(ab) else tier_a
    buyers = c["is_buyer"].astype(bool)
    means = tuple(float(c.loc[buyers, col].astype("float64").mean()) for col in ("recency", "frequency", "monetary"))
    as_of = result.as_of.date() if result.as_of is not None else dt.date.today()
    return FormulaParams(as_of, cuts["R"], cuts["F"], cuts["M"], tier_a, tier_b, means)


def frozen_results(result, params: FormulaParams) -> pd.DataFrame:
    """What the formulas show, computed in Python from ``result``'s metrics and frozen ``params``.

    ``result`` is a Python run over the (possibly edited) data with the same
    settings; the output has ``customer_id`` and the columns r_score, f_score,
    m_score, rfm, segment, value_tier, stage (labels in the run's language).
    """
    cfg = result.config
    c = result.customers.reset_index(drop=True)
    buyers = c["is_buyer"].astype(bool)
    sc = pd.DataFrame(index=c.index)
    for letter, column, higher in S.METRICS:
        cuts = {"R": params.r_cuts, "F": params.f_cuts, "M": params.m_cuts}[letter]
        sc[f"{letter.lower()}_score"] = S.cut_score(c[column].astype("float64").where(buyers), cuts,
                                                    higher_is_better=higher)
    if cfg.segment_scheme == "rfm8":
        seg = _rfm8_frozen(c, buyers, params.means)
    else:
        seg = SEG.rfm10(sc, cfg.grid)
    cls = T.threshold(c["monetary"].astype("float64").where(buyers), params.tier_a, params.tier_b)
    tier = T.tiers(cls, seg, cfg)
    metrics = c.assign(is_buyer=buyers)
    stage = ST.assign(metrics, pd.Timestamp(params.as_of), cfg)
    out = pd.DataFrame({"customer_id": c["customer_id"]})
    for col in ("r_score", "f_score", "m_score"):
        out[col] = sc[col]
    ok = sc.notna().all(axis=1)
    out["rfm"] = None
    out.loc[ok, "rfm"] = (sc.loc[ok, "r_score"].astype(str) + sc.loc[ok, "f_score"].astype(str)
                          + sc.loc[ok, "m_score"].astype(str))
    out["segment"] = seg.map(L.labels(L.SEGMENTS, cfg.lang))
    out["value_tier"] = tier.map(L.labels(L.TIERS, cfg.lang))
    out["stage"] = stage.map(L.labels(L.STAGES, cfg.lang))
    return out


def _rfm8_frozen(c, buyers, means) -> pd.Series:
    flags = {}
    for (letter, column, higher), mean in zip(S.METRICS, means):
        v = c[column].astype("float64").where(buyers)
        flags[letter] = ((v > mean) if higher else (v < mean)), v.notna()
    ok = flags["R"][1] & flags["F"][1] & flags["M"][1]
    out = []
    for i in range(len(c)):
        out.append(SEG.RFM8[(bool(flags["R"][0].iloc[i]), bool(flags["F"][0].iloc[i]), bool(flags["M"][0].iloc[i]))]
                   if ok.iloc[i] else None)
    return pd.Series(out, index=c.index, dtype=object)


# ------------------------------------------------------------------ Settings positions
def settings_positions(rows: list) -> dict:
    """Where the live settings are on a Settings sheet: key -> (row, col) of its Value cell, and
    ``"grid"`` -> (row, col) of the grid's top-left label (R = 5, F = 1). Rows are 1-based."""
    from xlseg.plan.settings import GRID_CORNER, SETTING_HEAD

    words = {L.norm(w) for w in SETTING_HEAD["setting"]}
    out = {}
    head = None
    for i, r in enumerate(rows):
        first = r[0] if r else None
        if head is None and first is not None and L.norm(first) in words:
            head = i
            continue
        if head is not None and i > head and "_done" not in out:
            if first is None or str(first).strip() == "":
                out["_done"] = True
            else:
                out[str(first).strip()] = (i + 1, 2)
        if first is not None and L.norm(first) == L.norm(GRID_CORNER) and "grid" not in out:
            out["grid"] = (i + 2, 2)
    out.pop("_done", None)
    return out


def _rows_of_blocks(blocks) -> list:
    cells = {}
    for b in blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                cells[(b.row + i, b.col + j)] = v
    if not cells:
        return []
    nr = max(r for r, _ in cells)
    nc = max(c for _, c in cells)
    return [tuple(cells.get((r, c)) for c in range(1, nc + 1)) for r in range(1, nr + 1)]


# ------------------------------------------------------------------ the plan
def add_formulas(plan: WritePlan, result, layout, state, *, settings_rows=None, tx_layout=None,
                 frames: tuple = (None, None), data_title: tuple = (formula_data.TITLES[0], None)) -> None:
    """Turn ``plan``'s customer-sheet columns into formulas; add the Settings parameters and the data sheet.

    ``frames`` are the customer and transaction tables as read; ``data_title`` is (title, sheet it replaces)
    of the hidden data sheet (:mod:`xlseg.plan.formula_data`).
    """
    cfg = result.config
    cols = result.customer_columns
    tx_cols = result.transaction_columns
    if plan.columns is None or layout is None or frames[0] is None:
        result.notes.append("Formulas need a customer sheet: the results were written as values.")
        return
    tx_mode = bool(tx_cols) and tx_layout is not None and frames[1] is not None
    if not tx_mode and not all(k in cols for k in ("last_purchase", "orders", "monetary")):
        result.notes.append("Formulas need last-purchase, order-count and spend columns on the customer sheet "
                            "(or a transaction sheet): the results were written as values.")
        return
    params = params_from_result(result)
    settings = plan.sheet("settings")
    positions = settings_positions(settings_rows if settings_rows is not None else _rows_of_blocks(settings.blocks))
    _parameter_block(settings, cfg, params, positions)
    data, metrics = formula_data.data_sheet(result, frames, (layout, tx_layout if tx_mode else None), *data_title)
    plan.sheets.append(data)
    _clear_old_helpers(plan, state, tx_layout)
    from xlseg.plan.write_plan import OUTPUT_KEYS

    cp = plan.columns
    first_col = cp.first_col
    out_col = {k: column_letter(first_col + i) for i, k in enumerate(OUTPUT_KEYS)}
    pos = {k: OUTPUT_KEYS.index(k) for k in FORMULA_KEYS}
    ids = result.row_ids
    first_row_of = {}
    if not isinstance(cp.block.values, list):  # rows held as columns (xlseg.plan.rows): made here to edit
        cp.block.values = list(cp.block.values)
    body = cp.block.values
    for i in range(1, len(body)):
        r = cp.header_row + i
        if r not in ids.index or pd.isna(ids.get(r)):
            continue
        cid = ids[r]
        if cid in first_row_of:  # a duplicate id shows the first row's result, as in Python
            src = first_row_of[cid]
            for k in FORMULA_KEYS:
                body[i][pos[k]] = Formula(f'=IF({out_col[k]}{src}="","",{out_col[k]}{src})')
            continue
        first_row_of[cid] = r
        f = _row_formulas(metrics[r], {k: f"{v}{r}" for k, v in out_col.items()}, cfg, tx_mode)
        for k in FORMULA_KEYS:
            body[i][pos[k]] = Formula(f[k])
    cp.styles.append(Style(ref(cp.header_row + 1, first_col, max(cp.last_row, cp.header_row + 1), first_col + 2),
                           number_format="0"))


def _clear_old_helpers(plan: WritePlan, state, tx_layout) -> None:
    """Helper columns an older xlseg wrote right of the transaction table: emptied (the data sheet replaces them)."""
    marked = state.markers.get(TX_MARKER)
    if not marked:
        return
    from xlseg.a1 import range_bounds

    c1, r1, c2, _r2 = range_bounds(marked[1].replace("$", ""))
    plan.extra_columns.append(ColumnsPlan(marked[0], r1, c1, Block(r1, c1, [[None] * (c2 - c1 + 1)]),
                                          marker_name=TX_MARKER))


def _parameter_block(settings, cfg: Config, params: FormulaParams, positions: dict) -> None:
    lang = cfg.lang
    c0 = BLOCK_COL
    L_ = column_letter
    rows = [[_t("title", lang)], [None], list(_t("head", lang))]
    names = {}
    r = 4

    def put(key, label, values):
        nonlocal r
        rows.append([label] + list(values))
        if len(values) == 1:
            names[f"xlseg_{key}"] = f"${L_(c0 + 1)}${r}"
        else:
            names[f"xlseg_{key}"] = f"${L_(c0 + 1)}${r}:${L_(c0 + len(values))}${r}"
        r += 1

    put("as_of", _t("as_of", lang), [dt.datetime.combine(params.as_of, dt.time())])
    put("r_cuts", _t("r_cuts", lang), params.r_cuts)
    put("f_cuts", _t("f_cuts", lang), params.f_cuts)
    put("m_cuts", _t("m_cuts", lang), params.m_cuts)

    def live(key, fallback):
        pos = positions.get(key)
        if pos is None:
            return fallback
        cell = f"${L_(pos[1])}${pos[0]}"
        return Formula(f"=IF(ISNUMBER({cell}),{cell},{_num(fallback)})")

    if cfg.tier_method == "threshold":
        put("tier_a", _t("tier_a", lang), [live("threshold_high", params.tier_a)])
        put("tier_b", _t("tier_b", lang), [live("threshold_medium", params.tier_b)])
    else:
        put("tier_a", _t("tier_a", lang), [params.tier_a])
        put("tier_b", _t("tier_b", lang), [params.tier_b])
    for key in LIVE_KEYS:
        put(key, key, [live(key, getattr(cfg, key))])
    put("rfm8_means", _t("rfm8_means", lang), [0.0 if np.isnan(x) else x for x in params.means])
    grid = positions.get("grid")
    if grid is not None:
        settings.names["xlseg_grid"] = f"${L_(grid[1])}${grid[0]}:${L_(grid[1] + 4)}${grid[0] + 4}"
    else:  # no grid on the sheet: a copy in the block
        r += 1
        top = r
        for row in cfg.grid:
            rows.append([None] + [L.label(L.SEGMENTS, k, lang) for k in row])
            r += 1
        settings.names["xlseg_grid"] = f"${L_(c0 + 1)}${top}:${L_(c0 + 5)}${top + 4}"
    settings.refresh_blocks.append(Block(1, c0, rows))
    settings.refresh_styles += [
        Style(ref(1, c0), bold=True, color=palette.TITLE_TEXT),
        Style(ref(3, c0, 3, c0 + 4), bold=True, fill=palette.HEADER_FILL, color=palette.HEADER_TEXT),
        Style(ref(4, c0 + 1), number_format="yyyy-mm-dd"),
        Style(ref(5, c0 + 1, r - 1, c0 + 4), number_format="General"),
    ]
    settings.names.update(names)
    settings.widths.update({L_(c0): 40, **{L_(c0 + i): 14 for i in range(1, 5)}})


def _num(x) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


# ------------------------------------------------------------------ one row
def _row_formulas(m: formula_data.Metrics, cell: dict, cfg: Config, tx_mode: bool) -> dict:
    lang = cfg.lang
    st = L.labels(L.STAGES, lang)
    tl = L.labels(L.TIERS, lang)
    rec = m.rec
    buyer = f"{m.freq}>0"
    R, F, M, S = cell["r_score"], cell["f_score"], cell["m_score"], cell["segment"]
    out = {
        "r_score": f'=IF(AND({buyer},{m.has_last}),1+SUMPRODUCT(--(xlseg_r_cuts>={rec})),"")',
        "f_score": f'=IF({buyer},1+SUMPRODUCT(--(xlseg_f_cuts<={m.freq})),"")',
        "m_score": f'=IF(AND({buyer},{m.has_money}),1+SUMPRODUCT(--(xlseg_m_cuts<={m.money})),"")',
        "rfm": f'=IF(OR({R}="",{F}="",{M}=""),"",{R}&{F}&{M})',
    }
    if cfg.segment_scheme == "rfm8":
        labels8 = {code: L.label(L.SEGMENTS, SEG.RFM8[(bool(code & 4), bool(code & 2), bool(code & 1))], lang)
                   for code in range(8)}
        code = (f"1+4*({rec}<INDEX(xlseg_rfm8_means,1))+2*({m.freq}>INDEX(xlseg_rfm8_means,2))"
                f"+({m.money}>INDEX(xlseg_rfm8_means,3))")
        out["segment"] = (f'=IF(OR({R}="",{F}="",{M}=""),"",CHOOSE({code},'
                          + ",".join(excel_string(labels8[i]) for i in range(8)) + "))")
    else:
        out["segment"] = f'=IF(OR({R}="",{F}=""),"",INDEX(xlseg_grid,6-{R},{F}))'
    low = f'IF({m.money}>=xlseg_tier_b,{excel_string(tl["medium"])},{excel_string(tl["low"])})'
    if cfg.potential_overlay and cfg.potential_segments:
        names = ",".join(excel_string(L.label(L.SEGMENTS, k, lang)) for k in cfg.potential_segments)
        low = f'IF(ISNUMBER(MATCH({S},{{{names}}},0)),{excel_string(tl["potential"])},{low})'
    out["value_tier"] = (f'=IF(AND({buyer},{m.has_money}),IF({m.money}>=xlseg_tier_a,{excel_string(tl["high"])},{low}),"")')
    since_first = f"IF({m.has_first},xlseg_as_of-{m.first}<=xlseg_new_days,FALSE)"
    days = m.ndays if tx_mode else m.freq
    churn_gap = (f"IF(AND({m.has_first},{days}>=2,{m.freq}>=xlseg_churn_min_purchases),"
                 f"{rec}>xlseg_churn_gap_multiple*({m.last}-{m.first})/({days}-1),FALSE)")
    tail = (f'IF({since_first},{excel_string(st["new"])},IF(OR({rec}>xlseg_active_days,{churn_gap}),'
            f'{excel_string(st["churn_warning"])},{excel_string(st["active"])}))')
    if tx_mode:
        tail = f'IF(IF({m.ndays}>=2,{m.last}-{m.prev}>xlseg_lost_days,FALSE),{excel_string(st["reactivated"])},{tail})'
    out["stage"] = (f'=IF(NOT({buyer}),{excel_string(st["prospect"])},IF(NOT({m.has_last}),"",'
                    f'IF({rec}>xlseg_lost_days,{excel_string(st["lost"])},{tail})))')
    return out


__all__ = ["FormulaParams", "add_formulas", "effective_cuts", "frozen_results", "params_from_result",
           "settings_positions", "TX_MARKER"]

"""Segment history and migration between runs (pure pandas).

Every classification run appends a *snapshot* - one row per customer - to the
History sheet. :func:`snapshot` builds those rows from a
:class:`xlseg.core.engine.Result`; :func:`from_rows` reads them back from a
sheet's values; :func:`migration` compares the last two runs.

History columns (canonical name -> en / zh header): see :data:`HEADERS`.
Segment, Value Tier and Stage are stored as the words the workbook showed
(either language); :func:`keys` turns them back into stable keys, so a
workbook switched from English to Chinese still compares run to run.

Migration (earlier run -> later run), for each of segment, value tier and
stage: a customers matrix and a revenue matrix over *every* customer of either
run (an outer join on customer id). Rows are the earlier run's values, columns
the later run's. Special categories:

* ``_absent``: the customer is not in that run (new or removed customer),
* ``_blank``: the customer is in the run without a value (e.g. a prospect
  has no segment).

Revenue is the customer's monetary in the later run, or in the earlier run for
customers no longer present.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from xlseg.core import labels as L
from xlseg.core.stages import ORDER as STAGE_ORDER

# canonical -> (en, zh)
HEADERS = {
    "run": ("Run", "运行序号"),
    "run_time": ("Run Time", "运行时间"),
    "as_of": ("As Of", "统计截止日期"),
    "customer_id": ("Customer ID", "客户编号"),
    "segment": ("Segment", "客户分群"),
    "value_tier": ("Value Tier", "价值等级"),
    "stage": ("Stage", "生命周期阶段"),
    "r_score": ("R", "R"),
    "f_score": ("F", "F"),
    "m_score": ("M", "M"),
    "monetary": ("Monetary", "消费金额"),
}
COLUMNS = list(HEADERS)
KINDS = ("segment", "value_tier", "stage")
TIER_ORDER = ("high", "medium", "potential", "low")
ABSENT, BLANK = "_absent", "_blank"
SPECIAL = {
    ABSENT: ("(not in run)", "（不在该次运行中）"),
    BLANK: ("(none)", "（无）"),
}
#: Past this many History rows xlseg suggests ``xlseg history export``.
WARN_ROWS = 500_000

# Notable moves: (kind, from keys, to keys, needs a High value customer, direction, note en, note zh).
# Rules are data; a customer may match several (one row each).
_GOOD_SEGMENTS = ("champions", "loyal_customers", "important_value", "important_retention")
_SLIPPING = ("at_risk", "cant_lose_them", "hibernating", "about_to_sleep", "need_attention",
             "important_winback", "general_winback")
_YOUNG = ("new_customers", "promising", "potential_loyalists", "important_development", "general_development")
_ALIVE = ("active", "new", "reactivated")
NOTABLE = (
    ("stage", _ALIVE, ("churn_warning", "lost"), True, "down",
     "High value customer slipping", "高价值客户流失风险上升"),
    ("value_tier", ("high",), ("medium", "low", "potential"), False, "down",
     "Left the High value tier", "跌出高价值"),
    ("segment", _GOOD_SEGMENTS, _SLIPPING, False, "down",
     "Best customers slipping", "优质客户下滑"),
    ("stage", ("churn_warning",), ("lost",), False, "down", "Warned customer now lost", "预警客户已流失"),
    ("segment", _YOUNG, ("champions", "loyal_customers", "important_value"), False, "up",
     "New customer became loyal", "新客户成长为忠诚客户"),
    ("value_tier", ("medium", "low", "potential"), ("high",), False, "up",
     "Rose to High value", "升为高价值"),
    ("stage", ("lost", "churn_warning"), ("reactivated", "active"), False, "up",
     "Won back", "已挽回"),
)
NOTABLE_COLUMNS = ["customer_id", "kind", "from_key", "to_key", "monetary", "direction", "note"]


def tables(lang: str) -> dict:
    return {"segment": L.SEGMENTS, "value_tier": L.TIERS, "stage": L.STAGES}


def snapshot(result, run: int, run_time: dt.datetime) -> pd.DataFrame:
    """One History row per customer of ``result`` (columns :data:`COLUMNS`, labels in the run's language)."""
    c = result.customers
    out = pd.DataFrame({
        "run": np.full(len(c), int(run), dtype="int64"),
        "run_time": _repeated(pd.Timestamp(run_time).floor("s"), len(c)),
        "as_of": _repeated(result.as_of, len(c)),
        "customer_id": _text(c["customer_id"]),
        "segment": _text(c["segment"]),
        "value_tier": _text(c["value_tier"]),
        "stage": _text(c["stage"]),
        "r_score": c["r_score"].astype("Int64").to_numpy(),
        "f_score": c["f_score"].astype("Int64").to_numpy(),
        "m_score": c["m_score"].astype("Int64").to_numpy(),
        "monetary": pd.to_numeric(c["monetary"], errors="coerce").astype("float64").to_numpy(),
    })
    return out[COLUMNS]


def _text(s: pd.Series):
    """A text column as it is (its Arrow strings shared: a full sheet's four text columns made 4M Python strings and
    +490 MB for a moment, issue 12); other columns as objects, which the frame keeps or infers as before."""
    if isinstance(s.dtype, pd.StringDtype):
        return s.array
    return s.astype(object).to_numpy()


def _repeated(value, n: int) -> np.ndarray:
    """``value`` as datetime64[ns] (NaT for None), ``n`` times: converted once, not once per customer."""
    return np.repeat(pd.Series([value], dtype="datetime64[ns]").to_numpy(), n)


def header_row(lang: str) -> list[str]:
    i = L.LANGS.index(lang)
    return [HEADERS[k][i] for k in COLUMNS]


def from_rows(rows: list) -> pd.DataFrame:
    """History rows as a frame (columns :data:`COLUMNS`) from a sheet's values starting at A1.

    The header row is the first row; headers may be English or Chinese. Blank
    rows are skipped. An empty sheet gives an empty frame.
    """
    if not rows:
        return _empty()
    pos = header_positions(rows[0])
    if pos is None:
        return _empty()
    # one transposition for all columns; blank rows have no run number and are dropped below
    body = list(itertools.zip_longest(*rows[1:], fillvalue=None)) if len(rows) > 1 else []
    n = len(rows) - 1
    data = {}
    for k in COLUMNS:
        i = pos.get(k)
        data[k] = body[i] if i is not None and i < len(body) else [None] * n
    return frame_from_columns(data)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def header_positions(header) -> dict | None:
    """Canonical column -> 0-based position in a History header row (English or Chinese words); None when
    the row is not a History header (no Customer ID or Run)."""
    words = {L.norm(w): k for k, pair in HEADERS.items() for w in pair}
    head = [words.get(L.norm(v)) if v is not None else None for v in header]
    if "customer_id" not in head or "run" not in head:
        return None
    return {k: head.index(k) for k in COLUMNS if k in head}


def frame_from_columns(data: dict, ids_are_text: bool = False) -> pd.DataFrame:
    """The History frame from one sequence of cell values per canonical column (rows below the header).

    A sequence may also come already typed (float64 numbers with NaN, datetime64[us] with NaT), as
    :mod:`xlseg.read.history_part` gives it; the conversions below leave those as they are.
    ``ids_are_text``: every customer id is None or a str without surrounding blanks (what
    :func:`_id_text` would give them already).
    """
    frame = pd.DataFrame(data, columns=COLUMNS)
    frame["run"] = pd.to_numeric(frame["run"], errors="coerce").astype("Int64")
    for k in ("run_time", "as_of"):
        frame[k] = pd.to_datetime(frame[k], errors="coerce")
    for k in ("r_score", "f_score", "m_score"):
        frame[k] = pd.to_numeric(frame[k], errors="coerce").astype("Int64")
    frame["monetary"] = pd.to_numeric(frame["monetary"], errors="coerce").astype("float64")
    if not ids_are_text:
        frame["customer_id"] = frame["customer_id"].map(_id_text)
    return frame[frame["run"].notna()].reset_index(drop=True)


def _id_text(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def run_numbers(history: pd.DataFrame) -> list[int]:
    """Distinct run numbers, oldest first."""
    if history is None or len(history) == 0:
        return []
    return sorted(int(r) for r in history["run"].dropna().unique())


def keep_last_runs(history: pd.DataFrame, n: int) -> pd.DataFrame:
    """The rows of the last ``n`` runs (``n`` <= 0 keeps everything). Rows are not changed."""
    runs = run_numbers(history)
    if n <= 0 or len(runs) <= n:
        return history
    return history[history["run"].isin(runs[-n:])]


def keys(words: pd.Series, kind: str) -> pd.Series:
    """Label words (either language) or keys -> keys; blank -> ``_blank``; unknown words kept as they are."""
    table = tables("en")[kind]
    codes, uniq = pd.factorize(words)  # each distinct word judged once; missing -> -1
    mapped = np.array([(L.key_of(table, w) or str(w)) if str(w).strip() != "" else BLANK for w in uniq] + [BLANK],
                      dtype=object)
    return pd.Series(mapped[codes], index=words.index, dtype=object)


def category_order(kind: str, present, segment_keys=None) -> list[str]:
    """Canonical order for a kind: known keys first (only those present or in ``segment_keys``), then the rest."""
    if kind == "segment":
        base = list(segment_keys) if segment_keys is not None else list(L.SEGMENTS)
    elif kind == "value_tier":
        base = list(TIER_ORDER)
    else:
        base = list(STAGE_ORDER)
    present = list(dict.fromkeys(present))
    extra = [k for k in present if k not in base and k not in (BLANK, ABSENT)]
    tail = [k for k in (BLANK, ABSENT) if k in present]
    return base + sorted(extra, key=str) + tail


def pair(history: pd.DataFrame) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(earlier, later) snapshot of the last two runs; (None, last) with one run; (None, None) with none."""
    runs = run_numbers(history)
    if not runs:
        return None, None
    later = history[history["run"] == runs[-1]]
    if len(runs) == 1:
        return None, later
    return history[history["run"] == runs[-2]], later


def joined(earlier: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """Outer join of two snapshots on customer id: ``<kind>_from``, ``<kind>_to`` keys, ``revenue``."""
    a = earlier.drop_duplicates("customer_id").set_index("customer_id")
    b = later.drop_duplicates("customer_id").set_index("customer_id")
    ids = a.index.append(b.index.difference(a.index, sort=False))
    out = pd.DataFrame(index=ids)
    out.index.name = "customer_id"
    # where each id is in a and in b: a's come first, in order; b's by one hash lookup (Index.isin and reindex on
    # str ids go through Python objects, and each reindex would look them up again)
    pos_a = np.where(np.arange(len(ids)) < len(a), np.arange(len(ids)), -1)
    pos_b = b.index.get_indexer(ids)
    in_a, in_b = pos_a >= 0, pos_b >= 0
    take_a, take_b = np.where(in_a, pos_a, 0), np.where(in_b, pos_b, 0)
    for kind in KINDS:
        out[f"{kind}_from"] = np.where(in_a, keys(a[kind], kind).to_numpy()[take_a], ABSENT)
        out[f"{kind}_to"] = np.where(in_b, keys(b[kind], kind).to_numpy()[take_b], ABSENT)
    rev_a = np.where(in_a, a["monetary"].to_numpy(dtype="float64")[take_a], np.nan)
    rev_b = np.where(in_b, b["monetary"].to_numpy(dtype="float64")[take_b], np.nan)
    revenue = np.where(in_b, rev_b, rev_a)
    out["revenue"] = np.where(np.isnan(revenue), 0.0, revenue)
    out["monetary_from"] = rev_a
    out["monetary_to"] = rev_b
    return out


def matrices(j: pd.DataFrame, kind: str, segment_keys=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customers, revenue) matrices for one kind: rows = earlier run's keys, columns = later run's keys."""
    fc, fu = pd.factorize(j[f"{kind}_from"])  # keys are never missing
    tc, tu = pd.factorize(j[f"{kind}_to"])
    fu, tu = list(fu), list(tu)
    order = category_order(kind, fu + tu, segment_keys)
    fs, ts = set(fu), set(tu)  # distinct keys once (iterating a column of a million str cells is slow)
    rows = [k for k in order if k in fs or k not in (BLANK, ABSENT)]
    cols = [k for k in order if k in ts or k not in (BLANK, ABSENT)]
    # one cell code per customer: counts by bincount, revenue by groupby's sum (the sum crosstab took)
    cell = fc.astype(np.int64) * len(tu) + tc
    grid = np.bincount(cell, minlength=len(fu) * len(tu)).reshape(len(fu), len(tu))
    counts = pd.DataFrame(grid, index=fu, columns=tu).reindex(index=rows, columns=cols, fill_value=0)
    counts = counts.astype("int64")
    sums = pd.Series(j["revenue"].to_numpy(dtype="float64")).groupby(cell).sum()
    flat = np.full(len(fu) * len(tu), np.nan)
    flat[sums.index.to_numpy()] = sums.to_numpy()
    revenue = pd.DataFrame(flat.reshape(len(fu), len(tu)), index=fu, columns=tu).reindex(index=rows, columns=cols)
    revenue = revenue.fillna(0.0).astype("float64")
    for m in (counts, revenue):
        m.index.name, m.columns.name = "from", "to"
    return counts, revenue


def notable(j: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and notable move (rules :data:`NOTABLE`), largest revenue first."""
    parts = []
    high = (j["value_tier_from"] == "high") | (j["value_tier_to"] == "high")
    for n, (kind, src, dst, need_high, direction, note_en, _note_zh) in enumerate(NOTABLE):
        hit = j[f"{kind}_from"].isin(src) & j[f"{kind}_to"].isin(dst)
        if need_high:
            hit &= high
        if not hit.any():
            continue
        sub = j[hit]
        parts.append(pd.DataFrame({
            "customer_id": sub.index.to_numpy(), "kind": kind, "from_key": sub[f"{kind}_from"].to_numpy(),
            "to_key": sub[f"{kind}_to"].to_numpy(), "monetary": sub["revenue"].to_numpy(),
            "direction": direction, "note": n,
        }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in NOTABLE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["direction", "monetary", "customer_id"], ascending=[True, False, True], kind="stable")
    return out.reset_index(drop=True)[NOTABLE_COLUMNS]


def note_text(n: int, lang: str) -> str:
    return NOTABLE[int(n)][5 + L.LANGS.index(lang)]


def label_of(kind: str, key, lang: str) -> str:
    """The word for a key of ``kind`` (special categories included; unknown keys as they are)."""
    if key in SPECIAL:
        return SPECIAL[key][L.LANGS.index(lang)]
    table = tables(lang)[kind]
    return L.label(table, key, lang) if key in table else str(key)


def migration(history: pd.DataFrame, segment_keys=None) -> dict | None:
    """Compare the last two runs of ``history``; None when there are fewer than two.

    Returns ``runs`` (earlier, later run numbers), ``as_of`` and ``run_time``
    pairs, ``joined`` (see :func:`joined`), ``customers`` and ``revenue``
    (dict kind -> matrix), ``notable`` (see :func:`notable`) and ``counts``
    (key figures: customers in both runs, new, gone, and moved per kind).
    """
    earlier, later = pair(history)
    if earlier is None:
        return None
    j = joined(earlier, later)
    both = (j["stage_from"] != ABSENT) & (j["stage_to"] != ABSENT)
    out = {
        "runs": (int(earlier["run"].iloc[0]), int(later["run"].iloc[0])),
        "as_of": (earlier["as_of"].iloc[0], later["as_of"].iloc[0]),
        "run_time": (earlier["run_time"].iloc[0], later["run_time"].iloc[0]),
        "joined": j, "customers": {}, "revenue": {},
        "notable": notable(j),
    }
    counts = {"in_both": int(both.sum()), "new": int((j["stage_from"] == ABSENT).sum()),
              "gone": int((j["stage_to"] == ABSENT).sum())}
    for kind in KINDS:
        out["customers"][kind], out["revenue"][kind] = matrices(j, kind, segment_keys)
        counts[f"moved_{kind}"] = int((both & (j[f"{kind}_from"] != j[f"{kind}_to"])).sum())
    out["counts"] = counts
    return out


COUNT_LABELS = {
    "in_both": ("Customers in both runs", "两次运行均有的客户"),
    "new": ("New since the earlier run", "新增客户"),
    "gone": ("No longer present", "已不在名单中的客户"),
    "moved_segment": ("Changed segment", "分群变化的客户"),
    "moved_value_tier": ("Changed value tier", "价值等级变化的客户"),
    "moved_stage": ("Changed stage", "生命周期阶段变化的客户"),
}


def count_rows(mig: dict, lang: str) -> list[tuple[str, int]]:
    i = L.LANGS.index(lang)
    return [(COUNT_LABELS[k][i], v) for k, v in mig["counts"].items()]


def top_moves(mig: dict, kind: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest off-diagonal cells of a kind's customer matrix: from_key, to_key, customers, revenue."""
    c, r = mig["customers"][kind], mig["revenue"][kind]
    s = c.stack()
    s.index.names = ["from_key", "to_key"]
    rv = r.stack().reindex(s.index)
    frame = pd.DataFrame({"customers": s, "revenue": rv}).reset_index()
    frame = frame[(frame["from_key"] != frame["to_key"]) & (frame["customers"] > 0)]
    return frame.sort_values(["customers", "revenue"], ascending=False, kind="stable").head(n).reset_index(drop=True)

"""What a run says about itself: the as_of and rows sentences, the issues grouped, the warnings."""

from __future__ import annotations

import pandas as pd

from xlseg.core import clean
from xlseg.core.config import Config


def _as_of_sentence(cfg: Config, as_of, latest) -> str:
    if as_of is None:
        return "No purchase dates: recency, R scores, segments and stages cannot be computed."
    day = as_of.date().isoformat()
    if cfg.as_of == "today":
        return f"as_of {day}: today (as_of = today)."
    if cfg.as_of is not None:
        return f"as_of {day}: set by as_of."
    if latest is None:
        return f"as_of {day}: today (the data has recency in days but no dates)."
    return f"as_of {day}: the latest purchase date in the data (dates after today are not counted)."


WARN_SHARE = 0.05  # rows rejected above this share of the rows read: a warning


def issue_groups(frame: pd.DataFrame) -> pd.DataFrame:
    from xlseg.core.issues import group

    return group(frame)


def _rejected(groups: pd.DataFrame) -> pd.DataFrame:
    """The kinds of problem whose rows were not used (totals rows are not data: not counted)."""
    return groups[groups["action"].astype(str).str.match(r"(?:first row: )?(?:row skipped|skipped|not counted \()")
                  & (groups["problem"] != clean.TOTALS_ROW)]


def _not_used(rejected: pd.DataFrame, twice: int) -> int:
    """Rows not used: the rejected records, a row with two of them (``twice``) counted once."""
    return max(int(rejected["count"].sum()) - twice, 0) if len(rejected) else 0


def _rows_sentence(groups: pd.DataFrame, rows_in: int, twice: int = 0) -> str:
    rejected = _rejected(groups)
    n = _not_used(rejected, twice)
    if not n:
        return f"Rows: all {rows_in:,} data rows used (blank and totals rows aside)."
    top = rejected.sort_values("count", ascending=False, kind="stable").head(3)
    reasons = "; ".join(f"{r.problem} ({int(r.count):,})" for r in top.itertuples(index=False))
    return f"Rows: {rows_in - n:,} of {rows_in:,} used, {n:,} not used ({reasons})."


def _warnings(groups: pd.DataFrame, rows_in: int, notes: list, skipped: list, twice: int = 0) -> list[str]:
    """What may make the result wrong: many rows rejected (with the top reasons), a feature skipped."""
    out = []
    rejected = _rejected(groups)
    n = _not_used(rejected, twice)
    if rows_in and n > WARN_SHARE * rows_in:
        top = rejected.sort_values("count", ascending=False, kind="stable").head(3)
        reasons = "; ".join(f"{r.problem} ({int(r.count):,}, '{r.column}')" for r in top.itertuples(index=False))
        out.append(f"{n:,} of {rows_in:,} rows ({n / rows_in:.0%}) were not used. Top reasons: {reasons}. "
                   "See the Issues sheet.")
    for note in notes:
        if "were skipped" in note:
            out.append(note)
    return out

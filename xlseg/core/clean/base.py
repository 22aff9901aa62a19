"""The issue vocabulary of cleaning and how findings become issue records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.issues import IssueLog

ISSUE_LIMIT = 100

DATE_TEXT = "date written as text"
DATE_NUMBER = "date written as a number"
DATE_DAY_FIRST = "date written day first"
DATE_MONTH_FIRST = "date written month first"
NOT_A_DATE = "not a date"
DATE_RANGE = "date out of range"
AMOUNT_TEXT = "amount written as text"
NOT_AN_AMOUNT = "not an amount"
COUNT_TEXT = "count written as text"
NOT_A_COUNT = "not a count"
NOT_WHOLE = "not a whole number"
NEGATIVE_COUNT = "negative count"
BLANK = "blank"
LONG_ID = "id too long for an Excel number"
TOTALS_ROW = "totals row"
NO_ID = "no customer id"

ROW_SKIPPED = "row skipped"
SKIPPED = "skipped"
_USE_DATE = "use YYYY-MM-DD or an Excel date"
_USE_RANGE = "use a date between 1900 and 2199"
_USE_AMOUNT = "use a number such as 1234.50"
_USE_COUNT = "use a whole number, 0 or more"


def _reject(required: bool, hint: str) -> str:
    return f"{'row skipped' if required else 'left blank'}; {hint}"


class _Findings:
    """Rows to report, gathered as (positions, problem, action) chunks and written once.

    ``action`` is a string, an array aligned with the positions, or a callable
    that builds the actions for the (at most ISSUE_LIMIT) positions reported.
    """

    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, str, object]] = []

    def add(self, pos, problem: str, action) -> None:
        pos = np.asarray(pos, dtype=np.intp)
        if len(pos):
            self.chunks.append((pos, problem, action))

    def emit(self, log: IssueLog, column: str, index: pd.Index, values: np.ndarray) -> None:
        grouped: dict[str, list] = {}
        for pos, problem, action in self.chunks:
            grouped.setdefault(problem, []).append((pos, action))
        rows, overflow = [], []
        for problem, parts in grouped.items():
            total = sum(len(p) for p, _ in parts)
            picked = []
            for pos, action in parts:
                first = pos[:ISSUE_LIMIT]  # positions come sorted (flatnonzero)
                if isinstance(action, str):
                    acts = [action] * len(first)
                elif callable(action):
                    acts = list(action(first))
                else:
                    acts = list(action[:ISSUE_LIMIT])
                picked.extend(zip(first.tolist(), acts))
            picked.sort(key=lambda pa: pa[0])
            rows.extend((p, problem, a) for p, a in picked[:ISSUE_LIMIT])
            if total > ISSUE_LIMIT:
                listed = np.array([p for p, _a in picked[:ISSUE_LIMIT]], dtype=np.intp)
                rest = np.setdiff1d(np.concatenate([pos for pos, _a in parts]), listed)
                overflow.append((problem, total - ISSUE_LIMIT, rest))
        rows.sort(key=lambda r: r[0])
        for p, problem, action in rows:
            log.add(index[p], column, _cell(values[p]), problem, action)
        for problem, more, rest in overflow:
            log.add("", column, "", problem, f"same for {more} more rows (not listed)")
            log.also(index[rest])


def _cell(value):
    """The original cell for a record; blanks (NaN, NaT, None) as None."""
    try:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return value

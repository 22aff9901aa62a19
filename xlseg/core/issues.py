"""Data-quality findings: one record per problem, nothing dropped silently.

A record names the sheet, the row (the sheet's row number when the frame came
from a workbook: readers set the frame index to the sheet row), the column, the
offending value, the problem and what xlseg did about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ISSUE_COLUMNS = ["sheet", "row", "column", "value", "problem", "action"]


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: Any
    column: str
    value: Any
    problem: str
    action: str


@dataclass
class IssueLog:
    """Collects :class:`Issue` records; ``sheet`` is the default sheet name."""

    sheet: str = ""
    records: list[Issue] = field(default_factory=list)
    # (sheet, rows) of the records that stand for "N more rows (not listed)": kept to count rows, not shown
    unlisted: list = field(default_factory=list)

    def add(self, row, column, value, problem, action, *, sheet=None) -> None:
        self.records.append(
            Issue(sheet if sheet is not None else self.sheet, _plain(row), column, _plain(value), problem, action)
        )

    def add_many(self, rows, column, values, problem, action, *, sheet=None, limit: int | None = None) -> None:
        """One record per (row, value) pair; vectorised callers pass the masked index and values."""
        for i, (row, value) in enumerate(zip(rows, values)):
            if limit is not None and i >= limit:
                remaining = len(rows) - limit
                self.add("", column, "", f"{remaining} more rows with the same problem", action, sheet=sheet)
                self.also(list(rows)[limit:], sheet=sheet)
                break
            self.add(row, column, value, problem, action, sheet=sheet)

    def also(self, rows, *, sheet=None) -> None:
        """The rows a "N more rows (not listed)" record stands for (they count in :meth:`rows_count`)."""
        self.unlisted.append((sheet if sheet is not None else self.sheet, [_plain(r) for r in rows]))

    def extend(self, other: "IssueLog") -> None:
        self.records.extend(other.records)
        self.unlisted.extend(other.unlisted)

    def rows_count(self) -> int:
        """How many distinct rows have a finding: a row with two problems (a date and an amount, a date written
        as text on a cancellation) is one row; the rows of "N more rows" records count too."""
        seen = {(r.sheet, r.row) for r in self.records if r.row not in ("", None)}
        for sheet, rows in self.unlisted:
            seen.update((sheet, r) for r in rows)
        return len(seen)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.records], columns=ISSUE_COLUMNS)


def _plain(value):
    """numpy scalars and Timestamps as plain Python values (stable in messages and cells)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


# ------------------------------------------------------------------ grouped findings
GROUP_COLUMNS = ["sheet", "column", "problem", "count", "rows", "values", "action"]
FIRST_ROWS = 10  # row numbers listed per kind of problem
FIRST_VALUES = 3
_MORE = re.compile(r"(?:same for (\d+) more rows|^(\d+) more rows with the same problem)")


def _more(problem: str, action: str) -> int | None:
    """How many rows a "... more rows (not listed)" record stands for, or None for an ordinary record."""
    for text in (action, problem):
        m = _MORE.search(str(text))
        if m:
            return int(m.group(1) or m.group(2))
    return None


def group(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of problem: (sheet, column, problem) with how many rows, the first rows and values.

    ``frame`` is :meth:`IssueLog.to_frame`'s. The records that stand for "N more
    rows (not listed)" add N to their kind's count. ``action`` is the action of
    the kind's first record (``read as ...`` actions name the first value).
    Kinds keep the order in which they were first found.
    """
    kinds: dict[tuple, dict] = {}
    for sheet, row, column, value, problem, action in frame[ISSUE_COLUMNS].itertuples(index=False):
        more = _more(problem, action) if row in ("", None) else None
        if more is not None and " more rows with the same problem" in str(problem):
            key = next((k for k in reversed(list(kinds)) if k[0] == sheet and k[1] == column), None)
            key = key or (sheet, column, str(problem))
        else:
            key = (sheet, column, str(problem))
        k = kinds.setdefault(key, {"count": 0, "rows": [], "values": [], "action": None})
        if more is not None:
            k["count"] += more
            continue
        k["count"] += 1
        if len(k["rows"]) < FIRST_ROWS and row not in ("", None):
            k["rows"].append(row)
        if value is not None and value != "" and value not in k["values"] and len(k["values"]) < FIRST_VALUES:
            k["values"].append(value)
        if k["action"] is None:
            k["action"] = action
        elif action != k["action"] and not k.get("varies"):
            k["varies"] = True
    out = []
    for (sheet, column, problem), k in kinds.items():
        rows = ", ".join(str(r) for r in k["rows"]) + (", …" if k["count"] > len(k["rows"]) and k["rows"] else "")
        values = ", ".join(str(v) for v in k["values"])
        action = f"first row: {k['action']}" if k.get("varies") else k["action"]
        out.append((sheet, column, problem, k["count"], rows, values, action))
    return pd.DataFrame(out, columns=GROUP_COLUMNS)

"""Data-quality findings: one record per problem, nothing dropped silently.

A record names the sheet, the row (the sheet's row number when the frame came
from a workbook: readers set the frame index to the sheet row), the column, the
offending value, the problem and what xlseg did about it.
"""

from __future__ import annotations

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
                break
            self.add(row, column, value, problem, action, sheet=sheet)

    def extend(self, other: "IssueLog") -> None:
        self.records.extend(other.records)

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

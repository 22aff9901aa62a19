"""The worksheet functions' cache: a classified table kept by its values and arguments (least recently used out)."""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlseg.core.clean import normalise_ids
from xlseg.core.issues import IssueLog
from xlseg.udfs.args import ERROR, TABLE, _grid
from xlseg.plan.build import values

CACHE_SIZE = 4


def _key(rows):
    """The cache key of a 2-D list: its values as nested tuples, with TRUE, 1 and 1.0 kept apart (Python's
    True == 1 == 1.0 would let a table of flags share a classification with one of numbers).
    One pass over the cells to list their types, one to build the tuples; no copy of the values."""
    if rows is None:
        return None
    types = set(map(type, itertools.chain.from_iterable(rows)))
    if bool in types or int in types:  # Excel sends numbers as floats: ints come from Python callers only
        return tuple(tuple((type(v).__name__, v) if type(v) in (bool, int) else v for v in r)  # noqa: E721
                     for r in rows)
    return tuple(map(tuple, rows))


@dataclass
class Classified:
    """One classified table: per-row values (what Reclassify writes) and values by customer id."""

    by_id: pd.DataFrame  # index customer_id, columns: output keys
    row_ids: np.ndarray  # customer id per table row below the header (None for blank/totals rows)
    notes: list = field(default_factory=list)  # the engine's remarks (features skipped for a missing column)
    _columns: dict = field(default_factory=dict)

    def column(self, key: str) -> list:
        """[[v], [v], ...]: one value per table row; blank -> ""."""
        if key not in self._columns:
            rows = values(self.by_id[[key]].reindex(self.row_ids))  # exactly what Reclassify writes
            for r in rows:
                if r[0] is None:
                    r[0] = ""
            self._columns[key] = rows
        return self._columns[key]

    def lookup(self, key: str, customer):
        """The value of each id in ``customer`` (same shape; one id -> one value)."""
        sel = _grid(customer, "customer")
        flat = [v for row in sel for v in row]
        ids = normalise_ids(pd.Series(flat, dtype=object), column="customer", log=IssueLog(sheet=TABLE))
        col = self.by_id[[key]]
        known = pd.Index(col.index)
        found = [i for i in dict.fromkeys(ids) if i is not None and i in known]
        plain = dict(zip(found, (_cell(r[0]) for r in values(col.loc[found])))) if found else {}
        out = ["" if i is None else plain[i] if i in plain else f"{ERROR}no customer '{raw}' in the table"
               for i, raw in zip(ids, flat)]
        if len(out) == 1:
            return out[0]
        width = len(sel[0])
        return [out[r * width:(r + 1) * width] for r in range(len(sel))]


def _cell(v):
    return "" if v is None else v


_lock = threading.Lock()


_cache: OrderedDict = OrderedDict()


def clear_cache() -> None:
    """Forget every classified table (tests; a new xlseg version)."""
    with _lock:
        _cache.clear()

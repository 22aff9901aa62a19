"""Tag flags as one text column and as a long table (one row per customer and tag)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


def tags_column(flags: pd.DataFrame, sep: str = "; ") -> pd.Series:
    """The tag names of each row joined with ``sep`` ("" when none), as an object Series.

    Each row's flags become an integer bitmask; the text is built once per
    distinct mask and spread back, so the cost is one pass over the rows.
    """
    names = [str(c) for c in flags.columns]
    n = len(flags)
    if not names or n == 0:
        return pd.Series([""] * n, index=flags.index, dtype=object)
    if len(names) <= 63:
        mask = np.zeros(n, dtype=np.int64)
        for j in range(len(names)):
            mask |= flags.iloc[:, j].to_numpy(dtype=bool).astype(np.int64) << j
        codes, masks = pd.factorize(mask)
        texts = [sep.join(name for j, name in enumerate(names) if (int(m) >> j) & 1) for m in masks]
    else:  # more tags than bits in an int64: distinct rows of the flag matrix
        masks, codes = np.unique(flags.to_numpy(dtype=bool), axis=0, return_inverse=True)
        texts = [sep.join(name for name, on in zip(names, row) if on) for row in masks]
    out = np.array(texts, dtype=object)[np.asarray(codes).reshape(-1)]
    return pd.Series(out, index=flags.index, dtype=object)


def tags_long(flags: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """One row per customer x tag: columns ``customer_id, tag``, in customer order then tag order.

    ``ids`` holds one customer id per row of ``flags``, in the same order.
    """
    if len(ids) != len(flags):
        raise ValueError(f"tags_long: {len(ids)} ids for {len(flags)} rows of flags")
    rows, cols = np.nonzero(flags.to_numpy(dtype=bool))
    names = np.array([str(c) for c in flags.columns], dtype=object)
    ids = pd.Series(ids)
    return pd.DataFrame({
        "customer_id": pd.Series(ids.array.take(rows)),  # a take keeps the dtype, no string re-checked
        "tag": pd.Series(names[cols], dtype=object),
    })

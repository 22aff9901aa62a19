"""A customer sheet recognised and cleaned: one row per customer, canonical columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core import clean, columns
from xlseg.core.config import Config
from xlseg.core.input_rows import (
    DATE_FIELDS,
    NUMBER_FIELDS,
    TEXT_FIELDS,
    _mapping,
    _rows_with_ids,
    _say_date_order,
    _string_headers,
    _text_without_errors,
)
from xlseg.core.issues import IssueLog
from xlseg.errors import InputError


def prepare_customers(df: pd.DataFrame, cfg: Config, log: IssueLog, sheet: str, understood: list | None = None):
    """Recognise and clean a customer sheet.

    Returns (frame with canonical columns, field -> header, whether every customer id is distinct).
    Text attribute columns whose values repeat come back as Categoricals (see ``_plain``).
    Error cells (``#N/A`` ...) count as blank, one record each. ``understood`` (a list) receives
    what was made of the sheet, in words.
    """
    chosen: list[str] = []
    cols = columns.recognise([str(c) for c in df.columns], cfg.columns, kind="customers", sheet=sheet,
                             chosen=chosen)
    df = _string_headers(df)
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has headers but no customer rows. Add customers below the header row.")
    df, ids, distinct = _rows_with_ids(df, cols["customer_id"], log, sheet, name_column=cols.get("name"))
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has no usable customer rows (every row is blank, a totals row "
                         f"or has no '{cols['customer_id']}'). Add customers below the header row.")
    work = pd.DataFrame(index=df.index)
    work["source_row"] = df.index.to_numpy()
    work["customer_id"] = ids
    for fld, header in cols.items():
        if fld == "customer_id":
            continue
        if fld in TEXT_FIELDS:
            work[fld] = _text_without_errors(df[header], header, log)
            continue
        s = clean.blank_error_cells(df[header], column=header, log=log)
        if fld in DATE_FIELDS:
            dates = clean.parse_dates(s, column=header, log=log, day_first=cfg.day_first)
            _say_date_order(dates, header, sheet, understood)
            work[fld] = dates
        elif fld in ("orders", "recency_days"):
            work[fld] = clean.parse_counts(s, column=header, log=log)
        elif fld in NUMBER_FIELDS:
            work[fld] = clean.parse_amounts(s, column=header, log=log)
    unique = distinct == len(work)  # the usual case, known without hashing a million ids again
    # (distinct also counts ids on rows dropped above: then duplicated() below decides)
    dup = np.zeros(len(work), dtype=bool) if unique else work["customer_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        first_row = work.drop_duplicates("customer_id").set_index("customer_id")["source_row"]
        for row, cid in zip(work.index[dup], work.loc[dup, "customer_id"]):
            log.add(row, cols["customer_id"], cid, f"duplicate customer id (first on row {first_row[cid]})",
                    f"classified once, from row {first_row[cid]}; this row gets the same result")
    # The user's other columns ride along under their own headers (tag fields).
    used = set(cols.values())
    for header in df.columns:
        if header not in used and header not in work.columns:
            work[header] = df[header].to_numpy()
    if understood is not None:
        understood.append(f"Sheet '{sheet}' holds customers: {_mapping(cols)}.")
        understood.extend(chosen)
    return work, cols, unique


def _recency_days(base: pd.DataFrame, cols: dict, explicit, today, understood: list, sheet: str) -> pd.DataFrame:
    """A recency-in-days column fills the last purchase: as_of - recency (as_of: Settings, else today)."""
    if base is None or "recency_days" not in base:
        return base
    as_of = explicit if explicit is not None else today
    days = base["recency_days"].to_numpy(dtype="float64")
    derived = (as_of - pd.to_timedelta(days, unit="D")).to_numpy().astype("datetime64[ns]")
    base = base.copy()
    if "last_purchase" in base:
        have = base["last_purchase"].notna().to_numpy()
        base["last_purchase"] = np.where(have, base["last_purchase"].to_numpy(), derived)
        how = f"where '{cols['last_purchase']}' is blank"
    else:
        base["last_purchase"] = derived
        how = "for every customer"
    cols["last_purchase"] = cols.get("last_purchase", cols["recency_days"])
    understood.append(f"Recency in days from '{cols['recency_days']}' on sheet '{sheet}': last purchase = as_of - "
                      f"recency ({how}), as_of {as_of.date().isoformat()}.")
    return base

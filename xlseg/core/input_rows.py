"""What both input sheets share: the recognised fields, the ids normalised, the rows that are no customers dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core import clean
from xlseg.core.issues import IssueLog

DATE_FIELDS = ("first_purchase", "last_purchase")
NUMBER_FIELDS = ("monetary", "interactions", "satisfaction")
TEXT_FIELDS = ("name", "customer_type", "source", "region", "country", "city", "industry", "company_size")


def _text_without_errors(s: pd.Series, header: str, log: IssueLog) -> pd.Series:
    """A text attribute cleaned (a Categorical when it repeats), error cells blank with a record each.

    A repeating column is checked on its few distinct values only; the cells are looked at
    one by one only when an error text is among them, or when the column is mostly distinct.
    """
    parsed = clean.parse_text(s, categorical=True)
    if isinstance(parsed.dtype, pd.CategoricalDtype):
        cats = pd.Series(np.asarray(parsed.cat.categories, dtype=object), dtype=object)
        if not clean.error_cells(cats).any():
            return parsed
    cleaned = clean.blank_error_cells(s, column=header, log=log)
    return parsed if cleaned is s else clean.parse_text(cleaned, categorical=True)


def _say_date_order(dates: pd.Series, header: str, sheet: str, understood: list | None) -> None:
    order = dates.attrs.get("date_order")
    if order and understood is not None:
        understood.append(f"Sheet '{sheet}' column '{header}': {order}")


def _mapping(cols: dict) -> str:
    return ", ".join(f"'{h}' -> {f}" for f, h in cols.items())


def _quoted(items: list) -> str:
    return " and ".join(f"'{h}'" for h in items) + (" are" if len(items) > 1 else " is")


def _rows_with_ids(df: pd.DataFrame, id_header, log: IssueLog, sheet: str, name_column=None, limit=None):
    """The id column normalised once, and the rows that are not customers (order lines) dropped.

    Returns (the rows kept, their ids, the number of distinct ids before the drop).
    Blank and totals ids are judged on the normalised ids (each distinct id once), so
    a cell that normalises to no id (blank, a number that is not finite) is reported.
    """
    id_log = IssueLog(sheet=sheet)
    ids, codes, texts = clean.normalise_ids(df[id_header], column=id_header, log=id_log, codes=True)
    # A date, TRUE/FALSE or an error cell (#N/A) is no customer id: such rows are skipped as id-less.
    if codes is None:  # numbers, dates or booleans among the ids: judge each cell, then code the ids here
        problems = clean.not_an_id(df[id_header].to_numpy(dtype=object))
        codes, texts = pd.factorize(ids.to_numpy(dtype=object))
    else:  # text ids only: only an error cell can be wrong, judged once per distinct id
        problems = None
        errors = clean.error_cells(pd.Series(np.asarray(texts, dtype=object), dtype=object))
        if errors.any():
            words = np.append(np.where(errors, [f"error value {t}" for t in texts], None), None)
            problems = words[codes]
    bad = pd.notna(problems) if problems is not None else np.zeros(len(ids), dtype=bool)
    if bad.any():
        codes = np.where(bad, -1, codes)
        ids = ids.where(~bad, None)
    drop = clean.rows_to_drop(df, id_column=id_header, log=log, sheet=sheet, name_column=name_column,
                              ids=(codes, np.asarray(texts, dtype=object)), id_problems=problems, limit=limit)
    log.extend(id_log)  # after the skipped rows' records, as when ids were normalised after the drop
    distinct = len(texts)
    if drop.any():
        df, ids = df[~drop], ids[~drop]
        kept = np.asarray(codes)[~drop]
        # distinct ids among the rows kept (a dropped totals row's id would otherwise hide a duplicate)
        distinct = int(np.count_nonzero(np.bincount(kept[kept >= 0]))) if len(kept) else 0
    return df, ids, distinct


def _string_headers(df: pd.DataFrame) -> pd.DataFrame:
    if all(isinstance(c, str) for c in df.columns):
        return df
    return df.rename(columns={c: str(c) for c in df.columns})

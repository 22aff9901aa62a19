"""A transaction sheet recognised and cleaned: order lines, amounts, refunds, attributes from the lines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core import clean, columns
from xlseg.core.config import Config
from xlseg.core.input_rows import TEXT_FIELDS, _mapping, _quoted, _rows_with_ids, _say_date_order, _string_headers
from xlseg.core.issues import IssueLog
from xlseg.errors import InputError


def prepare_transactions(df: pd.DataFrame, cfg: Config, log: IssueLog, sheet: str, understood: list | None = None):
    """Recognise and clean a transaction sheet (one row per order line).

    Returns (lines with ``customer_id``, ``date``, ``amount`` and maybe ``order_id``; field -> header;
    the per-customer attributes found on the lines, or None). Without an amount column the amount
    is quantity x unit price. Cancellations (negative quantities, and invoice ids such as
    ``C536379`` among plain numeric ones) are refunds: negative amounts, never purchases.
    """
    say = understood.append if understood is not None else (lambda _text: None)
    chosen: list[str] = []
    cols = columns.recognise([str(c) for c in df.columns], cfg.columns, kind="transactions", sheet=sheet,
                             chosen=chosen)
    df = _string_headers(df)
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has headers but no transaction rows. Add orders below the header row.")
    say(f"Sheet '{sheet}' holds order lines: {_mapping(cols)}.")
    for text in chosen:
        say(text)
    df, ids, _distinct = _rows_with_ids(df, cols["customer_id"], log, sheet, limit=clean.ISSUE_LIMIT)
    tx = pd.DataFrame(index=df.index)
    tx["customer_id"] = ids
    date_cells = clean.blank_error_cells(df[cols["date"]], column=cols["date"], log=log, required=True)
    dates = clean.parse_dates(date_cells, column=cols["date"], log=log, day_first=cfg.day_first, required=True)
    _say_date_order(dates, cols["date"], sheet, understood)
    tx["date"] = dates

    parsed = [dates]  # each field's cells that failed (blank, error, unreadable): one record each

    def number(fld):
        cells = clean.blank_error_cells(df[cols[fld]], column=cols[fld], log=log, required=True)
        parsed.append(clean.parse_amounts(cells, column=cols[fld], log=log, required=True))
        return parsed[-1]

    if "amount" in cols:
        tx["amount"] = number("amount")
        if "quantity" in cols or "unit_price" in cols:
            unused = [cols[f] for f in ("quantity", "unit_price") if f in cols]
            say(f"Sheet '{sheet}': the amount is '{cols['amount']}'; {_quoted(unused)} not used for it.")
    elif "quantity" in cols:
        # Rounded to cents-and-more so 3 x 0.1 is 0.3, as a spreadsheet shows it.
        tx["amount"] = (number("quantity") * number("unit_price")).round(6)
        say(f"Sheet '{sheet}' has no amount column: amount = '{cols['quantity']}' x '{cols['unit_price']}' "
            "on every line.")
    else:
        tx["amount"] = number("unit_price")
        say(f"Sheet '{sheet}' has no amount or quantity column: amount = '{cols['unit_price']}' (one unit a line).")
    cancelled = np.zeros(len(tx), dtype=bool)
    if "order_id" in cols:
        tx["order_id"] = clean.normalise_ids(df[cols["order_id"]], column=cols["order_id"], log=log)
        cancelled = _cancellations(tx, cols, log, say)
    tx["_cancelled"] = cancelled
    ok = tx["date"].notna() & tx["amount"].notna()  # (every row left has a customer id)
    # a line skipped for two reasons (a date and an amount shifted by a missing comma) has a record for each:
    # the rows sentence counts it once
    twice = sum(int(p.isna().sum()) for p in parsed) - int((~ok).sum())
    if not ok.all():
        tx = tx[ok]
    if len(tx) == 0:
        amount = (f"'{cols['amount']}'" if "amount" in cols
                  else " x ".join(f"'{cols[f]}'" for f in ("quantity", "unit_price") if f in cols))
        raise InputError(f"Sheet '{sheet}' has no usable transaction rows: each needs a customer id, a date "
                         f"and an amount ('{cols['customer_id']}', '{cols['date']}', {amount}). "
                         "Fix the rows (the first problems: "
                         + "; ".join(f"row {r.row} '{r.column}': {r.problem}" for r in list(log)[:3]) + ").")
    neg = (tx["amount"] < 0) & ~tx.pop("_cancelled")  # a cancellation has its own record
    if neg.any():
        log.add_many(list(tx.index[neg]), cols.get("amount", cols.get("quantity", "")), list(tx.loc[neg, "amount"]),
                     "negative amount",
                     "counted as a refund: netted out of the customer's spend, not counted as a purchase",
                     limit=clean.ISSUE_LIMIT)
    tx.attrs["rows_counted_twice"] = twice
    return tx, cols, _line_attributes(df.loc[tx.index], tx, cols)


def _cancellations(tx: pd.DataFrame, cols: dict, log: IssueLog, say) -> np.ndarray:
    """Lines whose order id is a plain number with a leading C (``C536379``) among plain numeric ids
    are cancellations: their amount becomes negative (a refund). Changes ``tx`` in place; returns
    which lines are cancellations."""
    codes, uniques = pd.factorize(tx["order_id"])
    none = np.zeros(len(tx), dtype=bool)
    if not len(uniques):
        return none
    texts = pd.Series(uniques, dtype=object).astype(str)
    is_c = texts.str.fullmatch(r"[Cc][0-9]+").to_numpy(dtype=bool)
    if not is_c.any() or not texts.str.fullmatch(r"[0-9]+").any():
        return none
    cancel = np.append(is_c, False)[codes]
    flip = cancel & (tx["amount"] > 0).to_numpy()
    if flip.any():
        tx.loc[flip, "amount"] = -tx.loc[flip, "amount"]
    n = int(cancel.sum())
    log.add_many(list(tx.index[cancel]), cols["order_id"], list(tx.loc[cancel, "order_id"]),
                 "cancellation (order id starting with C)",
                 "counted as a refund: netted out of the customer's spend, not counted as a purchase",
                 limit=clean.ISSUE_LIMIT)
    say(f"{n:,} lines with order ids such as '{tx.loc[cancel, 'order_id'].iloc[0]}' are cancellations: refunds "
        "that net out, never purchases.")
    return cancel


def _line_attributes(df: pd.DataFrame, tx: pd.DataFrame, cols: dict) -> pd.DataFrame | None:
    """Per customer, the attributes on its order lines: the value on its latest line that has one.

    Recognised fields (country, region, city, customer type, source, industry, company size, name)
    always; the other text columns only when each customer has at most one value in them (a
    customer-level column such as Superstore's Segment, not a product or a ship mode). Returns a
    frame indexed by customer id (columns: field names, then the user's headers), or None.
    """
    fields = [f for f in TEXT_FIELDS if f in cols]
    used = set(cols.values())
    plain = [h for h in df.columns if h not in used and (pd.api.types.is_object_dtype(df[h].dtype)
                                                         or pd.api.types.is_string_dtype(df[h].dtype))]
    if not (fields or plain) or len(tx) == 0:
        return None
    code = pd.factorize(tx["customer_id"])[0]
    data = {}
    for fld in fields:
        data[fld] = clean.parse_text(df[cols[fld]]).to_numpy(dtype=object)
    for header in plain:
        values = clean.parse_text(df[header]).to_numpy(dtype=object)
        if clean.error_cells(pd.Series(values, dtype=object)).any():
            continue
        per = pd.Series(values, dtype=object).groupby(code).nunique(dropna=True)
        if len(per) and per.max() == 1 and per.sum() > 0:
            data[header] = values
    if not data:
        return None
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(tx)))
    frame["customer_id"] = tx["customer_id"].to_numpy()
    order = np.argsort(tx["date"].to_numpy(), kind="stable")
    last = frame.iloc[order].groupby("customer_id", sort=False).last()  # last non-blank value per column
    return last.reindex(pd.unique(tx["customer_id"]))  # customers in the order they first appear


def _customers_from_lines(attrs: pd.DataFrame, tx_cols: dict, sheet: str | None, understood: list):
    """A customer table (canonical columns) made from the attributes on the order lines (of ``sheet``, or of
    the order files an engine aggregated when None)."""
    base = attrs.reset_index()
    base.insert(0, "source_row", pd.array([pd.NA] * len(base), dtype="Int64"))
    fields = [c for c in base.columns if c in TEXT_FIELDS]
    plain = [c for c in base.columns if c not in TEXT_FIELDS and c not in ("customer_id", "source_row")]
    names = [f"'{tx_cols[f]}'" for f in fields if f != "name"] + [f"'{h}'" for h in plain]
    if names:
        where = "in the order files" if sheet is None else f"on sheet '{sheet}'"
        understood.append(f"Customer attributes from the order lines {where} ({', '.join(names)}): "
                          "each customer's value is the one on its latest line that has one.")
    return base, [c for c in base.columns if c not in ("customer_id", "source_row", "name")]


def transactions_first_rows(tx: pd.DataFrame, ids) -> list:
    """The sheet row of each id's first line in ``tx``."""
    first_rows = tx.reset_index().drop_duplicates("customer_id").set_index("customer_id")
    return first_rows.loc[ids].iloc[:, 0].tolist()

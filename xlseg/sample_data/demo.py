"""The demo's customer and order-line frames, and messy copies with planted problems."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd

from xlseg.sample_data.model import (
    CUSTOMER_COLUMNS,
    DEFAULT_AS_OF,
    DEMO_MIX,
    PROSPECT,
    TRANSACTION_COLUMNS,
    _allocate,
    _as_date,
    _check_lang,
    _simulate,
)
from xlseg.sample_data.people import (
    _company_names,
    _dates,
    _geography,
    _ids,
    _norm_w,
    _person_names,
    _satisfaction,
    _word,
)
from xlseg.sample_data.vocab import (
    COUNTRIES,
    DEMO_COUNTRIES,
    INDUSTRIES,
    MANAGERS,
    REGIONS,
    SIZE_BANDS,
    SIZE_WEIGHTS,
    SOURCES,
    TYPES,
)


# ------------------------------------------------------------------ public API
def demo_frames(n_customers: int = 2000, seed: int = 7, lang: str = "en",
                as_of: dt.date = DEFAULT_AS_OF) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customers, transactions) as a user's workbook would hold them.

    customers: one row per customer, headers :data:`CUSTOMER_COLUMNS` [lang];
    transactions: one row per order line, headers :data:`TRANSACTION_COLUMNS` [lang],
    two years ending at ``as_of``, sorted by date. About 8 % of customers are
    prospects (no transactions). A refund is a negative line with the Order ID of
    an earlier purchase.
    """
    li = _check_lang(lang)
    as_of = _as_date(as_of)
    n = int(n_customers)
    if n < 1:
        raise ValueError("n_customers must be at least 1.")
    rng = np.random.default_rng(seed)

    is_ent = rng.random(n) < 0.30
    arch = _allocate(rng, n, DEMO_MIX)
    sim = _simulate(rng, arch, is_ent)

    country, region, city_en, city_zh, culture = _geography(rng, n, DEMO_COUNTRIES)
    industry = rng.choice(len(INDUSTRIES), n, p=_norm_w([r[2] for r in INDUSTRIES]))
    names = _person_names(rng, culture, lang)
    ent = np.flatnonzero(is_ent)
    names[ent] = _company_names(rng, country[ent], city_en[ent], city_zh[ent], industry[ent], lang)

    ind_word = np.array([r[li] for r in INDUSTRIES], dtype=object)[industry]
    ind_word[~is_ent] = None
    # bigger companies for bigger spenders: band from a noisy rank of the spend
    latent = np.log1p(np.maximum(sim.monetary, 0.0)) + rng.normal(0.0, 2.0, n)
    latent[~is_ent] = np.inf  # rank enterprises only
    q = (np.argsort(np.argsort(latent, kind="stable"), kind="stable") + 0.5) / max(int(is_ent.sum()), 1)
    size = np.array(SIZE_BANDS, dtype=object)[np.searchsorted(np.cumsum(SIZE_WEIGHTS)[:3], q, side="right")]
    size[~is_ent] = None
    manager = np.array([m[li] for m in MANAGERS], dtype=object)[rng.integers(0, len(MANAGERS), n)]
    manager[~is_ent] = None

    online = rng.random(n) < np.where(is_ent, 0.35, 0.62)
    interactions = rng.poisson(1.0 + 0.8 * sim.orders * np.where(is_ent, 1.5, 1.0) + 1.5 * (arch == PROSPECT))

    cols = CUSTOMER_COLUMNS[lang]
    customers = pd.DataFrame({
        cols[0]: _ids("C", n),
        cols[1]: names,
        cols[2]: _word(TYPES, np.where(is_ent, "enterprise", "individual"), lang),
        cols[3]: _word(SOURCES, np.where(online, "online", "offline"), lang),
        cols[4]: _word(REGIONS, region, lang),
        cols[5]: _word({k: v[:2] for k, v in COUNTRIES.items()}, country, lang),
        cols[6]: city_zh if lang == "zh" else city_en,
        cols[7]: ind_word,
        cols[8]: size,
        cols[9]: _satisfaction(rng, arch),
        cols[10]: interactions.astype(np.int64),
        cols[11]: manager,
    })
    customers = _tidy_text(customers)

    tcols = TRANSACTION_COLUMNS[lang]
    ids = customers[cols[0]].to_numpy(dtype=object)
    transactions = pd.DataFrame({
        tcols[0]: ids[sim.row_cust],
        tcols[1]: _ids("SO", int(sim.row_order.max()) if len(sim.row_order) else 0, 6)[sim.row_order - 1],
        tcols[2]: _dates(as_of, sim.row_ago),
        tcols[3]: sim.row_amount,
    })
    transactions = _tidy_text(transactions)
    return customers, transactions


def _tidy_text(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns of strings become pandas' default string dtype (blank = missing)."""
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("str")
    return df


# ------------------------------------------------------------------ messy copies
MESSY_KINDS = ("amount_text", "date_text", "bad_date", "duplicate_customer", "blank_row", "id_spaces",
               "total_row")


class Planted(NamedTuple):
    """One planted problem. ``index`` is the 0-based position in the returned frame;
    ``row`` the sheet row once written by :func:`write_input_workbook` (header in row 1)."""

    kind: str
    sheet: str
    index: int
    row: int
    column: str | None
    value: object


def messy(customers: pd.DataFrame, transactions: pd.DataFrame, seed: int = 3, *,
          kinds: Iterable[str] | None = None, customer_sheet: str = "Customers",
          transaction_sheet: str = "Transactions") -> tuple[pd.DataFrame, pd.DataFrame, list[Planted]]:
    """Copies of the demo frames with a few realistic data-entry problems planted.

    Kinds (default all, see :data:`MESSY_KINDS`): an amount typed as text
    (``'¥1,234.50'``), a date typed as text (``'2025/3/5'``), an unparseable date
    (``'sometime'``), a duplicated customer row, a blank customer row, an id with
    surrounding spaces (``' C00012 '``) and a ``Total`` row at the end of the
    transactions. Returns (customers, transactions, planted); the inputs are not
    changed.
    """
    kinds = list(MESSY_KINDS if kinds is None else kinds)
    unknown = sorted(set(kinds) - set(MESSY_KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; use {', '.join(MESSY_KINDS)}.")
    rng = np.random.default_rng(seed)
    cu = customers.copy().reset_index(drop=True)
    tr = transactions.copy().reset_index(drop=True)
    c_id = cu.columns[0]
    t_id, _, t_date, t_amount = tr.columns[:4]
    int_cols = [c for c in cu.columns if pd.api.types.is_integer_dtype(cu[c].dtype)]
    marks: list[tuple[str, str, object, str, object]] = []  # (kind, frame, marker, column, value)

    # transactions: choose distinct purchase rows (positive amounts, orders without refunds)
    amounts = pd.to_numeric(tr[t_amount], errors="coerce").to_numpy(dtype=float)
    total = round(float(np.nansum(amounts)), 2)
    refunded = tr.iloc[:, 1][amounts < 0].unique() if tr.shape[1] > 1 else []
    plain = np.flatnonzero((amounts > 0) & ~tr.iloc[:, 1].isin(refunded).to_numpy())
    picks = iter(rng.permutation(plain)) if len(plain) else iter(())
    tr["__pos"] = np.arange(len(tr))
    if any(k in kinds for k in ("amount_text", "date_text", "bad_date")):
        tr[t_amount] = tr[t_amount].astype(object)
        tr[t_date] = tr[t_date].astype(object)
    if "amount_text" in kinds:
        big = [i for i in plain if amounts[i] >= 1000]
        i = int(rng.choice(big)) if big else int(next(picks))
        text = f"¥{amounts[i]:,.2f}"
        tr.at[i, t_amount] = text
        marks.append(("amount_text", "t", i, t_amount, text))
    used = {m[2] for m in marks}
    for kind in ("date_text", "bad_date"):
        if kind not in kinds:
            continue
        i = next(int(j) for j in picks if int(j) not in used)
        used.add(i)
        if kind == "date_text":
            d = pd.Timestamp(tr.at[i, t_date])
            text = f"{d.year}/{d.month}/{d.day}"
        else:
            text = "sometime"
        tr.at[i, t_date] = text
        marks.append((kind, "t", i, t_date, text))
    if "total_row" in kinds:
        row = {c: None for c in tr.columns}
        row[t_id] = "Total"
        row[t_amount] = total
        row["__pos"] = -1
        tr = pd.concat([tr, pd.DataFrame([row])], ignore_index=True)
        marks.append(("total_row", "t", -1, t_id, "Total"))

    # customers
    cu["__pos"] = np.arange(len(cu), dtype=np.int64)
    cu[c_id] = cu[c_id].astype(object)
    if "id_spaces" in kinds:
        i = min(11, len(cu) - 1)
        text = f" {cu.at[i, c_id]} "
        cu.at[i, c_id] = text
        marks.append(("id_spaces", "c", i, c_id, text))
    if "duplicate_customer" in kinds:
        src = int(rng.integers(0, max(1, len(cu) // 2)))
        dup = cu.iloc[[src]].copy()
        dup["__pos"] = -2
        at = int(rng.integers(src + 1, len(cu) + 1))
        cu = pd.concat([cu.iloc[:at], dup, cu.iloc[at:]], ignore_index=True)
        marks.append(("duplicate_customer", "c", -2, c_id, dup.iat[0, 0]))
    if "blank_row" in kinds:
        at = int(rng.integers(len(cu) // 4, max(len(cu) // 4 + 1, 3 * len(cu) // 4)))
        blank = pd.DataFrame([{c: None for c in cu.columns}])
        blank["__pos"] = -3
        cu = pd.concat([cu.iloc[:at], blank, cu.iloc[at:]], ignore_index=True)
        marks.append(("blank_row", "c", -3, None, None))
    for c in customers.columns:  # concat with a blank row widens dtypes: restore them
        if cu[c].dtype == customers[c].dtype or (c == c_id and "id_spaces" in kinds):
            continue
        cu[c] = cu[c].astype("Int64" if c in int_cols else customers[c].dtype)

    planted = []
    for kind, frame, marker, column, value in marks:
        df, sheet = (tr, transaction_sheet) if frame == "t" else (cu, customer_sheet)
        pos = int(np.flatnonzero(df["__pos"].to_numpy() == marker)[0])
        planted.append(Planted(kind, sheet, pos, pos + 2, column, value))
    return cu.drop(columns="__pos"), tr.drop(columns="__pos"), planted



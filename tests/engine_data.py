"""Order logs for the engine tests: a randomised, messy one, and how to compare results with the pandas path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.config import Config
from xlseg.engines import orders
from xlseg.engines.duck import DuckEngine

# Columns every engine result is compared on (the pandas path's names).
COMPARED = ("recency", "frequency", "monetary", "avg_order_value", "first_purchase", "last_purchase", "mean_gap",
            "gap_before_last", "r_score", "f_score", "m_score", "rfm", "segment_key", "abc", "tier_key", "stage_key")


def messy_orders(seed: int = 3, n_lines: int = 2500, n_customers: int = 220,
                 line_breaks: bool = True) -> pd.DataFrame:
    """Order lines as a CSV export holds them (all text): refunds, same-day lines, order ids, blanks, messy ids.

    * ids: 'C0042' also typed ' C0042', 'C0042  ', full-width 'Ｃ００４２', with a tab or a final line
      break (``line_breaks``; Spark reads a CSV file line by line); numeric ids '1042'; 'C 0042' with a
      double inner space ('C  0042' is the same id); blank ids; a totals row;
    * dates: ISO text over two years, many customers with several lines on one day, some blank;
    * amounts: 2 decimals, ~10 % refunds (negative), some 0, some blank;
    * order ids: multi-line orders; ~25 % of lines without one (counted by day).
    """
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_customers, n_lines)
    ids = np.array([f"C{c:04d}" if c % 5 else str(1000 + c) for c in cust], dtype=object)
    form = rng.integers(0, 12, n_lines)
    full = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    for i in np.flatnonzero(form == 1):
        ids[i] = " " + ids[i]
    for i in np.flatnonzero(form == 2):
        ids[i] = ids[i] + "  "
    for i in np.flatnonzero(form == 3):
        ids[i] = ids[i].translate(full)
    for i in np.flatnonzero(form == 4):
        ids[i] = ids[i] + "\t"
    for i in np.flatnonzero((form == 7) & line_breaks):
        ids[i] = ids[i] + "\n"  # Spark's regex $ matches before a final line break: not a clean id
    for i in np.flatnonzero((form == 5) & (cust % 7 == 0)):
        ids[i] = ids[i][:1] + "  " + ids[i][1:]  # 'C  0042': one id with 'C 0042'
    for i in np.flatnonzero((form == 6) & (cust % 7 == 0)):
        ids[i] = ids[i][:1] + " " + ids[i][1:]
    ids[rng.random(n_lines) < 0.02] = ""
    start = np.datetime64("2023-01-01")
    # customers buy in bursts: a few favourite days each, so same-day lines are common
    day = (cust * 37 + rng.integers(0, 6, n_lines) * rng.integers(1, 140, n_lines)) % 730
    dates = np.array([str(start + int(d)) for d in day], dtype=object)
    dates[rng.random(n_lines) < 0.02] = ""
    amount = np.round(rng.gamma(2.0, 40.0, n_lines), 2)
    amount[rng.random(n_lines) < 0.10] *= -1
    amount[rng.random(n_lines) < 0.03] = 0.0
    amounts = np.array([f"{a:.2f}" for a in amount], dtype=object)
    amounts[rng.random(n_lines) < 0.02] = ""
    order = np.array([f"SO{(c * 13 + d) % 997:04d}-{d}" for c, d in zip(cust, day)], dtype=object)
    order[rng.random(n_lines) < 0.25] = ""
    # a customer-level attribute (the file path takes the latest line's value; same-day ties are not ordered)
    country = np.array(["China", "Japan", "France", ""], dtype=object)[(cust * 7) % 4]
    frame = pd.DataFrame({"Customer ID": ids, "Order Date": dates, "Amount": amounts, "Order ID": order,
                          "Country": country})
    total = pd.DataFrame([{"Customer ID": "Total", "Order Date": "", "Amount": f"{amount.sum():.2f}",
                           "Order ID": "", "Country": ""}])
    return pd.concat([frame, total], ignore_index=True)


def mismatches(expected: pd.DataFrame, got: pd.DataFrame, columns=COMPARED) -> dict:
    """Per column, the customers whose values differ (both frames indexed by customer id); {} when equal."""
    out = {}
    missing = expected.index.symmetric_difference(got.index)
    if len(missing):
        out["customer_id"] = list(missing[:10])
    for col in columns:
        a = expected[col]
        b = got[col].reindex(a.index)
        a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
        av = a.to_numpy(dtype=object)
        bv = b.to_numpy(dtype=object)
        same = a_na & b_na
        both = ~a_na & ~b_na
        same[both] = [x == y for x, y in zip(av[both], bv[both])]
        if not same.all():
            out[col] = [(i, av[k], bv[k]) for k, i in enumerate(a.index) if not same[k]][:5]
    return out


# Attribute columns of attribute_orders(): recognised (Country, Channel) and not (Sales Rep, 客户经理, Zip),
# under the names the results give them.
ATTRIBUTE_COLUMNS = ("country", "source", "Sales Rep", "客户经理", "Zip")


def attribute_orders(seed: int = 7, n_lines: int = 2500, n_customers: int = 220, line_breaks: bool = True):
    """``messy_orders`` (and half as many lines again, on days that have one) in a random order, with
    attributes that disagree between a customer's same-day lines.

    * Country and Channel (recognised: country, source) vary line by line, blank on some lines;
    * Sales Rep, 客户经理 and Zip (not recognised) are customer-level: one value per customer (blank on
      some lines, none for some customers), so both paths carry them;
    * Product varies line by line and Note holds a #N/A: neither is carried.
    """
    lines = messy_orders(seed=seed, n_lines=n_lines, n_customers=n_customers, line_breaks=line_breaks)
    rng = np.random.default_rng(seed + 1)
    # more lines on days that already have one (the same id as typed there), then every line in a random place
    again = lines.iloc[rng.choice(len(lines), len(lines) // 2)]
    lines = pd.concat([lines, again], ignore_index=True)
    lines = lines.iloc[rng.permutation(len(lines))].reset_index(drop=True)
    n = len(lines)
    key = lines["Customer ID"].str.replace(r"\s", "", regex=True).str.upper().map(
        lambda t: t.translate({c + 0xFEE0: c for c in range(0x21, 0x7F)}))
    cust = pd.factorize(key)[0]
    lines["Country"] = np.array(["China", "Japan", "France", " Peru ", ""], dtype=object)[rng.integers(0, 5, n)]
    lines["Channel"] = np.array(["Web", "Store", "Phone", ""], dtype=object)[rng.integers(0, 4, n)]
    reps = np.array(["Ann Lee", "Bob  Wu", "Chen Jie", "Dana"], dtype=object)
    rep = reps[cust % 4]
    rep[(cust % 9 == 0) | (rng.random(n) < 0.15)] = ""
    lines["Sales Rep"] = rep
    manager = np.array(["王伟", "李娜", "张敏"], dtype=object)[cust % 3]
    manager[rng.random(n) < 0.1] = ""
    lines["客户经理"] = manager
    lines["Zip"] = np.array([f"{(c * 7919) % 100000:05d}" for c in cust], dtype=object)
    lines["Product"] = np.array([f"SKU-{p}" for p in rng.integers(0, 40, n)], dtype=object)
    note = np.array(["ok"] * n, dtype=object)
    note[cust == cust[0]] = "#N/A"
    lines["Note"] = note
    return lines


def same_day_disagreements(lines: pd.DataFrame, expected: pd.DataFrame, column: str) -> int:
    """Customers whose latest dated lines with a ``column`` value hold two different values (ties to break)."""
    from xlseg.core import clean
    from xlseg.core.issues import IssueLog

    ids = expected.index
    normal = clean.normalise_ids(lines["Customer ID"], column="Customer ID", log=IssueLog(sheet="orders"))
    frame = pd.DataFrame({"id": normal,
                          "date": pd.to_datetime(lines["Order Date"], errors="coerce"),
                          "value": lines[column].str.strip().replace("", np.nan)})
    frame = frame.dropna()
    frame = frame[frame["id"].isin(ids)]
    latest = frame.groupby("id")["date"].transform("max")
    return int((frame[frame["date"] == latest].groupby("id")["value"].nunique() > 1).sum())


def sql_path(paths, cfg: Config) -> pd.DataFrame:
    """Aggregated and classified entirely in DuckDB (the cluster's way: no pandas core)."""
    engine = DuckEngine(progress=False)
    try:
        agg = orders.aggregate(engine, paths, cfg)
        return orders.typed(engine.frame(orders.classified_query(agg, cfg))).set_index("customer_id")
    finally:
        engine.close()

"""The hidden data sheet the portable formulas read: Python's cleaned values, per row, as live formulas.

Formulas alone cannot clean data the way Python does (ids typed with spaces,
in full width or in another case, numbers against text ids, dates and amounts
typed as text such as ``2024-03-05``, ``¥1,234.50`` or ``(30)``). So in
formulas mode xlseg writes a hidden sheet (``xlseg data``) that holds, for
every row Python used, the value Python understood, and the customer-sheet
formulas read their metrics from it:

* **Customers** (columns A-H, one row per customer-sheet row, same row
  number): the id and the metrics (frequency, purchase days, spend, last,
  first and the purchase day before the last).
* **Order lines** (columns J-Q, transactions only): the lines of each customer
  next to each other (sorted at write time by customer, then date), with the
  date and amount each line counts with, its purchase date (0 when it is not a
  purchase), its spend, and 1 on the first line of each purchase day / order.
  A customer's metrics are plain sums, maxima and counts over *its own rows*,
  so the work grows linearly with the lines (no COUNTIFS over the whole log).

Each date, amount and order-count cell is ``IF(cell = value as read, Python's
value, the cell as typed)``: while the user's cell holds what xlseg read, the
formula shows Python's reading of it; when the user types a new date or number
there, the formula follows at once. On a customer sheet without orders the
data sheet also has rows for duplicates, rows without an id and
:data:`SPARE_ROWS` rows below the table, so row formulas copied down to a new
customer work. Edits that need Reclassify: text typed into a date, amount or
count cell, changed customer or order ids, new or deleted order lines, new
customers when the metrics come from orders (the grouping of lines by customer
is fixed at write time), lines Python skipped (no usable date or amount).

Functions used: IF, IFERROR, ISNUMBER, INT, AND, SUM, MAX, SMALL, LARGE,
COUNTIF, COUNTIFS, ROUND (Excel 2007 and later, WPS, LibreOffice).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlseg.a1 import column_letter

from xlseg.core.engine import prepare_customers, prepare_transactions, resolve_as_of
from xlseg.core.issues import IssueLog
from xlseg.plan import palette
from xlseg.plan.write_plan import Block, Formula, SheetPlan, Style, excel_string, quote_sheet, ref

EPOCH = dt.datetime(1899, 12, 30)
# Customer region: A id | B frequency | C purchase days | D spend | E last | F first | G day before last
# | H orders as typed (customer-sheet mode) | I recency. Order lines: J id | K date | L amount | M order | N purchase
# date | O spend | P new purchase day | Q new order.
LIMIT_COL = 19  # S1:S2: the last date a line may have to count (as_of, or the run's today)
CUST_COLS = {"id": 1, "freq": 2, "days": 3, "money": 4, "last": 5, "first": 6, "prev": 7, "orders": 8, "rec": 9}
LINE_COLS = {"id": 10, "date": 11, "amount": 12, "order": 13, "buy": 14, "spend": 15, "day": 16, "new": 17}
HEAD = {
    "en": ("Customer ID", "Frequency", "Purchase days", "Spend", "Last purchase", "First purchase",
           "Purchase day before last", "Orders", "Recency", "Customer ID", "Date", "Amount", "Order", "Purchase date",
           "Spend", "New purchase day", "New order"),
    "zh": ("客户编号", "购买频次", "购买天数", "消费金额", "最近购买日期", "首次购买日期", "上次购买日期", "订单数",
           "间隔天数", "客户编号", "日期", "金额", "订单", "购买日期", "金额", "新购买日", "新订单"),
}
TITLES = ("xlseg data", "xlseg 数据")
# Customer-sheet mode: data rows below the table, so the row formulas copied down to new customers work.
SPARE_ROWS = 200


@dataclass
class Metrics:
    """Cell references (on the data sheet) of one customer's metrics, as the row formulas use them."""

    freq: str
    last: str
    has_last: str
    first: str
    has_first: str
    money: str
    has_money: str
    rec: str = ""  # recency in days (only meaningful when has_last)
    ndays: str | None = None
    prev: str | None = None


# ------------------------------------------------------------------ values as Excel sees them
def serial(value) -> float | None:
    """A date/datetime as an Excel serial (1900 system)."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400.0
    if isinstance(value, dt.date):
        return float((value - EPOCH.date()).days)
    return None


def _num(x: float) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)


def _as_number(raw) -> float | None:
    """What ISNUMBER sees in the cell holding ``raw``: its number, else None."""
    if isinstance(raw, (bool, np.bool_)) or raw is None:
        return None
    s = serial(raw)
    if s is not None:
        return s
    if isinstance(raw, (int, float, np.integer, np.floating)):
        x = float(raw)
        return x if math.isfinite(x) else None
    return None


def _literal(raw) -> str | None:
    """``raw`` as a formula literal to compare the cell with, or None when it cannot be written."""
    x = _as_number(raw)
    if x is not None:
        return _num(x)
    if isinstance(raw, (bool, np.bool_)):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, str) and len(raw) <= 255 and not raw.startswith("#"):
        return excel_string(raw)
    return None


def _clean_number(value, *, date: bool) -> float | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if date:
        return serial(pd.Timestamp(value).normalize())
    return float(value)


def live_cell(cell: str, raw, clean, *, date: bool) -> tuple:
    """(formula or plain value) for one cleaned cell: Python's value while the cell holds ``raw``, else the cell."""
    want = _clean_number(clean, date=date)
    typed = f'IF(ISNUMBER({cell}),{"INT(" + cell + ")" if date else cell},"")'
    got = _as_number(raw)  # what the typed formula shows for the cell as it is now
    if got is not None and date:
        got = float(math.floor(got))
    if got == want:
        return Formula("=" + typed)
    lit = _literal(raw)
    shown = '""' if want is None else _num(want)
    if lit is None:  # an error value or a long text: Python's value while the cell is not a number
        return Formula(f"=IF(ISNUMBER({cell}),{'INT(' + cell + ')' if date else cell},{shown})")
    return Formula(f"=IFERROR(IF({cell}={lit},{shown},{typed}),{shown})")


# ------------------------------------------------------------------ the sheet
def data_sheet(result, frames: tuple, layouts: tuple, title: str, replaces) -> tuple[SheetPlan, dict]:
    """The hidden data sheet and, per customer-sheet row, the :class:`Metrics` its formulas read."""
    cfg = result.config
    cust_frame, tx_frame = frames
    layout, tx_layout = layouts
    lang = cfg.lang
    sp = SheetPlan("data", title, replaces=replaces, hidden=True)
    q = quote_sheet(title)
    head = [h for h in HEAD[lang]]
    firsts = _first_rows(result)
    tx_mode = bool(result.transaction_columns) and tx_frame is not None
    cells = {}  # (row, col) -> value
    if tx_mode:
        metrics = _transactions(result, tx_frame, tx_layout, firsts, cells, q)
        head[CUST_COLS["orders"] - 1] = None
    else:
        metrics = _customer_sheet(result, cust_frame, layout, firsts, cells, q)
        head = head[:9]
    for row, cid in firsts.items():
        cells[(row, CUST_COLS["id"])] = cid
    rows = max((r for r, _ in cells), default=1)
    width = max([len(head)] + [c for _, c in cells])
    grid = [[None] * width for _ in range(rows)]
    grid[0][:len(head)] = head
    for (r, c), v in cells.items():
        grid[r - 1][c - 1] = v
    sp.blocks.append(Block(1, 1, grid))
    sp.styles.append(Style(ref(1, 1, 1, len(head)), bold=True, fill=palette.HEADER_FILL, color=palette.HEADER_TEXT,
                           wrap=True))
    if rows > 1:
        for key in ("last", "first", "prev"):
            c = CUST_COLS[key]
            sp.styles.append(Style(ref(2, c, rows, c), number_format="yyyy-mm-dd"))
        if tx_mode:
            for c in (LINE_COLS["date"], LINE_COLS["buy"], LIMIT_COL):
                sp.styles.append(Style(ref(2, c, rows, c), number_format="yyyy-mm-dd"))
    sp.widths = {column_letter(i + 1): 14 for i, h in enumerate(grid[0]) if h}
    sp.freeze = "A2"
    return sp, metrics


def _first_rows(result) -> dict:
    """Customer-sheet row -> id, for the first row of each id (later duplicates show that row's result)."""
    ids = result.row_ids
    out, seen = {}, set()
    for r, cid in ids.items():
        if cid is None or (not isinstance(cid, str) and pd.isna(cid)) or cid in seen:
            continue
        seen.add(cid)
        out[int(r)] = cid
    return out


def _col_letter(layout, frame, header) -> str:
    """The sheet column of ``header`` (a column of the frame ``read_table`` made from ``layout``)."""
    heads = list(layout.headers)
    pos = heads.index(header) if header in heads else list(frame.columns).index(header)
    return column_letter(layout.first_col + pos)


def _customer_sheet(result, frame, layout, firsts, cells, q) -> dict:
    """Customer-sheet mode: each row's last/first purchase, orders and spend as Python read them."""
    cfg = result.config
    cols = result.customer_columns
    work, _cols, _u = prepare_customers(frame, cfg, IssueLog(sheet=layout.sheet), layout.sheet)
    src = quote_sheet(layout.sheet)
    fields = {"last": ("last_purchase", True), "first": ("first_purchase", True), "orders": ("orders", False),
              "money": ("monetary", False)}
    out = {}
    C = {k: column_letter(v) for k, v in CUST_COLS.items()}
    for r in range(layout.header_row + 1, layout.last_row + SPARE_ROWS + 1):
        for key, (fld, is_date) in fields.items():
            if fld not in cols:
                continue
            cell = f"{src}!{_col_letter(layout, frame, cols[fld])}{r}"
            if r in firsts:
                raw = frame.at[r, cols[fld]]
                clean = work.at[r, fld] if r in work.index else None
                cells[(r, CUST_COLS[key])] = live_cell(cell, raw, clean, date=is_date)
            else:  # a duplicate, a row without an id or a spare row for new customers: the cell as typed
                cells[(r, CUST_COLS[key])] = live_cell(cell, None, None, date=is_date)
        last, orders = f"{C['last']}{r}", f"{C['orders']}{r}"
        cells[(r, CUST_COLS["freq"])] = Formula(f'=IF(ISNUMBER({orders}),{orders},IF(ISNUMBER({last}),1,0))')
        cells[(r, CUST_COLS["rec"])] = Formula(f'=IF(ISNUMBER({last}),MAX(0,xlseg_as_of-{last}),"")')
        if r not in firsts:
            continue
        # relative references: the row formulas copied down to a new customer read the next data row
        m = {k: f"{q}!{C[k]}{r}" for k in ("freq", "last", "first", "money", "rec")}
        out[r] = Metrics(freq=m["freq"], last=m["last"], has_last=f"ISNUMBER({m['last']})",
                         first=m["first"], has_first=f"ISNUMBER({m['first']})",
                         money=m["money"], has_money=f"ISNUMBER({m['money']})", rec=m["rec"])
    return out


def _transactions(result, frame, layout, firsts, cells, q) -> dict:
    """Transactions mode: every order line Python used, grouped by customer; per-customer sums over its rows."""
    cfg = result.config
    cols = result.transaction_columns
    tx, _cols, _attrs = prepare_transactions(frame, cfg, IssueLog(sheet=layout.sheet), layout.sheet)
    # Lines after as_of (without one: after the run's today) are not counted, as in the engine.
    limit = resolve_as_of(cfg.as_of, None)
    limit = (limit if limit is not None else pd.Timestamp(dt.date.today())).to_pydatetime()
    cells[(1, LIMIT_COL)] = "Lines counted until" if cfg.lang == "en" else "统计截至"
    cells[(2, LIMIT_COL)] = limit
    until = f"${column_letter(LIMIT_COL)}$2"
    src = quote_sheet(layout.sheet)
    date_col = _col_letter(layout, frame, cols["date"])
    # The amount follows the user's cell when it is one cell as typed; computed (quantity x unit price) or
    # turned into a refund (a cancellation), it is Python's value, refreshed by Reclassify.
    amount_col = _col_letter(layout, frame, cols["amount"]) if "amount" in cols else None
    use_orders = "order_id" in tx.columns and (cfg.frequency_basis == "orders" or (
        cfg.frequency_basis == "auto" and tx["order_id"].notna().any()))
    if use_orders:
        codes, _ = pd.factorize(tx["order_id"].to_numpy(dtype=object))
        tx = tx.assign(order=codes + 1)  # factorize gives -1 for a blank order id: 0 here
    else:
        tx = tx.assign(order=0)
    wanted = {cid: r for r, cid in firsts.items()}
    tx = tx[tx["customer_id"].isin(list(wanted))]
    tx = tx.assign(_row=tx.index.to_numpy(), _cust=tx["customer_id"].map(wanted).to_numpy())
    tx = tx.sort_values(["_cust", "date", "order", "_row"], kind="stable")
    L_ = {k: column_letter(v) for k, v in LINE_COLS.items()}
    C = {k: column_letter(v) for k, v in CUST_COLS.items()}
    blocks = {}
    i = 2
    for cust_row, group in tx.groupby("_cust", sort=False):
        s = i
        for row, cid, date, amount, order in zip(group["_row"], group["customer_id"], group["date"],
                                                  group["amount"], group["order"]):
            raw_d = frame.at[row, cols["date"]]
            raw_a = frame.at[row, cols["amount"]] if amount_col else None
            cells[(i, LINE_COLS["id"])] = cid
            cells[(i, LINE_COLS["date"])] = live_cell(f"{src}!{date_col}{row}", raw_d, date, date=True)
            typed = _as_number(raw_a)
            if amount_col and (typed is None or typed == amount or typed < 0 or amount >= 0):
                cells[(i, LINE_COLS["amount"])] = live_cell(f"{src}!{amount_col}{row}", raw_a, amount, date=False)
            else:
                cells[(i, LINE_COLS["amount"])] = float(amount)
            cells[(i, LINE_COLS["order"])] = int(order)
            d, a, o, b = (f"{L_[k]}{i}" for k in ("date", "amount", "order", "buy"))
            ok = f"ISNUMBER({d}),ISNUMBER({a}),{d}<={until}"
            cells[(i, LINE_COLS["buy"])] = Formula(f"=IF(AND({ok}),IF({a}>=0,{d},0),0)")
            cells[(i, LINE_COLS["spend"])] = Formula(f"=IF(AND({ok}),{a},0)")
            if i == s:
                cells[(i, LINE_COLS["day"])] = Formula(f"=IF({b}>0,1,0)")
                if use_orders:
                    cells[(i, LINE_COLS["new"])] = Formula(f"=IF({b}>0,1,0)")
            else:
                prev_b = f"{L_['buy']}${s}:{L_['buy']}{i - 1}"
                prev_o = f"{L_['order']}${s}:{L_['order']}{i - 1}"
                cells[(i, LINE_COLS["day"])] = Formula(f"=IF({b}>0,IF(COUNTIF({prev_b},{b})=0,1,0),0)")
                if use_orders:
                    cells[(i, LINE_COLS["new"])] = Formula(
                        f"=IF({b}>0,IF({o}=0,IF(COUNTIFS({prev_b},{b},{prev_o},0)=0,1,0),"
                        f'IF(COUNTIFS({prev_o},{o},{prev_b},">0")=0,1,0)),0)')
            i += 1
        blocks[cust_row] = (s, i - 1)
    out = {}
    for r in firsts:
        m = {k: f"{q}!${C[k]}${r}" for k in ("freq", "days", "money", "last", "first", "prev", "rec")}
        out[r] = Metrics(freq=m["freq"], last=m["last"], has_last=f"ISNUMBER({m['last']})", first=m["first"],
                         has_first=f"ISNUMBER({m['first']})", money=m["money"], has_money="TRUE",
                         rec=m["rec"], ndays=m["days"], prev=m["prev"])
        if r not in blocks:
            for k, v in (("freq", 0), ("days", 0), ("money", 0), ("last", None), ("first", None), ("prev", None),
                         ("rec", None)):
                cells[(r, CUST_COLS[k])] = v
            continue
        s, e = blocks[r]

        def rng(key):
            return f"{L_[key]}{s}:{L_[key]}{e}"

        last, days = f"{C['last']}{r}", f"{C['days']}{r}"
        cells[(r, CUST_COLS["days"])] = Formula(f"=SUM({rng('day')})")
        cells[(r, CUST_COLS["freq"])] = Formula(f"=SUM({rng('new')})" if use_orders else f"={days}")
        cells[(r, CUST_COLS["money"])] = Formula(f"=ROUND(SUM({rng('spend')}),6)")
        cells[(r, CUST_COLS["last"])] = Formula(f'=IF(MAX({rng("buy")})>0,MAX({rng("buy")}),"")')
        cells[(r, CUST_COLS["first"])] = Formula(
            f'=IF(ISNUMBER({last}),SMALL({rng("buy")},COUNTIF({rng("buy")},0)+1),"")')
        cells[(r, CUST_COLS["prev"])] = Formula(
            f'=IF({days}>=2,LARGE({rng("buy")},COUNTIF({rng("buy")},{last})+1),"")')
        cells[(r, CUST_COLS["rec"])] = Formula(f'=IF(ISNUMBER({last}),MAX(0,xlseg_as_of-{last}),"")')
    return out


__all__ = ["Metrics", "data_sheet", "live_cell", "serial", "TITLES"]

"""Column recognition: which of the user's headers holds which field.

Headers are matched against :data:`ALIASES` (English and Simplified Chinese)
after :func:`xlseg.core.labels.norm` (NFKC, case-, space- and
punctuation-insensitive), so ``Customer ID``, ``customer_id``, ``CUSTOMER-ID``
and ``ＣｕｓｔｏｍｅｒＩＤ`` are the same header. Only whole aliases match; a header
is never matched by a substring.

The fields a sheet can have depend on its *kind*:

* ``"customers"`` (one row per customer): every field except the
  transaction-line fields ``date``, ``amount``, ``order_id``, ``quantity`` and
  ``unit_price``. Requires
  ``customer_id``.
* ``"transactions"`` (one row per order line): ``customer_id``, ``date``,
  ``amount``, ``order_id`` and the descriptive fields (``name``, ``country``
  ...), but not the per-customer totals (``orders``, ``monetary``,
  ``first_purchase``, ``last_purchase``, ``interactions``, ``satisfaction``).
  Requires ``customer_id``, ``date`` and ``amount`` (or ``unit_price``: the
  amount is then quantity x unit price).

Some aliases are shared between fields of different kinds (``Amount`` and
``Sales`` are ``monetary`` on a customer sheet and ``amount`` on a transaction
sheet); within one kind every alias names exactly one field (a test checks).

When several headers claim one field, a header equal to an alias apart from
case and surrounding spaces beats one that only matches once punctuation is
ignored (``id`` beats ``_id``, as in the CDNOW data); if that does not single
one out, :class:`~xlseg.errors.ColumnError` asks the user to rename one or set
``column.<field>`` in Settings.
"""

from __future__ import annotations

import re
import unicodedata

from xlseg.core import labels as L
from xlseg.core.config import FIELDS_WITH_ALIASES
from xlseg.errors import ColumnError

ALIASES: dict[str, list[str]] = {
    "customer_id": [
        "Customer ID", "CustomerID", "Customer No", "Customer Number", "Customer Code", "Customer Key",
        "Cust ID", "Cust No", "Client ID", "Client No", "Client Number", "Account ID", "Account No",
        "Account Number", "Member ID", "Member No", "Member Number", "User ID", "ID",
        "客户编号", "客户ID", "客户代码", "客户号", "客户编码", "客户账号", "会员编号", "会员ID",
        "会员号", "会员卡号", "用户ID", "用户编号",
    ],
    "name": [
        "Name", "Customer", "Customer Name", "Client", "Client Name", "Company", "Company Name",
        "Account Name", "Full Name", "Member Name",
        "客户名称", "客户名", "客户姓名", "客户", "姓名", "名称", "公司名称", "公司", "企业名称",
        "会员姓名", "会员名称",
    ],
    "customer_type": [
        "Type", "Customer Type", "Client Type", "Account Type", "Customer Category", "Segment",
        "Customer Segment", "Market Segment",
        "客户类型", "客户类别", "客户性质", "类型", "客户细分",
    ],
    "source": [
        "Source", "Channel", "Customer Source", "Lead Source", "Acquisition Channel", "Sales Channel",
        "客户来源", "来源", "渠道", "来源渠道", "获客渠道", "销售渠道",
    ],
    "region": [
        "Region", "Area", "Territory", "Sales Region", "Province", "State",
        "地区", "区域", "大区", "所属区域", "省份", "省",
    ],
    "country": [
        "Country", "Country/Region", "Nation", "Country Code",
        "国家", "国家/地区", "国家地区", "国别",
    ],
    "city": [
        "City", "Town", "城市", "所在城市", "市",
    ],
    "industry": [
        "Industry", "Sector", "Vertical", "Industry Sector",
        "行业", "所属行业", "行业类别", "行业分类",
    ],
    "company_size": [
        "Company Size", "Size", "Employees", "Employee Count", "Number of Employees", "Headcount",
        "Staff", "企业规模", "公司规模", "规模", "员工人数", "员工数", "人数",
    ],
    "first_purchase": [
        "First Purchase", "First Purchase Date", "First Order", "First Order Date", "First Bought",
        "First Transaction", "First Transaction Date", "Customer Since",
        "首次购买日期", "首次购买时间", "首次消费日期", "首次消费时间", "首购日期", "首单日期",
        "首次下单日期", "首次下单时间", "首次交易日期",
    ],
    "last_purchase": [
        "Last Purchase", "Last Purchase Date", "Last Order", "Last Order Date", "Last Bought",
        "Latest Purchase", "Most Recent Purchase", "Recent Purchase", "Last Transaction",
        "Last Transaction Date",
        "最近购买日期", "最后购买日期", "最近消费时间", "最近消费日期", "最后消费时间", "最后消费日期",
        "最近购买时间", "最后购买时间", "最近下单日期", "最近下单时间", "最后下单日期", "最近交易日期",
        "末次购买日期",
    ],
    "orders": [
        "Orders", "Order Count", "Purchases", "Number of Orders", "No of Orders", "Orders Count",
        "Total Orders", "Purchase Count", "Number of Purchases", "Transactions", "Frequency",
        "购买次数", "订单数", "订单数量", "消费次数", "下单次数", "交易次数", "购买频次", "订单总数",
    ],
    "monetary": [
        "Total Spend", "Revenue", "Sales", "Amount", "Total Amount", "Spend", "Spent", "Total Spent",
        "Lifetime Value", "LTV", "CLV", "Total Revenue", "Total Sales", "Sales Amount",
        "Purchase Amount", "Monetary",
        "消费金额", "累计消费", "累计消费金额", "销售额", "消费总额", "总金额", "金额", "总消费",
        "销售金额", "交易金额", "购买金额", "累计金额",
    ],
    "interactions": [
        "Interactions", "Visits", "Contacts", "Touchpoints", "Engagements", "Interaction Count",
        "Visit Count", "Number of Visits",
        "互动次数", "互动数", "访问次数", "拜访次数", "联系次数", "来访次数",
    ],
    "satisfaction": [
        "Satisfaction", "CSAT", "NPS", "Satisfaction Score", "Customer Satisfaction", "Rating",
        "满意度", "满意度评分", "客户满意度", "评分", "评价",
    ],
    "date": [
        "Date", "Order Date", "Purchase Date", "Transaction Date", "Invoice Date", "InvoiceDate",
        "Sale Date", "Sales Date", "Payment Date", "Order Time", "Purchase Time", "Transaction Time",
        "日期", "下单日期", "交易日期", "购买日期", "订单日期", "消费日期", "支付日期", "付款日期",
        "下单时间", "交易时间", "购买时间", "消费时间", "支付时间", "付款时间",
    ],
    "amount": [
        "Amount", "Spent", "Spend", "Sales", "Revenue", "Total", "Total Amount", "Order Amount",
        "Order Total", "Order Value", "Line Total", "Paid", "Amount Paid", "Payment", "Sales Amount",
        "Net Amount",
        "金额", "实付金额", "订单金额", "交易金额", "支付金额", "付款金额", "销售额", "销售金额",
        "消费金额", "实收金额", "实付",
    ],
    "quantity": [
        "Quantity", "Qty", "Units", "Quantity Ordered", "Qty Ordered", "Item Quantity", "Order Quantity", "Pieces",
        "数量", "购买数量", "商品数量", "销售数量", "件数", "订购数量",
    ],
    "unit_price": [
        "Unit Price", "UnitPrice", "Price", "Price Each", "Item Price", "Selling Price", "Sale Price",
        "单价", "商品单价", "销售单价", "价格", "售价", "成交单价",
    ],
    "recency_days": [
        "Recency", "Recency Days", "Recency (days)", "Days Since Last Order", "Days Since Last Purchase",
        "Days Since Purchase", "Days Since Last Transaction", "Days Since Last Visit", "Days Inactive",
        "最近一次消费间隔天数", "距今天数", "最近消费间隔", "最近消费间隔天数", "最近购买间隔天数",
        "最近一次购买距今天数", "距上次消费天数", "距最近购买天数", "未消费天数",
    ],
    "order_id": [
        "Order ID", "OrderID", "Order No", "Order Number", "Invoice", "Invoice No", "InvoiceNo",
        "Invoice Number", "Transaction ID", "Receipt No",
        "订单号", "订单编号", "订单ID", "单号", "交易编号", "交易号", "流水号", "发票号",
    ],
}

KINDS = ("customers", "transactions")

_TRANSACTION_ONLY = ("date", "amount", "order_id", "quantity", "unit_price")
_CUSTOMER_ONLY = ("first_purchase", "last_purchase", "orders", "monetary", "interactions", "satisfaction",
                  "recency_days")

# The fields each kind of sheet may have, in the order they are reported.
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": tuple(f for f in FIELDS_WITH_ALIASES if f not in _TRANSACTION_ONLY),
    "transactions": tuple(f for f in FIELDS_WITH_ALIASES if f not in _CUSTOMER_ONLY),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "transactions": ("customer_id", "date", "amount"),
}

# How a missing required field is named in messages ("no customer-id column", "Name the id column ...").
_MISSING_NAME = {"customer_id": ("customer-id", "id")}


def _lookup(kind: str) -> dict[str, str]:
    """norm(alias) -> field for the fields of one kind."""
    out: dict[str, str] = {}
    for fld in FIELDS[kind]:
        for alias in ALIASES[fld]:
            out.setdefault(L.norm(alias), fld)
    return out


_BY_KIND = {kind: _lookup(kind) for kind in KINDS}
_ALL_NORMS = frozenset(L.norm(a) for names in ALIASES.values() for a in names)


def _loose(text) -> str:
    """Case- and space-insensitive only (no punctuation removal)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().casefold()


def _loose_lookup(kind: str) -> dict[str, str]:
    """_loose(alias) -> field: an exact hit beats a punctuation-insensitive one."""
    return {_loose(alias): fld for fld in FIELDS[kind] for alias in ALIASES[fld]}


_LOOSE = {kind: _loose_lookup(kind) for kind in KINDS}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def _where(sheet: str, text: str) -> str:
    """'Sheet 'X': text' or, without a sheet name, the text with a capital letter."""
    return f"Sheet '{sheet}': {text}" if sheet else text[:1].upper() + text[1:]


def _found(headers) -> str:
    shown = [str(h).strip() for h in headers if not _blank(h)]
    return ", ".join(shown) if shown else "(none)"


def _quote_list(items: list[str]) -> str:
    quoted = [f"'{h}'" for h in items]
    return " and ".join(quoted) if len(quoted) == 2 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _auto(headers: list, kind: str) -> dict[str, list[tuple[int, int, int]]]:
    """field -> [(tier, alias rank, position)] for every header that names a field of ``kind``.

    tier 0: the header equals an alias apart from case and spaces; 1: only once punctuation is
    ignored. name rank 0: the header is the field's own name (``Region`` for region), 1: another
    alias (``State``).
    """
    by_norm, loose = _BY_KIND[kind], _LOOSE[kind]
    claims: dict[str, list[tuple[int, int, int]]] = {}
    for pos, h in enumerate(headers):
        if _blank(h):
            continue
        n = L.norm(h)
        fld = by_norm.get(n)
        if fld is None:
            continue
        tier = 0 if loose.get(_loose(h)) == fld else 1
        claims.setdefault(fld, []).append((tier, 0 if n == L.norm(fld) else 1, pos))
    return claims


def _find_override(headers: list, wanted) -> int | None:
    """Position of the header an override names: exact text first, then the same after norm."""
    text = str(wanted).strip()
    for pos, h in enumerate(headers):
        if not _blank(h) and str(h).strip() == text:
            return pos
    target = L.norm(text)
    for pos, h in enumerate(headers):
        if not _blank(h) and L.norm(h) == target:
            return pos
    return None


def recognise(headers: list, overrides: dict | None = None, kind: str = "customers",
              sheet: str = "", chosen: list | None = None) -> dict[str, str]:
    """Map canonical field names to the user's headers.

    ``headers`` is the header row as read (blank cells allowed); the result maps
    each recognised field to the header exactly as it appears in ``headers`` (so
    ``df[result["monetary"]]`` works). ``overrides`` (field -> header, the
    Settings ``column.<field>`` values) win over automatic matching and must
    name an existing header; overrides for fields the ``kind`` does not have are
    ignored (Settings hold one mapping for both sheets).

    When several headers claim one field, the precedence is: an override; a header
    equal to an alias apart from case and spaces before one that matches only once
    punctuation is ignored; then the field's own name (``Region`` before
    ``State`` for region, ``Country`` before ``Nation``). Otherwise nothing distinguishes them and the
    run stops. The headers not taken stay plain columns, and
    ``chosen`` (a list, when given) receives one sentence per such choice.
    A transaction sheet without an amount column but with a unit price is
    accepted (amount = quantity x unit price; the engine derives it).

    Raises :class:`~xlseg.errors.ColumnError` when an override names no header,
    when nothing distinguishes two headers claiming one field (the same header
    twice), or when a required field is missing.
    """
    _check_kind(kind)
    headers = list(headers)
    fields = FIELDS[kind]
    result: dict[str, str] = {}
    taken: set[int] = set()
    for fld, wanted in (overrides or {}).items():
        if fld not in FIELDS_WITH_ALIASES:
            raise ColumnError(_where(sheet, f"'column.{fld}' is not a field. "
                                            f"Use one of: {', '.join(FIELDS_WITH_ALIASES)}."))
        if fld not in fields or _blank(wanted):
            continue
        pos = _find_override(headers, wanted)
        if pos is None:
            raise ColumnError(_where(sheet, f"column.{fld} in Settings names '{str(wanted).strip()}', "
                                            f"but there is no such header. Found headers: {_found(headers)}."))
        result[fld] = headers[pos]
        taken.add(pos)

    claims = _auto(headers, kind)
    for fld in fields:
        if fld in result or fld not in claims:
            continue
        options = sorted((tier, rank, pos) for tier, rank, pos in claims[fld] if pos not in taken)
        if not options:
            continue
        best = options[0]
        top = [pos for tier, rank, pos in options if (tier, rank) == best[:2]]
        if len(top) > 1:  # nothing distinguishes them
            names = [str(headers[p]).strip() for p in top]
            lead = "both" if len(names) == 2 else "all of"
            raise ColumnError(_where(sheet, f"{lead} {_quote_list(names)} look like {fld}; "
                                            f"rename one or set column.{fld} in Settings."))
        result[fld] = headers[best[2]]
        taken.add(best[2])
        if chosen is not None and len(options) > 1:
            others = [str(headers[p]).strip() for _t, _r, p in options[1:]]
            why = ("it matches an alias exactly" if best[0] < options[1][0]
                   else "it is the field's own name")
            chosen.append(_where(sheet, f"'{str(headers[best[2]]).strip()}' was taken as {fld} ({why}); "
                                        f"{_quote_list(others) if len(others) > 1 else repr(others[0])} kept as "
                                        f"{'plain columns' if len(others) > 1 else 'a plain column'}. "
                                        f"Set column.{fld} in Settings to choose another."))

    # An order export without an amount but with a unit price: the engine derives amount = quantity x price.
    missing = [f for f in REQUIRED[kind] if f not in result and not (f == "amount" and "unit_price" in result)]
    if missing:
        fld = missing[0]
        what, short = _MISSING_NAME.get(fld, (fld.replace("_", " "), fld.replace("_", " ")))
        extra = (f"; or give '{ALIASES['quantity'][0]}' and '{ALIASES['unit_price'][0]}' columns"
                 if fld == "amount" else "")
        raise ColumnError(_where(sheet, f"no {what} column. Found headers: {_found(headers)}. "
                                        f"Name the {short} column one of: {', '.join(ALIASES[fld])}{extra}; "
                                        f"or set column.{fld} in Settings."))
    return {fld: result[fld] for fld in FIELDS_WITH_ALIASES if fld in result}


def score_header(row) -> int:
    """How many cells of ``row`` are a recognised header name (any field, any kind)."""
    return sum(1 for cell in row if not _blank(cell) and L.norm(cell) in _ALL_NORMS)


def find_header_row(rows: list[list], max_rows: int = 20) -> int | None:
    """0-based index of the header row among the first ``max_rows`` rows.

    The row with the most recognised header names wins (the first on a tie);
    None when no row has any (the caller reports a missing id column).
    """
    best, best_score = None, 0
    for i, row in enumerate(rows[:max_rows]):
        score = score_header(row)
        if score > best_score:
            best, best_score = i, score
    return best


def looks_like(headers, kind: str) -> bool:
    """Whether a sheet with these headers is a customer or a transaction sheet.

    Customers: it has a customer-id column. Transactions: it has customer id,
    date and amount (or a unit price: an order export with quantity x price),
    and no per-customer totals (orders, last purchase). A
    transaction sheet also looks like a customer sheet (it has ids), so callers
    test for transactions first.
    """
    _check_kind(kind)
    fields = {L.norm(h) for h in headers if not _blank(h)}
    have = {fld for n, fld in _BY_KIND[kind].items() if n in fields}
    if kind == "customers":
        return "customer_id" in have
    customer_fields = {fld for n, fld in _BY_KIND["customers"].items() if n in fields}
    priced = "amount" in have or "unit_price" in have
    return {"customer_id", "date"} <= have and priced and not ({"orders", "last_purchase"} & customer_fields)

"""Column recognition: aliases, variants, overrides, exact error messages, header rows."""

import pytest

from xlseg.core import columns as C
from xlseg.core import labels as L
from xlseg.core.config import FIELDS_WITH_ALIASES
from xlseg.errors import ColumnError


def test_every_field_has_english_and_chinese_aliases():
    assert set(C.ALIASES) == set(FIELDS_WITH_ALIASES)
    for fld, names in C.ALIASES.items():
        assert any(n.isascii() for n in names), fld
        assert any(not n.isascii() for n in names), fld


@pytest.mark.parametrize("kind", C.KINDS)
def test_no_alias_names_two_fields_of_one_kind(kind):
    seen = {}
    for fld in C.FIELDS[kind]:
        for alias in C.ALIASES[fld]:
            assert seen.setdefault(L.norm(alias), fld) == fld, (alias, seen[L.norm(alias)], fld)


# header as typed                -> field (customer sheet)
CUSTOMER_HEADERS = [
    ("Customer ID", "customer_id"),
    ("customer_id", "customer_id"),       # underscore
    ("CUSTOMER-ID", "customer_id"),       # case and hyphen
    (" Customer  ID ", "customer_id"),    # stray spaces
    ("ＣｕｓｔｏｍｅｒＩＤ", "customer_id"),      # full-width letters (NFKC)
    ("客户编号", "customer_id"),
    ("会员ID", "customer_id"),
    ("会员ＩＤ", "customer_id"),           # full-width ID
    ("Name", "name"),
    ("公司名称", "name"),
    ("Customer Type", "customer_type"),
    ("客户类型", "customer_type"),
    ("Channel", "source"),
    ("渠道", "source"),
    ("Region", "region"),
    ("国家", "country"),
    ("City", "city"),
    ("行业", "industry"),
    ("Employees", "company_size"),
    ("First Purchase Date", "first_purchase"),
    ("首次购买日期", "first_purchase"),
    ("Last Order", "last_purchase"),
    ("最近消费时间", "last_purchase"),
    ("Number of Orders", "orders"),
    ("购买次数", "orders"),
    ("Total Spend", "monetary"),
    ("Amount", "monetary"),               # shared alias: monetary on a customer sheet
    ("累计消费", "monetary"),
    ("Visits", "interactions"),
    ("互动次数", "interactions"),
    ("CSAT", "satisfaction"),
    ("满意度", "satisfaction"),
]


@pytest.mark.parametrize("header,field", CUSTOMER_HEADERS)
def test_customer_header_variants(header, field):
    headers = [header] if field == "customer_id" else ["ID", header]
    assert C.recognise(headers)[field] == header


def test_recognise_returns_headers_as_they_appear_in_field_order():
    headers = ["Total Spend", None, "Name ", "客户编号", "Notes", "最近购买日期"]
    assert C.recognise(headers, sheet="客户") == {
        "customer_id": "客户编号",
        "name": "Name ",
        "last_purchase": "最近购买日期",
        "monetary": "Total Spend",
    }


def test_date_is_not_a_customer_field():
    assert C.recognise(["ID", "Date", "Amount"]) == {"customer_id": "ID", "monetary": "Amount"}


def test_transactions_kind_resolves_shared_aliases():
    headers = ["Order No", "Customer ID", "Order Date", "Sales", "Country"]
    assert C.recognise(headers, kind="transactions") == {
        "customer_id": "Customer ID", "country": "Country", "date": "Order Date", "amount": "Sales",
        "order_id": "Order No",
    }


def test_transactions_kind_chinese():
    headers = ["订单编号", "客户ID", "下单日期", "实付金额"]
    assert C.recognise(headers, kind="transactions") == {
        "customer_id": "客户ID", "date": "下单日期", "amount": "实付金额", "order_id": "订单编号",
    }


def test_cdnow_headers_exact_alias_beats_punctuation_match():
    # The CDNOW sample has both '_id' and 'id'; 'id' is an alias as written, '_id' only without the '_'.
    headers = ["_id", "id", "date", "cds_bought", "spent"]
    assert C.recognise(headers, kind="transactions") == {"customer_id": "id", "date": "date", "amount": "spent"}


def test_override_wins_and_takes_the_header_away_from_other_fields():
    headers = ["Member", "Amount", "Revenue"]
    got = C.recognise(headers, overrides={"customer_id": "Member", "monetary": "Revenue"})
    assert got == {"customer_id": "Member", "monetary": "Revenue"}


def test_override_matches_header_text_loosely():
    assert C.recognise(["member no."], overrides={"customer_id": "Member No"}) == {"customer_id": "member no."}


def test_override_for_a_field_of_the_other_kind_is_ignored():
    # Settings hold one mapping for both sheets: column.amount does not concern the customer sheet.
    assert C.recognise(["ID", "Spend"], overrides={"amount": "Paid"}) == {"customer_id": "ID", "monetary": "Spend"}


def test_override_naming_a_missing_header():
    with pytest.raises(ColumnError) as err:
        C.recognise(["ID", "Spend"], overrides={"monetary": "Paid"}, sheet="Customers")
    assert str(err.value) == (
        "Sheet 'Customers': column.monetary in Settings names 'Paid', but there is no such header. "
        "Found headers: ID, Spend."
    )


def test_override_naming_an_unknown_field():
    with pytest.raises(ColumnError) as err:
        C.recognise(["ID"], overrides={"spend": "ID"}, sheet="Customers")
    assert str(err.value).startswith("Sheet 'Customers': 'column.spend' is not a field. Use one of: customer_id, ")


def test_two_headers_claiming_one_field():
    with pytest.raises(ColumnError) as err:
        C.recognise(["ID", "Total Spend", "Revenue"], sheet="X")
    assert str(err.value) == (
        "Sheet 'X': both 'Total Spend' and 'Revenue' look like monetary; "
        "rename one or set column.monetary in Settings."
    )


def test_three_headers_claiming_one_field():
    with pytest.raises(ColumnError) as err:
        C.recognise(["ID", "Sales", "Revenue", "销售额"], sheet="X")
    assert str(err.value) == (
        "Sheet 'X': all of 'Sales', 'Revenue' and '销售额' look like monetary; "
        "rename one or set column.monetary in Settings."
    )


def test_ambiguity_is_resolved_by_an_override():
    got = C.recognise(["ID", "Total Spend", "Revenue"], overrides={"monetary": "Revenue"})
    assert got == {"customer_id": "ID", "monetary": "Revenue"}


def test_missing_customer_id_message():
    with pytest.raises(ColumnError) as err:
        C.recognise(["Name", "City", "Total", None], sheet="Customers")
    assert str(err.value) == (
        "Sheet 'Customers': no customer-id column. Found headers: Name, City, Total. "
        "Name the id column one of: " + ", ".join(C.ALIASES["customer_id"]) + "; "
        "or set column.customer_id in Settings."
    )


def test_missing_message_without_a_sheet_name_and_without_headers():
    with pytest.raises(ColumnError) as err:
        C.recognise([None, "  "])
    assert str(err.value).startswith("No customer-id column. Found headers: (none). Name the id column one of: ")


def test_missing_amount_in_transactions():
    with pytest.raises(ColumnError) as err:
        C.recognise(["Customer ID", "Date", "Qty"], kind="transactions", sheet="Orders")
    assert str(err.value) == (
        "Sheet 'Orders': no amount column. Found headers: Customer ID, Date, Qty. "
        "Name the amount column one of: " + ", ".join(C.ALIASES["amount"]) + "; "
        "or give 'Quantity' and 'Unit Price' columns; or set column.amount in Settings."
    )


def test_unknown_kind():
    with pytest.raises(ValueError):
        C.recognise(["ID"], kind="orders")


# ------------------------------------------------------------------ header rows
def test_score_header_counts_recognised_cells():
    assert C.score_header(["Customer ID", "Name", "Notes", None, 3, "金额"]) == 3
    assert C.score_header([]) == 0


def test_header_row_under_a_title():
    rows = [
        ["Customer list 2024", None, None, None],
        [None, None, None, None],
        ["Customer ID", "Name", "Last Purchase", "Total Spend"],   # row 3 of the sheet
        ["C001", "Acme", "2024-03-05", 1200],
    ]
    assert C.find_header_row(rows) == 2


def test_header_row_ties_go_to_the_first():
    rows = [["Name", "x"], ["City", "y"]]
    assert C.find_header_row(rows) == 0


def test_header_row_only_within_max_rows():
    rows = [["x"]] * 20 + [["Customer ID", "Name"]]
    assert C.find_header_row(rows) is None
    assert C.find_header_row(rows, max_rows=21) == 20


def test_no_header_row():
    assert C.find_header_row([]) is None
    assert C.find_header_row([["a", 1], [None, None]]) is None


# ------------------------------------------------------------------ sheet detection
# headers                                              customers  transactions
LOOKS = [
    (["Customer ID", "Name", "Total Spend"],             True,      False),
    (["客户编号", "下单日期", "实付金额"],                   True,      True),
    (["Customer ID", "Date", "Amount", "Orders"],        True,      False),   # has per-customer totals
    (["Customer ID", "Date", "Amount", "Last Order"],    True,      False),
    (["Name", "Date", "Amount"],                         False,     False),   # no id
    ([],                                                 False,     False),
]


@pytest.mark.parametrize("headers,customers,transactions", LOOKS)
def test_looks_like(headers, customers, transactions):
    assert C.looks_like(headers, "customers") is customers
    assert C.looks_like(headers, "transactions") is transactions


# ------------------------------------------------------------------ issue 11: real exports
UCI = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
SUPERSTORE = ["Row ID", "Order ID", "Order Date", "Ship Date", "Customer ID", "Customer Name", "Segment", "Country",
              "City", "State", "Postal Code", "Region", "Product ID", "Sales", "Quantity", "Discount", "Profit"]


def test_order_export_without_amount_is_a_transaction_sheet():
    assert C.looks_like(UCI, "transactions")
    assert C.recognise(UCI, kind="transactions") == {
        "customer_id": "CustomerID", "country": "Country", "date": "InvoiceDate", "order_id": "InvoiceNo",
        "quantity": "Quantity", "unit_price": "UnitPrice"}


@pytest.mark.parametrize("qty, price", [("Qty", "Price"), ("数量", "单价"), ("Units", "Unit Price")])
def test_quantity_and_price_aliases(qty, price):
    got = C.recognise(["客户编号", "下单日期", qty, price], kind="transactions")
    assert (got["quantity"], got["unit_price"]) == (qty, price)
    assert "amount" not in got


def test_state_and_region_the_fields_own_name_wins_and_the_choice_is_said():
    chosen = []
    got = C.recognise(SUPERSTORE, kind="transactions", sheet="Orders", chosen=chosen)
    assert got["region"] == "Region" and "State" not in got.values()
    assert got["amount"] == "Sales" and got["name"] == "Customer Name"
    assert chosen == ["Sheet 'Orders': 'Region' was taken as region (it is the field's own name); 'State' kept as "
                      "a plain column. Set column.region in Settings to choose another."]


def test_exact_alias_beats_a_punctuation_match_and_is_said():
    chosen = []
    got = C.recognise(["ID", "_id"], chosen=chosen)
    assert got == {"customer_id": "ID"}
    assert chosen == ["'ID' was taken as customer_id (it matches an alias exactly); '_id' kept as a plain "
                      "column. Set column.customer_id in Settings to choose another."]


def test_recency_in_days_aliases():
    for header in ("Recency", "Days Since Last Order", "最近一次消费间隔天数", "距今天数"):
        assert C.recognise(["CustomerID", header])["recency_days"] == header

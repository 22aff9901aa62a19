"""xlseg.engines on DuckDB: the one SQL definition equals the pandas path (called here, not copied).

Every comparison runs the pandas path (``xlseg.classify(transactions=...)``) on
the same lines and requires 0 mismatches in every metric, score, segment,
ABC class, tier and stage, for every customer.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

import xlseg
from xlseg.core.config import Config
from xlseg.engines import classification, orders, sources, sql
from xlseg.engines.duck import DuckEngine
from xlseg.errors import ColumnError, InputError
from tests.engine_data import (ATTRIBUTE_COLUMNS, COMPARED, attribute_orders, messy_orders, mismatches,
                               same_day_disagreements, sql_path)

CDNOW_AS_OF = dt.date(1998, 6, 30)
CDNOW_COLUMNS = {"customer_id": "_id", "amount": "spent"}


def pandas_path(lines: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    return xlseg.classify(transactions=lines, config=cfg).customers.set_index("customer_id")


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """The messy log as CSV, gzip CSV and typed Parquet (dates DATE, amounts DOUBLE, ids text)."""
    folder = tmp_path_factory.mktemp("orders")
    lines = messy_orders()
    csv = folder / "orders.csv"
    lines.to_csv(csv, index=False)
    gz = folder / "orders.csv.gz"
    lines.to_csv(gz, index=False, compression="gzip")
    parquet = folder / "orders.parquet"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT "Customer ID", TRY_CAST("Order Date" AS DATE) AS "Order Date",
                                 TRY_CAST("Amount" AS DOUBLE) AS "Amount", "Order ID", "Country"
                          FROM read_csv({sql.lit(str(csv))}, all_varchar = true))
                    TO {sql.lit(str(parquet))} (FORMAT PARQUET)""")
    con.close()
    return lines, csv, gz, parquet


def test_the_messy_log_is_messy(messy):
    """The randomised log has what the comparison must cover (else a 0-mismatch result proves little)."""
    lines, *_ = messy
    ids = lines["Customer ID"]
    assert (ids == "").sum() > 20 and (ids == "Total").sum() == 1
    assert ids.str.contains("\t").sum() > 10 and ids.str.contains("Ｃ").sum() > 10
    assert ids.str.startswith(" ").sum() > 10 and ids.str.contains("  ").sum() > 10
    assert lines["Amount"].str.startswith("-").sum() > 100 and (lines["Amount"] == "0.00").sum() > 20
    assert (lines["Order ID"] == "").sum() > 300 and lines["Order ID"].duplicated().sum() > 100
    assert lines.duplicated(["Customer ID", "Order Date"]).sum() > 100


def test_cdnow_duckdb_equals_pandas(data_dir):
    cfg = Config(as_of=CDNOW_AS_OF, columns=CDNOW_COLUMNS)
    raw = pd.read_csv(data_dir / "cdnow_transactions.csv", dtype=str, keep_default_na=False)
    expected = pandas_path(raw, cfg)
    got = sql_path([str(data_dir / "cdnow_transactions.csv")], cfg)
    assert len(expected) == 2357
    assert mismatches(expected, got) == {}


@pytest.mark.parametrize("fmt", ["csv", "gz", "parquet"])
def test_messy_log_duckdb_equals_pandas(messy, fmt):
    lines, csv, gz, parquet = messy
    cfg = Config()
    expected = pandas_path(lines, cfg)
    got = sql_path([str({"csv": csv, "gz": gz, "parquet": parquet}[fmt])], cfg)
    assert mismatches(expected, got) == {}
    # the log exercises every stage but one and refund-only customers (prospects with negative spend)
    assert set(expected["stage_key"].dropna()) >= {"prospect", "lost", "new", "active", "churn_warning"}
    assert (expected["monetary"] < 0).any() and (~expected["is_buyer"]).any()


@pytest.mark.parametrize("settings", [
    {"frequency_basis": "days"},
    {"as_of": "2024-06-30"},  # lines after as_of are not counted
    {"score_method": "cuts", "m_cuts": "50, 200, 500, 1000", "f_cuts": "2, 4, 6, 8", "r_cuts": "300, 200, 100, 30"},
    {"tier_method": "quantile"},
    {"tier_method": "threshold", "threshold_high": 800, "threshold_medium": 200},
    {"segment_scheme": "rfm8"},
    {"potential_overlay": False, "abc_a": 0.5, "abc_b": 0.9},
    {"new_days": 30, "active_days": 60, "lost_days": 200, "churn_gap_multiple": 1.5, "churn_min_purchases": 2},
])
def test_messy_log_duckdb_equals_pandas_for_other_settings(messy, settings):
    lines, csv, *_ = messy
    cfg = Config.from_dict(settings)
    assert mismatches(pandas_path(lines, cfg), sql_path([str(csv)], cfg)) == {}


def test_ties_everywhere_duckdb_equals_pandas(tmp_path):
    """All-equal values and ties at the ABC crossing: the tie rules, not row order, decide."""
    rows = [(f"K{i}", "2024-01-10", "100") for i in range(7)] + [("K7", "2024-01-01", "50"), ("K8", "2024-01-01", "50")]
    lines = pd.DataFrame(rows, columns=["Customer ID", "Date", "Amount"])
    path = tmp_path / "ties.csv"
    lines.to_csv(path, index=False)
    cfg = Config()
    expected = pandas_path(lines, cfg)
    got = sql_path([str(path)], cfg)
    assert mismatches(expected, got) == {}
    assert got.loc["K0", "r_score"] == 2 and got.loc["K7", "r_score"] == 1  # 7 of 9 tied at best recency
    assert set(got["abc"]) == {"A", "B"}  # 700 of 800 before the crossing group: all seven K's are A


def test_error_texts_as_ids_are_blank_ids(tmp_path):
    """An id that is an Excel error text (#N/A ...) is no id; other ids with a '#' are ids (the SQL looks the
    list up only for ids that start with '#')."""
    assert all(t.startswith("#") for t in sql.ERROR_TEXTS)
    rows = [("#N/A", "2024-01-02", "10", "A1"), ("#VALUE!", "2024-01-03", "20", "A2"),
            ("#7", "2024-01-04", "30", "#REF!"), ("C#1", "2024-01-05", "40", "A4"),
            ("C#1", "2024-02-05", "50", "#N/A"), ("K1", "2024-01-06", "60", "A6"),
            ("K1", "2024-03-06", "70", "A7"), ("#7", "2024-03-04", "30", "A8")]
    lines = pd.DataFrame(rows, columns=["Customer ID", "Date", "Amount", "Order ID"])
    path = tmp_path / "errors.csv"
    lines.to_csv(path, index=False)
    cfg = Config()
    expected = pandas_path(lines, cfg)
    got = sql_path([str(path)], cfg)
    assert sorted(got.index) == ["#7", "C#1", "K1"]
    assert mismatches(expected, got) == {}


def test_the_quick_id_test_equals_the_regex_alone():
    """DuckDB decides blank cells and ids of letters, digits and -_.~ by url_encode before the regex
    (sql.QUICK_PLAIN): every character url_encode keeps is one of those, and on ids of every kind (spaces of
    every width, control characters, full-width forms, error texts, '#' ids, '%' escapes, a CSV's 1001.0) both
    forms give the same id."""
    import random
    import string

    con = duckdb.connect()
    kept = con.execute("SELECT list(c ORDER BY c) FROM range(0, 65536) AS t(c) "
                       "WHERE (c < 55296 OR c > 57343) AND url_encode(chr(CAST(c AS INTEGER))) = "
                       "chr(CAST(c AS INTEGER))").fetchone()[0]
    assert kept == sorted(map(ord, string.ascii_letters + string.digits + "-_.~"))
    rng = random.Random(14)
    chars = list(string.printable) + ["\u3000", "\u00a0", "\u2003", "\x1c", "\x85", "\x7f", "\x00", "ａ", "１",
                                      "＃", "é", "中", "#", " "]
    ids = ["", " ", "#N/A", " #N/A ", "＃N/A", "#REF!", "#", "C001", "C 001", "C  001", " C001", "C001 ", "a~b",
           "x-y_z.", "%41", "1001.0", " 1001.0 ", "007.0", None]
    ids += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    ids += ["".join(rng.choice(string.ascii_letters + string.digits + "-_.~#") for _ in range(rng.randint(1, 12)))
            for _ in range(5000)]
    con.execute("CREATE TABLE ids AS SELECT UNNEST(?) AS v", [ids])
    for csv in (False, True):
        plain, quick = sql.id_expr("v", "string", csv), sql.id_expr("v", "string", csv, quick=True)
        differ, decided = con.execute(f"SELECT COUNT(*) FILTER (WHERE ({plain}) IS DISTINCT FROM ({quick})), "
                                      f"COUNT(*) FILTER (WHERE {sql.QUICK_PLAIN.format(x='v')}) FROM ids").fetchone()
        assert differ == 0 and decided > 5000
    con.close()


def test_globs_and_several_files_equal_one_file(messy, tmp_path):
    lines, csv, *_ = messy
    half = len(lines) // 2
    lines.iloc[:half].to_csv(tmp_path / "part-1.csv", index=False)
    lines.iloc[half:].to_csv(tmp_path / "part-2.csv", index=False)
    cfg = Config()
    assert mismatches(sql_path([str(csv)], cfg), sql_path([str(tmp_path / "part-*.csv")], cfg)) == {}


def test_metrics_through_the_pandas_core_equal_the_pandas_path(messy):
    """classify(aggregated=...) (what the CLI does with DuckDB's metrics) gives the pandas path's full result."""
    lines, csv, *_ = messy
    cfg = Config()
    engine = DuckEngine(progress=False)
    agg = orders.aggregate(engine, [str(csv)], cfg)
    m = orders.metrics_frame(agg)
    engine.close()
    expected = xlseg.classify(transactions=lines, config=cfg).customers.set_index("customer_id")
    got = xlseg.classify(aggregated=m, config=cfg).customers.set_index("customer_id")
    assert mismatches(expected, got, COMPARED + ("segment", "value_tier", "stage", "tags")) == {}


def test_metrics_query_has_no_aggregate_that_cannot_spill():
    """DuckDB's MAX(date, 2) kept a list per customer that does not spill: 100M lines of 5M customers ran out of
    memory under the bench's 2 GB limit (the join to each customer's last purchase spills, as Spark runs it)."""
    q = sql.metrics_sql(True, dt.date(2099, 1, 1), ("name",), {"region": "string"})
    assert "MAX(date, 2)" not in q and "LIST(" not in q.upper() and "STRING_AGG" not in q.upper()


def test_out_of_memory_is_one_clear_message(tmp_path):
    """DuckDB running out of memory is a message naming the limit and what to do, not a traceback."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(3)
    n = 1_000_000
    pq.write_table(pa.table({
        "customer_id": pa.array(np.char.add("C", rng.integers(0, 200_000, n).astype(str))),
        "date": pa.array(np.datetime64("2024-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")),
        "amount": rng.uniform(1, 100, n)}), tmp_path / "o.parquet")
    engine = DuckEngine(progress=False, memory_limit="20MB", temp_directory=str(tmp_path / "spill"))
    try:
        with pytest.raises(xlseg.errors.XlsegError, match=r"DuckDB ran out of memory .*memory_limit 20MB.*spills to"):
            orders.aggregate(engine, [str(tmp_path / "o.parquet")], Config())
    finally:
        engine.close()


def test_metrics_equal_from_transactions_including_first_spend(messy):
    """Every column metrics.from_transactions gives (first_spend too), from the pandas path's own cleaning."""
    from xlseg.core import engine as core_engine, metrics
    from xlseg.core.issues import IssueLog

    lines, csv, *_ = messy
    cfg = Config()
    tx, _cols, _attrs = core_engine.prepare_transactions(lines, cfg, IssueLog(sheet="orders"), "orders", [])
    expected = metrics.from_transactions(tx, basis=cfg.frequency_basis)
    engine = DuckEngine(progress=False)
    got = orders.metrics_frame(orders.aggregate(engine, [str(csv)], cfg))
    engine.close()
    assert list(metrics.COLUMNS) == list(expected.columns)
    assert mismatches(expected, got, metrics.COLUMNS) == {}


def test_skipped_lines_are_counted_in_the_notes(messy):
    lines, csv, *_ = messy
    engine = DuckEngine(progress=False)
    agg = orders.aggregate(engine, [str(csv)], Config(as_of="2024-06-30"))
    engine.close()
    no_id = (lines["Customer ID"] == "").sum()
    valid = (lines["Customer ID"] != "") & (lines["Customer ID"] != "Total")
    no_date = (valid & (lines["Order Date"] == "")).sum()
    no_amount = (valid & (lines["Order Date"] != "") & (lines["Amount"] == "")).sum()
    after = (valid & (lines["Order Date"] > "2024-06-30") & (lines["Amount"] != "")).sum()
    assert agg.notes == [
        f"{no_id + 1 + no_date + no_amount:,} of {len(lines):,} order lines skipped: {no_id} no customer id in "
        f"'Customer ID'; 1 a totals line (Total, 合计 ...); {no_date} 'Order Date' is not a date (use YYYY-MM-DD "
        f"or a date column); {no_amount} the amount is not a number.",
        f"{after:,} order lines dated after as_of 2024-06-30 not counted (a customer with no earlier line is a "
        "Prospect)."]


def test_quantity_times_unit_price_when_there_is_no_amount(tmp_path):
    lines = pd.DataFrame({"InvoiceNo": ["A1", "A1", "C2", "A3"], "CustomerID": ["17", "17", "17", "18"],
                          "InvoiceDate": ["2024-01-02", "2024-01-02", "2024-01-05", "2024-01-03"],
                          "Quantity": [2, 3, -1, 1], "UnitPrice": [1.5, 2.0, 1.5, 10.0]})
    path = tmp_path / "export.parquet"
    con = duckdb.connect()
    con.register("l", lines)
    con.execute(f"COPY l TO {sql.lit(str(path))} (FORMAT PARQUET)")
    con.close()
    got = sql_path([str(path)], Config())
    # 17: 2 x 1.5 + 3 x 2.0 - 1 x 1.5 = 7.5 net, one order (the refund is not a purchase); 18: 10
    assert got.loc["17", "monetary"] == 7.5 and got.loc["17", "frequency"] == 1.0
    assert got.loc["18", "monetary"] == 10.0
    with_amount = lines.assign(Amount=lines["Quantity"] * lines["UnitPrice"]).drop(columns=["Quantity", "UnitPrice"])
    assert mismatches(pandas_path(with_amount, Config()), got) == {}


def test_cancellations_among_numeric_invoice_ids_are_refunds(tmp_path):
    """UCI Online Retail: invoice C536379 among numeric invoices is a cancellation, a refund (as the pandas path)."""
    lines = pd.DataFrame({"InvoiceNo": ["536365", "536366", "C536379", "536400"],
                          "CustomerID": ["17850", "17850", "17850", "13047"],
                          "InvoiceDate": ["2010-12-01", "2010-12-03", "2010-12-05", "2010-12-02"],
                          "Quantity": ["6", "2", "1", "3"], "UnitPrice": ["2.55", "7.65", "2.55", "4.25"]})
    path = tmp_path / "retail.csv"
    lines.to_csv(path, index=False)
    got = sql_path([str(path)], Config())
    assert got.loc["17850", "monetary"] == 28.05  # 6 x 2.55 + 2 x 7.65 - 2.55
    assert got.loc["17850", "frequency"] == 2.0  # the cancellation is not a purchase
    assert mismatches(pandas_path(lines, Config()), got) == {}


@pytest.mark.parametrize("ids, numeric", [
    (["A1", "9x", ":1", "/1", "C12"], False),  # around the first-digit range test: no plain number
    (["A1", "C12", "0"], True), (["Z", "007"], True), (["9", "~"], True), (["１２"], False)])
def test_numeric_order_ids_are_found_as_the_pandas_rule_finds_them(ids, numeric):
    """sql.numeric_orders_sql tests the first character before the regex: the same answer as
    ``[0-9]+`` over every id (transaction_sheet), on ids just outside and inside the range."""
    con = duckdb.connect()
    con.register("x", pd.DataFrame({"customer_id": ["c"] * len(ids), "order_id": ids}))
    con.execute("CREATE TEMP VIEW xlseg_all_lines AS SELECT * FROM x")
    assert (con.execute(sql.numeric_orders_sql()).fetchone()[0] > 0) is numeric
    assert pd.Series(ids).str.fullmatch(r"[0-9]+").any() == numeric
    con.close()


def test_typed_ids_and_dates_from_parquet(tmp_path):
    """Integer and whole float ids become their digits, yyyymmdd integers and timestamps become dates."""
    lines = pd.DataFrame({"Customer ID": [1001, 1001, 1002], "Date": [20240105, 20240107, 20240107],
                          "Amount": [10.0, 5.0, 7.0]})
    path = tmp_path / "typed.parquet"
    con = duckdb.connect()
    con.register("l", lines.assign(**{"Customer ID": lines["Customer ID"].astype("float64")}))
    con.execute(f"COPY l TO {sql.lit(str(path))} (FORMAT PARQUET)")
    con.close()
    got = sql_path([str(path)], Config())
    assert list(got.index) == ["1001", "1002"]
    assert got.loc["1001", "first_purchase"] == pd.Timestamp("2024-01-05")
    assert mismatches(pandas_path(lines, Config()), got) == {}


# ------------------------------------------------------------------ attributes from the latest line
def write_parquet(lines: pd.DataFrame, path) -> None:
    """``lines`` (all text, as a CSV holds them) as typed Parquet, in the same order: dates DATE, amounts DOUBLE."""
    con = duckdb.connect()
    con.register("l", lines)
    cols = ", ".join(f'"{c}"' for c in lines.columns if c not in ("Order Date", "Amount"))
    con.execute(f"""COPY (SELECT {cols}, TRY_CAST("Order Date" AS DATE) AS "Order Date",
                                 TRY_CAST("Amount" AS DOUBLE) AS "Amount" FROM l)
                    TO {sql.lit(str(path))} (FORMAT PARQUET, ROW_GROUP_SIZE 500)""")
    con.close()


def engine_paths(paths, cfg: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The order files classified both ways: in DuckDB (the cluster's way) and by the pandas core from DuckDB's
    metrics (the CLI's way)."""
    engine = DuckEngine(progress=False)
    try:
        agg = orders.aggregate(engine, paths, cfg)
        in_sql = orders.typed(engine.frame(orders.classified_query(agg, cfg))).set_index("customer_id")
        m = orders.metrics_frame(agg)
    finally:
        engine.close()
    return in_sql, xlseg.classify(aggregated=m, config=cfg).customers.set_index("customer_id")


@pytest.fixture(scope="module")
def attributed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attributes")
    lines = attribute_orders()
    lines.to_csv(folder / "orders.csv", index=False)
    lines.to_csv(folder / "orders.csv.gz", index=False, compression="gzip")
    write_parquet(lines, folder / "orders.parquet")
    return lines, folder


def test_the_attribute_log_has_same_day_lines_that_disagree(attributed):
    """Else 0 mismatches would prove nothing about the tie rule."""
    lines, _ = attributed
    expected = pandas_path(lines, Config())
    assert same_day_disagreements(lines, expected, "Country") > 40
    assert same_day_disagreements(lines, expected, "Channel") > 40
    assert list(xlseg.classify(transactions=lines).attributes) == ["source", "country", "Sales Rep", "客户经理", "Zip"]
    assert expected["Sales Rep"].isna().sum() > 10 and (expected["Sales Rep"] == "Bob Wu").sum() > 10


@pytest.mark.parametrize("name", ["orders.csv", "orders.csv.gz", "orders.parquet"])
def test_attributes_from_the_latest_line_equal_pandas(attributed, name):
    """Same-day lines that disagree: the later line in the file wins on every path; the columns the header
    recogniser does not know (Sales Rep, 客户经理, Zip) are carried, Product (not customer-level) and Note (#N/A)
    are not."""
    lines, folder = attributed
    cfg = Config()
    expected = pandas_path(lines, cfg)
    in_sql, via_pandas = engine_paths([str(folder / name)], cfg)
    assert mismatches(expected, in_sql, COMPARED + ATTRIBUTE_COLUMNS) == {}
    assert mismatches(expected, via_pandas, COMPARED + ATTRIBUTE_COLUMNS + ("segment", "stage", "tags")) == {}
    for got in (in_sql, via_pandas):
        assert "Product" not in got and "Note" not in got


def test_attributes_follow_the_order_of_several_files(attributed, tmp_path):
    """Several files are one log in the order they are given (a glob or a folder: sorted names), as the pandas
    path reads the files one after another; CSV, gzip and Parquet mixed."""
    lines, _ = attributed
    thirds = [lines.iloc[: len(lines) // 3], lines.iloc[len(lines) // 3: 2 * len(lines) // 3],
              lines.iloc[2 * len(lines) // 3:]]
    thirds[0].to_csv(tmp_path / "part-1.csv", index=False)
    thirds[1].to_csv(tmp_path / "part-2.csv.gz", index=False, compression="gzip")
    write_parquet(thirds[2], tmp_path / "part-3.parquet")
    cfg = Config()
    for paths, order in (([str(tmp_path / "part-*")], (0, 1, 2)), ([str(tmp_path)], (0, 1, 2)),
                         ([str(tmp_path / "part-3.parquet"), str(tmp_path / "part-1.csv"),
                           str(tmp_path / "part-2.csv.gz")], (2, 0, 1))):
        expected = pandas_path(pd.concat([thirds[i] for i in order], ignore_index=True), cfg)
        in_sql, via_pandas = engine_paths(paths, cfg)
        assert mismatches(expected, in_sql, COMPARED + ATTRIBUTE_COLUMNS) == {}, paths
        assert mismatches(expected, via_pandas, COMPARED + ATTRIBUTE_COLUMNS) == {}, paths


def test_the_line_order_decides_same_day_ties(attributed, tmp_path):
    """The same lines in reverse order: another line wins a same-day tie, on both paths alike."""
    lines, _ = attributed
    backwards = lines.iloc[::-1].reset_index(drop=True)
    backwards.to_csv(tmp_path / "backwards.csv", index=False)
    cfg = Config()
    expected = pandas_path(backwards, cfg)
    in_sql, _ = engine_paths([str(tmp_path / "backwards.csv")], cfg)
    assert mismatches(expected, in_sql, COMPARED + ATTRIBUTE_COLUMNS) == {}
    forwards = pandas_path(lines, cfg)
    assert (forwards["country"].fillna("") != expected["country"].reindex(forwards.index).fillna("")).sum() > 20


def test_carried_columns_with_a_settings_override_and_an_as_of(attributed):
    """Lines after as_of still give attributes (as on the sheet path); Channel mapped to a customer type instead."""
    lines, folder = attributed
    cfg = Config.from_dict({"as_of": "2024-03-31", "columns": {"customer_type": "Channel"}})
    expected = pandas_path(lines, cfg)
    in_sql, via_pandas = engine_paths([str(folder / "orders.parquet")], cfg)
    columns = COMPARED + ("country", "customer_type", "Sales Rep", "客户经理", "Zip")
    assert mismatches(expected, in_sql, columns) == {}
    assert mismatches(expected, via_pandas, columns) == {}


def test_a_column_named_like_a_result_column_is_not_carried(tmp_path):
    lines = pd.DataFrame({"Customer ID": ["A", "A", "B"], "Date": ["2024-01-02", "2024-01-02", "2024-02-01"],
                          "Amount": ["10", "20", "5"], "Recency": ["x", "x", "y"], "Team": ["t1", "t1", "t2"]})
    path = tmp_path / "o.csv"
    lines.to_csv(path, index=False)
    in_sql, via_pandas = engine_paths([str(path)], Config())
    assert "Recency" not in in_sql and in_sql.loc["A", "Team"] == "t1" and via_pandas.loc["B", "Team"] == "t2"
    assert in_sql.loc["A", "recency"] == 30


# ------------------------------------------------------------------ bad input
def test_a_missing_column_names_the_file(tmp_path):
    path = tmp_path / "no_amount.csv"
    path.write_text("Customer ID,Date\nC1,2024-01-01\n")
    with pytest.raises(ColumnError, match=r"no_amount\.csv"):
        sql_path([str(path)], Config())


def test_a_schema_mismatch_names_file_and_column(tmp_path):
    (tmp_path / "a.csv").write_text("Customer ID,Date,Amount,Order ID\nC1,2024-01-01,5,O1\n")
    (tmp_path / "b.csv").write_text("Customer ID,Date,Amount\nC2,2024-01-02,6\n")
    with pytest.raises(InputError) as err:
        sql_path([str(tmp_path / "a.csv"), str(tmp_path / "b.csv")], Config())
    assert str(err.value) == (
        "Schema mismatch between order files: 'b.csv' has no order id column ('Order ID' in 'a.csv'). "
        "Its columns: Customer ID, Date, Amount. Give files with the same columns, or classify them separately.")


def test_an_unreadable_file_names_the_file(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(InputError, match=r"Order file '.*broken\.parquet' could not be read"):
        sql_path([str(path)], Config())


def test_nothing_matches_the_glob(tmp_path):
    with pytest.raises(InputError, match=r"matches no file"):
        sources.expand([str(tmp_path / "*.parquet")])


def test_sql_transpiles_to_spark_without_duckdb_only_functions():
    """The Spark text is SQLGlot's transpilation of the same queries (no hand-written second dialect)."""
    spark_sql = sql.for_engine(classification.classify_sql(Config(), dt.date(2024, 1, 1)), "spark")
    assert "DATEDIFF" in spark_sql and "EXCLUDE" not in spark_sql and "::" not in spark_sql


def test_the_comparison_sees_a_difference(messy):
    """mismatches() reports a changed score, a missing customer and a NaN against a value."""
    lines, *_ = messy
    expected = pandas_path(lines, Config())
    changed = expected.copy()
    first = changed.index[0]
    changed.loc[first, "r_score"] = 6
    changed.loc[changed.index[1], "mean_gap"] = float("nan") if pd.notna(expected["mean_gap"].iloc[1]) else 1.0
    found = mismatches(expected, changed.iloc[:-1])
    assert found["r_score"][0][0] == first and "mean_gap" in found and found["customer_id"] == [expected.index[-1]]

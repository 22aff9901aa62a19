"""The sentences a run says about itself in Chinese (issue 11): Summary, Issues sheet and CLI, through
xlseg.core.sentences; English runs unchanged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from xlseg.cli import main
from xlseg.core import sentences as S
from xlseg.core.engine import classify

DATA = Path(__file__).parent / "data"
# Words that stay as they are in Chinese text: setting names and options (snake case and --options are
# stripped first), model and format names.
KEPT = {"BG", "NBD", "Gamma", "alive", "YYYY", "MM", "DD", "yyyymmdd", "dd", "mm", "yyyy", "Excel", "xlseg",
        "TRUE", "FALSE", "CLV", "RFM", "Total", "UTF", "BOM", "Windows", "VIP"}


def english(text: str) -> list:
    """The English words left in ``text`` once names in Chinese quotes, settings and options are set aside."""
    text = re.sub(r"“[^”]*”", "", str(text))
    text = re.sub(r"--[\w-]+|[\w.]*_[\w.]*|column\.\w+|P\(alive\)", "", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in KEPT]


def _cells(ws, columns=None):
    for row in ws.iter_rows(values_only=True):
        for i, v in enumerate(row):
            if isinstance(v, str) and (columns is None or i in columns):
                yield v


# ------------------------------------------------------------------ real exports, Chinese end to end
MESSY_CSV = (  # order lines with most kinds of finding: text dates, text amounts, error cells, totals, refunds ...
    "Customer ID,Order ID,Order Date,Amount,Country\n"
    "C1,1001,2024-01-05,120.50,China\n"
    "C1,1002,2024年3月1日,\"¥1,234.50\",China\n"
    "C2,1003,2024-02-10,80,USA\n"
    "C2,C1003,2024-02-11,80,USA\n"
    "C3,1004,not a date,50,China\n"
    "C3,1005,2024-04-01,#N/A,China\n"
    "C4,1006,2099-01-01,70,China\n"
    ",1007,2024-05-01,30,China\n"
    "C5,1008,2024-05-02,-40,China\n"
    "Total,,,1645,\n"
)


def _run(args, tmp_path):
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    return res


@pytest.mark.parametrize("source", ["uci", "messy"])
def test_a_chinese_run_says_everything_in_chinese(source, tmp_path):
    if source == "uci":
        src = tmp_path / "online_retail_sample.csv"
        shutil.copy(DATA / "online_retail_sample.csv", src)
    else:
        src = tmp_path / "orders.csv"
        src.write_text(MESSY_CSV, encoding="utf-8")
    out = tmp_path / "zh.xlsx"
    res = _run(["classify", str(src), "-o", str(out), "--lang", "zh", "--as-of", "2024-06-30"], tmp_path)
    wb = openpyxl.load_workbook(out)
    said = list(_cells(wb["汇总"])) + list(_cells(wb["数据问题"], columns={2, 6}))  # Problem, Action
    lines = [line for line in res.output.splitlines() if line[:2] in ("理解", "说明", "警告")]
    assert lines and len(said) > 20
    left = {text: english(text) for text in said + lines if english(text)}
    assert left == {}
    if source == "uci":
        assert "工作表“online_retail_sample”没有金额列：每行金额 = “Quantity” × “UnitPrice”。" in said
        assert "理解：1 行订单号形如“C536383”的明细是取消单：作为退款冲减消费金额，不算购买。" in lines
    else:
        problems = list(_cells(wb["数据问题"], columns={2}))
        assert {"日期是文本", "金额是文本", "不是日期", "错误值 #N/A", "合计行", "没有客户编号", "金额为负",
                "取消单（订单号以 C 开头）", "日期晚于统计截止日期 2024-06-30"} <= set(problems)
        assert any(line.startswith("警告：") for line in res.output.splitlines())


def test_an_english_run_says_the_same_sentences_as_the_library(tmp_path):
    src = tmp_path / "online_retail_sample.csv"
    shutil.copy(DATA / "online_retail_sample.csv", src)
    out = tmp_path / "en.xlsx"
    res = _run(["classify", str(src), "-o", str(out)], tmp_path)
    wb = openpyxl.load_workbook(out)
    summary = list(_cells(wb["Summary"]))
    expected = "Sheet 'online_retail_sample' has no amount column: amount = 'Quantity' x 'UnitPrice' on every line."
    assert expected in summary and f"Understood: {expected}" in res.output
    assert "not a date" in list(_cells(wb["Issues"], columns={2}))


# ------------------------------------------------------------------ every sentence the engine says, in Chinese
D = pd.Timestamp


def _scenarios():
    yield "customer table, recency in days", dict(customers=pd.DataFrame({
        "Customer ID": ["A", "B", "C", "B", "合计"], "Monetary": [100, "¥2,000", "abc", 30, 2130],
        "Frequency": [1, "3次", 2.5, 1, 7], "Recency": [10, 40, 400, 5, None]}), config={"as_of": "2024-06-30"})
    yield "customer table without metrics", dict(customers=pd.DataFrame({
        "Customer ID": ["A", "B"], "Country": ["China", "USA"]}))
    yield "both sheets", dict(customers=pd.DataFrame({
        "Customer ID": ["A", "B"], "Last Purchase": [D("2024-01-01"), D("2024-02-01")], "Orders": [1, 2]}),
        transactions=pd.DataFrame({"Customer ID": ["A", "Z", "B", "B"],
                                   "Date": ["2024-01-01", "2024-02-01", "03/02/2024", "13/02/2024"],
                                   "Amount": [10, 20, -5, 30]}))
    yield "quantity x price, state and region", dict(transactions=pd.DataFrame({
        "Customer ID": ["A", "A", "B"], "InvoiceNo": ["536365", "C536366", "536367"],
        "Date": [D("2024-01-01"), D("2024-01-02"), D("2024-01-03")], "Quantity": [2, 1, 3],
        "UnitPrice": [1.5, 1.5, 2.0], "State": ["CA", "CA", "NY"], "Region": ["West", "West", "East"]}))
    yield "unit price only, long ids", dict(transactions=pd.DataFrame({
        "Customer ID": [12345678901234567890, 2.0], "Date": [D("2024-01-01"), D("2024-01-02")],
        "Price": [5.0, "9"]}), config={"tier_method": "clv", "palive_warning": 0.3})
    yield "negative net spend", dict(transactions=pd.DataFrame({
        "Customer ID": ["A", "A", "B"], "Date": [D("2024-01-01"), D("2024-01-02"), D("2024-01-03")],
        "Amount": [10, -50, 5]}), config={"predict": False, "tier_method": "clv"})


@pytest.mark.parametrize("name, kwargs", list(_scenarios()), ids=[n for n, _ in _scenarios()])
def test_every_sentence_of_a_run_has_its_chinese(name, kwargs):
    result = classify(**kwargs)
    texts = list(result.understood) + list(result.notes) + list(result.warnings)
    texts += [t for t in result.issue_groups["problem"].tolist() + result.issue_groups["action"].tolist() if t]
    assert texts
    missing = [t for t in texts if S.say(t, "zh") == t or english(S.say(t, "zh"))]
    assert missing == []


def test_overrides_findings_have_their_chinese():
    overrides = pd.DataFrame({"Customer ID": ["A", "nobody", "A", "B", "A", None],
                              "Field": ["Segment", "Stage", "colour", "Stage", "Segment", "Stage"],
                              "Value": ["Champions", "Lost", "red", "nonsense", "At Risk", "Lost"],
                              "Reason": ["deal", "x", "x", "x", "again", "x"], "row": [5, 6, 7, 8, 9, 10]})
    result = classify(pd.DataFrame({"Customer ID": ["A", "B"], "Orders": [1, 2], "Total Spend": [1.0, 2.0],
                                    "Last Purchase": [D("2024-01-01"), D("2024-02-01")]}),
                      config={"overrides": overrides})
    groups = result.issue_groups
    texts = groups["problem"].tolist() + groups["action"].tolist()
    assert len(groups) >= 4
    assert [t for t in texts if S.say(t, "zh") == t or english(S.say(t, "zh"))] == []


def _example(name: str) -> tuple[str, str]:
    """(English text, its Chinese) for one placeholder of the catalogue."""
    kind = name.rsplit("_", 1)[1] if "_" in name else ""
    return {"t": ("not a date", "不是日期"), "l": ("not a date (4); blank (2)", "不是日期（4 行）；空白（2 行）"),
            "q": ("'A' and 'B'", "“A”和“B”"), "k": ("customer", "客户"), "h": ("Segment", "客户分群"),
            "f": ("country", "国家"), "m": ("'Land' -> country", "“Land”→国家"), "c": ("T1, T2", "T1、T2"),
            "w": ("Prospect, Lost", "潜在客户、流失客户"),
            "e": ("the BG/NBD fit did not converge", "BG/NBD 模型拟合未收敛"),
            }.get(kind, (f"<{name}>", f"<{name}>"))


@pytest.mark.parametrize("en, zh", S.CATALOG, ids=[en[:40] for en, _ in S.CATALOG])
def test_each_pattern_gives_its_own_chinese(en, zh):
    """No earlier, more general pattern takes a sentence of a later one."""
    names = re.findall(r"\{(\w+)\}", en)
    text = en.format(**{n: _example(n)[0] for n in names})
    want = zh.format(**{(n.rsplit("_", 1)[0] if "_" in n else n): _example(n)[1] for n in names})
    assert S.say(text, "zh") == want
    assert S.say(text, "en") == text


def test_order_files_in_chinese(tmp_path):
    """``--orders`` (DuckDB) in Chinese: its own line, the engine's notes, the Summary and Issues sheets."""
    from tests.engine_data import messy_orders

    path = tmp_path / "orders.csv"
    messy_orders(seed=5, n_lines=300, n_customers=40).to_csv(path, index=False)
    out, every = tmp_path / "zh.xlsx", tmp_path / "all.csv"
    res = _run(["classify", "--orders", str(path), "-o", str(out), "--customers-out", str(every), "--lang", "zh"],
               tmp_path)
    lines = res.output.splitlines()
    assert any(re.fullmatch(r"订单：1 个文件由 DuckDB 汇总为 \d+ 个客户（购买频次按订单号计）。", line) for line in lines)
    assert f"全部客户的结果已写入 {every}" in lines
    wb = openpyxl.load_workbook(out)
    said = list(_cells(wb["汇总"])) + list(_cells(wb["数据问题"], columns={2, 6}))
    shown = [line for line in lines if line[:2] in ("理解", "说明", "警告")]
    assert {text: english(text) for text in said + shown if english(text)} == {}

"""The ``xlseg`` command: help everywhere, --version, classify options, CSV input, --in-place."""

from __future__ import annotations

import datetime as dt
import hashlib

import click
import openpyxl
import pytest

from xlseg import __version__
from xlseg.cli import main
from xlseg.core import labels as L
from xlseg.plan.build import OUTPUT_KEYS
from tests.cli_runner import cli


def _commands(group: click.Group, path=()):
    yield path, group
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path + (name,))
        else:
            yield path + (name,), cmd


ALL_COMMANDS = list(_commands(main))


def test_the_documented_commands_exist():
    names = {" ".join(p) for p, _ in ALL_COMMANDS}
    assert {"", "addin", "addin build", "addin install", "classify", "demo"} <= names


@pytest.mark.parametrize("path, cmd", ALL_COMMANDS, ids=[" ".join(p) or "xlseg" for p, _ in ALL_COMMANDS])
def test_every_command_has_help(path, cmd):
    assert cmd.help and cmd.help.strip(), path
    for opt in cmd.params:
        if isinstance(opt, click.Option) and opt.name not in ("help", "version"):
            assert opt.help and opt.help.strip(), (path, opt.name)
    for flag in ("--help", "-h"):
        result = cli(*path, flag)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"Usage: xlseg{' ' + ' '.join(path) if path else ''} ")
        first = " ".join(cmd.help.strip().split("\n\n")[0].split())
        assert first in " ".join(result.stdout.split()), (path, first)
        assert result.stderr == ""


def test_version():
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"xlseg, version {__version__}\n"


def test_no_arguments_shows_the_commands():
    result = cli()
    assert result.exit_code in (0, 2)  # click >= 8.2 exits 2 when a group gets no command
    text = result.stdout + result.stderr
    assert "classify" in text and "demo" in text and "addin" in text


HEADER = ["Customer ID", "Name", "First Purchase", "Last Purchase", "Orders", "Total Spend"]
ROWS = [
    ["C001", "Alice", dt.datetime(2024, 1, 5), dt.datetime(2026, 6, 20), 12, 5400.0],
    ["C002", "Bob", dt.datetime(2025, 3, 1), dt.datetime(2026, 1, 10), 3, 800.0],
    ["C003", "Carol", dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 1), 1, 120.0],
    ["C004", "Dan", dt.datetime(2023, 2, 1), dt.datetime(2024, 8, 1), 5, 2000.0],
    ["C005", "Eve", None, None, 0, 0.0],
]


@pytest.fixture
def book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_classify_default_output_and_report(book):
    result = cli("classify", book)
    out = book.with_name("book_classified.xlsx")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Classified 5 customers as of 2026-06-20; no data-quality findings."
    assert lines[-1] == f"Wrote {out}"
    assert all(line.startswith(("Note: ", "Understood: ")) for line in lines[1:-1])
    assert result.stderr == ""
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Data", "Summary"]
    assert {"Customers", "Tags", "Issues", "Settings"} <= set(wb.sheetnames)
    assert [c.value for c in wb["Data"][1]] == HEADER + [L.header(k, "en") for k in OUTPUT_KEYS]


def test_classify_as_of_and_lang_zh(book, tmp_path):
    out = tmp_path / "zh.xlsx"
    result = cli("classify", book, "-o", out, "--as-of", "2026-12-31", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("已分类 5 个客户，统计截止日期 2026-12-31；")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Data", "汇总"]
    assert {"客户明细", "标签明细", "数据问题", "设置"} <= set(wb.sheetnames)
    assert not {"Summary", "Customers", "Tags", "Issues", "Settings"} & set(wb.sheetnames)
    head = [c.value for c in wb["Data"][1]]
    assert head[len(HEADER):] == [L.header(k, "zh") for k in OUTPUT_KEYS]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in head[len(HEADER):] if h not in ("RFM",))
    assert wb["汇总"]["B2"].value == dt.datetime(2026, 12, 31)
    assert wb["汇总"]["A2"].value == "统计截止日期"
    cust = wb["客户明细"]
    assert [c.value for c in cust[1]][:2] == [L.header("customer_id", "zh"), L.header("name", "zh")]
    recency = {r[0]: r[2] for r in cust.iter_rows(min_row=2, values_only=True)}
    assert recency["C001"] == (dt.date(2026, 12, 31) - dt.date(2026, 6, 20)).days
    zh_labels = {L.label(L.STAGES, k, "zh") for k in L.STAGES}
    stages = [r[len(HEADER) + 6] for r in wb["Data"].iter_rows(min_row=2, values_only=True)]
    assert set(stages) <= zh_labels and stages[-1] == L.label(L.STAGES, "prospect", "zh")


def test_as_of_today(book, tmp_path):
    result = cli("classify", book, "-o", tmp_path / "t.xlsx", "--as-of", "today")
    assert result.exit_code == 0
    assert f"as of {dt.date.today().isoformat()};" in result.stdout


def test_in_place_keeps_a_backup(book):
    original = book.read_bytes()
    result = cli("classify", book, "--in-place")
    backup = book.with_name("book.backup.xlsx")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(f"Wrote {book}\nBackup of the original: {backup}\n")
    assert backup.read_bytes() == original
    assert hashlib.sha256(book.read_bytes()).digest() != hashlib.sha256(original).digest()
    assert "Summary" in openpyxl.load_workbook(book).sheetnames
    assert sorted(p.name for p in book.parent.iterdir()) == ["book.backup.xlsx", "book.xlsx"]
    # issue 12: a second in-place run never overwrites the first backup with a later state
    first = book.read_bytes()
    result = cli("classify", book, "--in-place")
    assert result.exit_code == 0
    assert result.stdout.endswith(f"Backup of the original: {book.with_name('book.backup-2.xlsx')}\n")
    assert backup.read_bytes() == original
    assert book.with_name("book.backup-2.xlsx").read_bytes() == first


def test_in_place_refuses_a_csv(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Customer ID,Total Spend\nA,1\n", encoding="utf-8")
    result = cli("classify", path, "--in-place")
    assert result.exit_code == 1
    assert result.stderr == ("Error: --in-place needs a workbook: a CSV file cannot hold xlseg's sheets. Use -o "
                             "BOOK.xlsx.\n")


ZH_CSV = ("客户编号,客户名称,首次购买日期,最近购买日期,购买次数,消费金额\n"
          "K001,北京华恒科技有限公司,2024-01-05,2026-06-20,12,\"¥5,400.00\"\n"
          "K002,王伟,2025-03-01,2026-01-10,3,800\n"
          "K003,李娜,2026-05-01,2026-05-01,1,120.5\n"
          "K004,上海瑞达贸易,2023-02-01,2024-08-01,5,2000\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_input_in_chinese(tmp_path, encoding):
    path = tmp_path / "客户.csv"
    path.write_bytes(ZH_CSV.encode(encoding))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("classify", path, "--lang", "zh")
    out = tmp_path / "客户_classified.xlsx"
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    # one finding: the amount typed as text ("¥5,400.00") was read as a number, and the Issues sheet says so
    assert lines[0] == "已分类 4 个客户，统计截止日期 2026-06-20；发现 1 类数据问题，涉及 1 行（详见“数据问题”工作表）。"
    assert lines[-1] == f"已写入 {out}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "客户"
    ws = wb["客户"]
    assert [c.value for c in ws[1]] == ZH_CSV.splitlines()[0].split(",") + [L.header(k, "zh") for k in OUTPUT_KEYS]
    names = [r[1] for r in wb["客户明细"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(["北京华恒科技有限公司", "王伟", "李娜", "上海瑞达贸易"])
    money = {r[0]: r[4] for r in wb["客户明细"].iter_rows(min_row=2, values_only=True)}
    assert money == {"K001": 5400.0, "K002": 800.0, "K003": 120.5, "K004": 2000.0}
    assert ws["B2"].value == "北京华恒科技有限公司" and ws["E2"].value == 12  # typed as Excel would
    issues = list(wb["数据问题"].iter_rows(min_row=2, values_only=True))
    assert [(i[0], i[1], i[3], i[4], i[5]) for i in issues] == [("客户", "消费金额", 1, "2", "¥5,400.00")]


def test_csv_with_semicolons_and_leading_zeros(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("Customer ID;Name;Orders;Total Spend;Last Purchase\n007;Ann;2;10.5;2026-01-02\n"
                    "008;Bob;1;3;2026-02-01\n", encoding="utf-8")
    result = cli("classify", path, "-o", tmp_path / "semi.xlsx")
    assert result.exit_code == 0, result.stderr
    ws = openpyxl.load_workbook(tmp_path / "semi.xlsx")["semi"]
    assert [ws["A2"].value, ws["A3"].value] == ["007", "008"]  # ids keep their leading zeros
    assert ws["D2"].value == 10.5

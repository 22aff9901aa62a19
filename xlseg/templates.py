"""Template workbooks for sharing: sample data, classified with live formulas, and a ReadMe.

``build_template(name, out)`` makes one of :data:`TEMPLATES`; ``python -m
xlseg.templates [DIR]`` regenerates all three into ``workbook_templates/``.
Output is deterministic by content (cells, formulas, defined names, formats):
fixed seed, fixed as_of, fixed ``generated`` stamp.

Each template: a ReadMe sheet in the template's language, the customer sheet
(and a transaction sheet for ``cross_border``) with xlseg's columns as Excel
formulas (:mod:`xlseg.plan.formulas`), Summary with charts, Customers,
Tags, Issues, and a documented Settings sheet with drop-down lists.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.errors import XlsegError
from xlseg.plan.write_plan import Block, SheetPlan, Style

GENERATED = "2026-06-30 09:00 · xlseg template"
RUN_TIME = dt.datetime(2026, 6, 30, 9, 0)
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "workbook_templates"


@dataclass(frozen=True)
class Template:
    name: str
    customer_sheet: str
    transaction_sheet: str | None
    settings: dict  # Config keyword arguments besides lang and as_of
    title: str
    intro: str


TEMPLATES = {
    "retail_b2c": Template(
        "retail_b2c", "客户名单", None, {},
        "零售客户分群模板（个人客户，线上/线下）",
        "每行一位个人客户：首次/最近购买日期、购买次数和消费金额。xlseg 据此计算 RFM 评分、客户分群、价值等级和生命周期阶段。"),
    "b2b_key_accounts": Template(
        "b2b_key_accounts", "Accounts", None, {"tier_method": "threshold", "threshold_high": 1_000_000,
                                               "threshold_medium": 100_000},
        "Key accounts (B2B) segmentation template",
        "One row per company: industry, size, account manager, satisfaction, first/last purchase, orders and "
        "revenue. Value tiers use fixed revenue thresholds: >= 1,000,000 is High value (tier 1), >= 100,000 "
        "Medium value, below that Low value."),
    "cross_border": Template(
        "cross_border", "Shoppers", "Orders", {"home_country": "China"},  # a Chinese seller: abroad is International
        "Cross-border storefront segmentation template",
        "Shoppers (country, region, source, product or service needs) on one sheet and their order lines on "
        "the Orders sheet. Spend, order count and purchase dates are computed from the orders."),
}

README = {
    "en": {
        "sheet": "ReadMe",
        "steps_head": "What to do",
        "steps": [
            "1. Replace the sample rows with your customers (keep the header row). For new rows, copy the "
            "formulas of xlseg's columns (R Score ... Stage) down from the row above. With an Orders sheet, "
            "new customers and new order lines need Reclassify (step 4).",
            "2. The coloured columns are live Excel formulas: they recompute in Excel (2010 or later, Mac and "
            "web), WPS and LibreOffice with no Python. They read their parameters from the Settings sheet.",
            "3. Change windows (new_days, active_days, lost_days ...), thresholds and the R x F grid on the "
            "Settings sheet: the formulas follow at once. Methods and operators have drop-down lists.",
            "4. With Python installed, run Reclassify (Customer Segments ribbon) or `xlseg classify --formulas "
            "FILE`: it refreshes the score cut points in Settings from your data and rebuilds Summary, "
            "Customers, Tags and Issues.",
            "5. Tags, the Summary, Customers and Tags sheets are computed by Python only: they show the last "
            "run until you reclassify.",
            "6. Before sending a copy outside your team, run `xlseg share FILE -o COPY.xlsx`: names, phone "
            "numbers, e-mails and addresses are replaced by a stable code.",
        ],
        "cols_head": ("Column", "Meaning"),
        "outputs_head": "Columns xlseg adds",
        "inputs_head": "Your columns",
    },
    "zh": {
        "sheet": "说明",
        "steps_head": "使用步骤",
        "steps": [
            "1. 用您的客户替换示例数据（保留表头行）。新增行时，把 xlseg 各列（R评分 … 生命周期阶段）的公式从上一行向下复制。有订单工作表时，新增客户和订单行需要重新分类（第 4 步）。",
            "2. 彩色列是 Excel 原生公式：在 Excel（2010 及以上、Mac 和网页版）、WPS 和 LibreOffice 中无需 Python 即可自动重算，参数来自“设置”工作表。",
            "3. 在“设置”工作表中修改时间窗口（new_days、active_days、lost_days 等）、金额阈值和 R × F 分群网格，公式立即生效；方法和运算符有下拉列表。",
            "4. 安装 Python 后，点击“客户分群”功能区的“重新分类”或运行 `xlseg classify --formulas 文件`：按当前数据刷新“设置”中的评分分界点，并重建汇总、客户明细、标签明细和数据问题工作表。",
            "5. 标签以及汇总、客户明细、标签明细工作表只由 Python 计算：重新分类前显示上次运行的结果。",
            "6. 对外发送前运行 `xlseg share 文件 -o 副本.xlsx`：姓名、电话、邮箱和地址会被替换为稳定的编码。",
        ],
        "cols_head": ("列", "含义"),
        "outputs_head": "xlseg 添加的列",
        "inputs_head": "您的数据列",
    },
}

OUTPUT_MEANING = {
    "r_score": ("1-5: how recently the customer bought (5 = most recent); cut points in Settings.",
                "1-5：最近一次购买有多近（5 最近）；分界点见“设置”。"),
    "f_score": ("1-5: how often the customer bought (5 = most often).", "1-5：购买频次（5 最多）。"),
    "m_score": ("1-5: how much the customer spent (5 = most).", "1-5：消费金额（5 最高）。"),
    "rfm": ("The three scores as one code, e.g. 545.", "三个评分组成的代码，如 545。"),
    "segment": ("RFM segment from the R x F grid in Settings.", "按“设置”中 R × F 网格得到的客户分群。"),
    "value_tier": ("High / Medium / Low value, or Potential for a promising Medium/Low customer.",
                   "高价值 / 一般价值 / 低价值；有潜力的一般或低价值客户为“潜力”。"),
    "stage": ("Lifecycle stage: Prospect, New, Active, Churn Warning, Lost (Reactivated needs order history).",
              "生命周期阶段：潜在客户、新客户、活跃客户、流失预警、流失客户（回流客户需要订单明细）。"),
    "tags": ("Tags from the rule table in Settings (Python only; refreshed by Reclassify).",
             "按“设置”中标签规则打的标签（仅 Python 计算，重新分类时刷新）。"),
}

INPUT_MEANING = {
    "Customer ID": "Unique id of the customer.", "Company": "Company name.", "Name": "Customer name.",
    "Industry": "Industry of the company.", "Company Size": "Number of employees.",
    "Account Manager": "Who looks after the account.", "Satisfaction": "Satisfaction score 1-5 (blank: unknown).",
    "First Purchase": "Date of the first order.", "Last Purchase": "Date of the latest order.",
    "Orders": "Number of orders.", "Revenue": "Total revenue (net of refunds).",
    "Country": "Country of the shopper.", "Region": "World region.", "Source": "Online or Offline.",
    "Needs": "Product, Service or Both.", "Order ID": "Order number (one order may have several lines).",
    "Date": "Order date.", "Amount": "Line amount; negative = refund.",
    "客户编号": "客户唯一编号。", "客户名称": "客户姓名。", "客户类型": "个人或企业。", "客户来源": "线上或线下。",
    "会员等级": "会员等级（参考信息，不参与计算）。", "地区": "所在地区。", "城市": "所在城市。",
    "首次购买日期": "第一次购买的日期。", "最近购买日期": "最近一次购买的日期。", "购买次数": "累计购买次数。",
    "消费金额": "累计消费金额（已扣除退款）。", "满意度": "满意度 1-5（空白表示未知）。", "互动次数": "互动次数。",
}


def template_config(name: str) -> Config:
    from xlseg.sample_data import template_frames

    t = _template(name)
    d = template_frames(name, n=1)
    return Config(lang=d["lang"], as_of=d["as_of"], **t.settings)


def _template(name: str) -> Template:
    if name not in TEMPLATES:
        raise XlsegError(f"There is no template '{name}'. Use one of: {', '.join(TEMPLATES)}.")
    return TEMPLATES[name]


def readme_sheet(t: Template, lang: str, customers_headers, tx_headers) -> SheetPlan:
    text = README[lang]
    i = L.LANGS.index(lang)
    sp = SheetPlan("readme", text["sheet"], tab_color="00897B")
    rows = [[t.title], [t.intro], [None], [text["steps_head"]]] + [[s] for s in text["steps"]] + [[None]]
    sp.blocks.append(Block(1, 1, rows))
    sp.styles.append(Style("A1", bold=True, size=16))
    sp.styles.append(Style("A4", bold=True, size=12))
    r = len(rows) + 1
    sp.blocks.append(Block(r, 1, [[text["inputs_head"]], list(text["cols_head"])]
                           + [[h, INPUT_MEANING.get(h, "")] for h in list(customers_headers) + list(tx_headers)]))
    sp.styles.append(Style(f"A{r}", bold=True, size=12))
    sp.styles.append(Style(f"A{r + 1}:B{r + 1}", bold=True))
    r += 3 + len(customers_headers) + len(tx_headers)
    sp.blocks.append(Block(r, 1, [[text["outputs_head"]], list(text["cols_head"])]
                           + [[L.header(k, lang), OUTPUT_MEANING[k][i]] for k in OUTPUT_MEANING]))
    sp.styles.append(Style(f"A{r}", bold=True, size=12))
    sp.styles.append(Style(f"A{r + 1}:B{r + 1}", bold=True))
    sp.widths = {"A": 24, "B": 110}
    return sp


def build_template(name: str, out, *, generated: str = GENERATED) -> Path:
    """Write template ``name`` (one of :data:`TEMPLATES`) to ``out`` (.xlsx); return the path."""
    import inspect

    from xlseg.ooxml.new_book import write_new_book
    from xlseg.sample_data import template_frames
    from xlseg.sample_data.workbook import input_sheets
    from xlseg.plan.build import TITLES
    from xlseg.filemode.run import classify_file
    from xlseg.plan.settings import settings_sheet

    t = _template(name)
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise XlsegError(f"A template is an .xlsx workbook; '{out.name}' does not end in .xlsx.")
    d = template_frames(name)
    cfg = Config(lang=d["lang"], as_of=d["as_of"], **t.settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        data = input_sheets(d["customers"], d["transactions"], customer_sheet=t.customer_sheet,
                            transaction_sheet=t.transaction_sheet or "Transactions")
        data[0].landscape = data[0].fit_width = True  # the customer sheet prints on one page width
        tx_headers = list(d["transactions"].columns) if d["transactions"] is not None else []
        readme = readme_sheet(t, cfg.lang, list(d["customers"].columns), tx_headers)
        settings = settings_sheet(cfg, TITLES["settings"][L.LANGS.index(cfg.lang)])
        # ReadMe first, Settings last, both marked as xlseg's (a classify keeps them; share never masks them)
        write_new_book(tmp, [readme, *data, settings], marked={readme.key, settings.key})
        kwargs = {"run_time": RUN_TIME} if "run_time" in inspect.signature(classify_file).parameters else {}
        classify_file(tmp, out, sheet=t.customer_sheet, transactions=t.transaction_sheet, generated=generated,
                      formulas=True, **kwargs)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


def main(argv=None) -> int:
    """``python -m xlseg.templates [DIR]``: regenerate every template into DIR (default workbook_templates/)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(main.__doc__)
        return 0
    if args and (args[0].startswith("-") or len(args) > 1):  # an option, or more than one folder
        print(f"Unknown arguments: {' '.join(args)}. Usage: {main.__doc__}", file=sys.stderr)
        return 2
    folder = Path(args[0]) if args else DEFAULT_DIR
    for name in TEMPLATES:
        path = build_template(name, folder / f"{name}.xlsx")
        print(f"Wrote {path}")
    return 0


__all__ = ["TEMPLATES", "GENERATED", "build_template", "template_config", "readme_sheet", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

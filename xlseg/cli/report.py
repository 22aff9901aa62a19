"""What ``xlseg classify`` and ``xlseg demo`` print after a run, in English or Chinese."""

from __future__ import annotations

import click

from xlseg.core.sentences import say

# The CLI's own words in either language (the library's sentences: xlseg.core.sentences).
WORDS = {
    "classified": ("Classified {n:,} customers as of {as_of}; data-quality findings: {k:,} {kinds} on {rows:,} "
                   "{row_word} (see the Issues sheet).",
                   "已分类 {n:,} 个客户，统计截止日期 {as_of}；发现 {k:,} 类数据问题，涉及 {rows:,} 行（详见“数据问题”工作表）。"),
    "clean": ("Classified {n:,} customers as of {as_of}; no data-quality findings.",
              "已分类 {n:,} 个客户，统计截止日期 {as_of}；未发现数据问题。"),
    "understood": ("Understood", "理解"),
    "note": ("Note", "说明"),
    "warning": ("Warning", "警告"),
    "wrote": ("Wrote {path}", "已写入 {path}"),
    "backup": ("Backup of the original: {path}", "原文件备份：{path}"),
    "customers_out": ("Wrote every customer's result to {path}", "全部客户的结果已写入 {path}"),
    "strict": ("--strict: {n} warning(s) above; the workbook was written, the exit code is 1.",
               "--strict：存在 {n} 条警告；工作簿已写入，退出码为 1。"),
}


def _say(key: str, lang: str) -> str:
    return WORDS[key][1 if lang == "zh" else 0]


def _report(run, *, table: bool = False):
    result = run.result
    lang = result.config.lang
    n = len((run.full or result).customers)
    groups = result.issue_groups
    kinds = len(groups) if groups is not None else len(result.issues)
    rows = result.issue_rows
    if rows is None:  # a Result made elsewhere: the records (a row with two problems counts twice)
        rows = int(groups["count"].sum()) if groups is not None and len(groups) else len(result.issues)
    as_of = "-" if result.as_of is None else result.as_of.date().isoformat()
    if table:
        _summary_table(result)
    text = _say("classified" if kinds else "clean", lang)
    click.echo(text.format(n=n, as_of=as_of, k=kinds, rows=rows, kinds="kind" if kinds == 1 else "kinds",
                           row_word="row" if rows == 1 else "rows"))
    colon = "：" if lang == "zh" else ": "
    for line in result.understood:
        click.echo(f"{_say('understood', lang)}{colon}{say(line, lang)}")
    for note in result.notes:
        click.echo(f"{_say('note', lang)}{colon}{say(note, lang)}")
    for warning in result.warnings:
        click.echo(f"{_say('warning', lang)}{colon}{say(warning, lang)}", err=True)
    click.echo(_say("wrote", lang).format(path=run.output))
    if run.backup is not None:
        click.echo(_say("backup", lang).format(path=run.backup))


def _summary_table(result):
    from rich.console import Console
    from rich.table import Table

    seg = result.summaries["segments"]
    t = Table(title=f"Segments as of {result.as_of.date().isoformat() if result.as_of is not None else '-'}")
    for col, just in (("Segment", "left"), ("Customers", "right"), ("Share", "right"), ("Revenue", "right"),
                      ("Share of revenue", "right")):
        t.add_column(col, justify=just)
    for row in seg.itertuples(index=False):
        t.add_row(row.segment, f"{row.customers:,}", f"{row.customer_share:.1%}", f"{row.revenue:,.2f}",
                  f"{row.revenue_share:.1%}")
    Console(width=100).print(t)

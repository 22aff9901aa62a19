"""The ``xlseg`` command: thin shells over the library.

Each command parses its options, calls one library function and renders the
result. An :class:`xlseg.errors.XlsegError` becomes one message on stderr and
exit code 1; usage errors exit 2 (click). No traceback reaches the user: an
unexpected failure prints one line and how to get the details
(``XLSEG_DEBUG=1``).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from xlseg import __version__
from xlseg.errors import XlsegError

STEPS = 14  # roughly how many progress steps a classify run reports


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def friendly(func):
    """Turn xlseg errors into one clear message (exit 1), and hide tracebacks."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except XlsegError as exc:
            _fail(str(exc))
        except PermissionError as exc:
            _fail(f"Permission denied: '{exc.filename}'. Close the file in Excel (or any other program) "
                  "and check that the folder is writable, then run again.")
        except BrokenPipeError:  # stdout closed early (``| head -1``): the work is done, say nothing more
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            _fail("Interrupted; nothing was written.", 130)
        except click.exceptions.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            if os.environ.get("XLSEG_DEBUG"):
                raise
            _fail(f"xlseg hit an unexpected problem ({type(exc).__name__}: {exc}). Your files are unchanged. "
                  "Run again with XLSEG_DEBUG=1 for details and report it.")

    return wrapper


class Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, total: int = STEPS):
        self.enabled = sys.stderr.isatty()
        self.label, self.total = label, total
        self._progress = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress as RichProgress, SpinnerColumn, TextColumn, \
                TimeElapsedColumn

            self._progress = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                          TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=self.total)
        return self

    def __call__(self, message: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=f"{self.label}: {message}")

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False


def _as_of(ctx, param, value):
    if value is None:
        return None
    from xlseg.core.config import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is {exc}.") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xlseg")
def main():
    """xlseg: customer segmentation for Excel workbooks.

    Classifies customers into RFM scores, segments, value tiers, lifecycle
    stages and tags, and writes coloured columns and summary sheets back into
    the workbook. Start with `xlseg demo`.
    """


@main.command()
@click.argument("input", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Where to write the classified workbook (default: INPUT_classified.xlsx).")
@click.option("--sheet", help="Customer sheet name (default: Settings, else detected).")
@click.option("--transactions", help="Transaction sheet name (default: detected).")
@click.option("--orders", "orders", multiple=True, metavar="PATH",
              help="Order lines from files instead of a sheet: CSV (plain or .gz), Parquet, a folder or a glob "
                   "('orders/*.parquet'); repeat for more. Aggregated by --engine without loading the lines "
                   "into Python.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="What aggregates --orders: DuckDB (embedded) or Spark (pip install 'xlseg[spark]').")
@click.option("--spark-master", metavar="URL",
              help="Spark master for --engine spark: local[*] (default), spark://host:7077, yarn, or sc://host "
                   "for Spark Connect.")
@click.option("--customers-out", type=click.Path(path_type=Path), metavar="PATH",
              help="With --orders: also write every customer's result to PATH (.parquet or .csv); the workbook "
                   "holds at most 1,048,575 customers.")
@click.option("--as-of", "as_of", callback=_as_of,
              help="Compute metrics as of this date (YYYY-MM-DD or 'today'); default: latest purchase.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Language of labels and headers.")
@click.option("--in-place", is_flag=True, help="Write into INPUT itself (a .backup copy is kept).")
@click.option("--formulas", is_flag=True,
              help="Write the classification columns as live Excel formulas that read their cut points and "
                   "windows from Settings (recompute without Python in Excel, WPS and LibreOffice).")
@click.option("--day-first", "day_first", flag_value=True, default=None,
              help="Read dates such as 03/04/2024 day first in columns where every date fits either order "
                   "(this run only; Settings day_first does the same for every run).")
@click.option("--strict", is_flag=True,
              help="Exit 1 when the run has a warning (over 5 % of rows not used, or a whole feature skipped); "
                   "the workbook is still written.")
@friendly
def classify(input, output, sheet, transactions, orders, engine, spark_master, customers_out, as_of, lang, in_place,
             formulas, day_first, strict):
    """Classify the customers in INPUT (.xlsx, .xlsm or .csv), or of the order files given by --orders.

    Appends R/F/M scores, RFM, Segment, Value Tier, Stage, Tags, Override and
    Why to the customer table and writes the Summary, Migration, Customers,
    Tags, Issues, Settings and Run History sheets. Re-running replaces xlseg's
    own columns and sheets (Run History only grows).

    With --orders, INPUT (optional) is a workbook whose customer sheet supplies
    attributes and receives the results; without INPUT, -o OUT is a new
    workbook whose Customers sheet lists the customers.
    """
    if not orders:
        if input is None:
            raise click.UsageError("Give a workbook or CSV file to classify, or order files with --orders.")
        for flag, given in (("--engine", engine != "duckdb"), ("--spark-master", spark_master),
                            ("--customers-out", customers_out)):
            if given:
                raise click.UsageError(f"{flag} goes with --orders.")
        from xlseg.workbook.run import classify_file

        with Progress("classifying") as progress:
            run = classify_file(input, output, sheet=sheet, transactions=transactions, as_of=as_of, lang=lang,
                                formulas=formulas, day_first=day_first,
                                in_place=in_place, progress=progress)
    else:
        for flag, given in (("--transactions", transactions), ("--in-place", in_place), ("--formulas", formulas),
                            ("--day-first", day_first)):
            if given:
                raise click.UsageError(f"{flag} does not go with --orders.")
        from xlseg.workbook.orders import classify_orders, orders_note

        with Progress("classifying") as progress:
            run = classify_orders(input, orders, output, engine=engine, spark_master=spark_master,
                                  customers_out=customers_out, sheet=sheet, as_of=as_of, lang=lang,
                                  progress=progress)
        click.echo(orders_note(run))
    _report(run)
    if customers_out is not None:
        click.echo(f"Wrote every customer's result to {customers_out}")
    if strict and run.result.warnings:
        _fail(_say("strict", run.result.config.lang).format(n=len(run.result.warnings)))


# The CLI's own words in either language (the sentences from the library stay as they are).
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
    rows = int(groups["count"].sum()) if groups is not None and len(groups) else len(result.issues)
    as_of = "-" if result.as_of is None else result.as_of.date().isoformat()
    if table:
        _summary_table(result)
    text = _say("classified" if kinds else "clean", lang)
    click.echo(text.format(n=n, as_of=as_of, k=kinds, rows=rows, kinds="kind" if kinds == 1 else "kinds",
                           row_word="row" if rows == 1 else "rows"))
    for line in result.understood:
        click.echo(f"{_say('understood', lang)}: {line}")
    for note in result.notes:
        click.echo(f"{_say('note', lang)}: {note}")
    for warning in result.warnings:
        click.echo(f"{_say('warning', lang)}: {warning}", err=True)
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


@main.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("xlseg_demo.xlsx"),
              show_default=True, help="Where to write the demo workbook.")
@click.option("--customers", "n", type=click.IntRange(10, 1_000_000), default=2000, show_default=True,
              help="How many customers to make.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the sample headers, labels and sheets.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same workbook).")
@friendly
def demo(output, n, lang, seed):
    """Make a realistic sample workbook (customers and transactions) and classify it."""
    from xlseg.demo import make_demo

    with Progress("demo") as progress:
        run = make_demo(output, n_customers=n, lang=lang, seed=seed, progress=progress)
    _report(run, table=True)


@main.command()
@click.argument("name", type=click.Choice(["retail_b2c", "b2b_key_accounts", "cross_border"]))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where to write it (default: NAME.xlsx).")
@friendly
def template(name, output):
    """Write the template workbook NAME: sample data classified with live formulas, a ReadMe and Settings.

    retail_b2c (Chinese, individual shoppers), b2b_key_accounts (companies, value tiers by revenue
    thresholds) or cross_border (an international storefront with its orders).
    """
    from xlseg.templates import build_template

    click.echo(f"Wrote {build_template(name, output or Path(f'{name}.xlsx'))}")


@main.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Where to write the copy to send (.xlsx).")
@click.option("--mask", help="Comma-separated columns to replace by a stable code: headers or the fields name, "
                             "phone, email, address (default: those four, where present).")
@click.option("--salt", default="", help="Secret mixed into the codes (the same salt gives the same codes).")
@friendly
def share(input, output, mask, salt):
    """Write a copy of INPUT that is safe to send: PII columns replaced by a stable code (joins still
    work), xlseg's sheets protected, no macros, author and company removed from the properties."""
    from xlseg.share import share_workbook

    rep = share_workbook(input, output, mask, salt=salt)
    for sheet, heads in rep.masked.items():
        click.echo(f"Masked on '{sheet}': {', '.join(heads)}")
    if not rep.masked:
        click.echo("Note: no column to mask was found; use --mask HEADER,... to name them.")
    click.echo(f"Wrote {rep.output}")


@main.group()
def addin():
    """Build or install the Excel add-in (xlseg.xlam)."""


@addin.command("build")
@click.argument("out", type=click.Path(path_type=Path), default=Path("xlseg.xlam"))
@friendly
def addin_build(out):
    """Build xlseg.xlam from xlwings' ribbon add-in template into OUT."""
    from xlseg.addin import build_addin

    click.echo(f"Wrote {build_addin(out)}")


@addin.command("install")
@friendly
def addin_install():
    """Install the add-in into Excel (Windows, macOS) and point it at this Python."""
    from xlseg.addin import install_addin

    done = install_addin()
    click.echo(f"Installed {done.addin_path} (and xlseg.doctor.xlam, the Check setup button)")
    click.echo(f"Excel will run {done.interpreter} (configured in {done.config_path}).")
    click.echo("Restart Excel; the 'Customer Segments / 客户分群' tab has the Reclassify button.")


@main.command()
@friendly
def doctor():
    """Check the setup for Excel: Python, packages, the add-in and its config file, xlwings' DLL and Excel.

    Each item says ok, PROBLEM, warning or not checked, and how to fix it. Exit 1 when a problem is found.
    Inside Excel, the ribbon's Check setup / 检查环境 button runs the same checks."""
    from xlseg import doctor as checkup

    findings = checkup.run()
    click.echo(checkup.report(findings))
    if any(f.status == "problem" for f in findings):
        sys.exit(1)


# ------------------------------------------------------------------ issue 7: history
class _DefaultShow(click.Group):
    """``xlseg history BOOK`` means ``xlseg history show BOOK``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show"] + list(args)
        return super().parse_args(ctx, args)


@main.group(cls=_DefaultShow)
def history():
    """Segment history: who moved between the last two runs (`xlseg history BOOK`), or export it."""


@history.command("show")
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many moves and notable customers to list.")
@friendly
def history_show(input, top):
    """Print the latest migration summary of INPUT (a workbook xlseg classified at least twice)."""
    from rich.console import Console
    from rich.table import Table

    from xlseg.core import history as H
    from xlseg.core import labels as L
    from xlseg.workbook.run import history_frame

    frame = history_frame(input)
    runs = H.run_numbers(frame)
    if not runs:
        raise XlsegError(f"'{input.name}' has no History sheet yet. Classify it first: xlseg classify {input}")
    mig = H.migration(frame)
    console = Console(width=110)
    if mig is None:
        click.echo(f"Only one run recorded (run {runs[-1]}): nothing to compare yet. Classify again after the "
                   "data changes.")
        return
    a, b = mig["runs"]
    day = (lambda x: "-" if pd_isna(x) else str(x)[:10])
    click.echo(f"Migration from run {a} (as of {day(mig['as_of'][0])}) to run {b} (as of {day(mig['as_of'][1])})")
    t = Table(title="Key figures")
    t.add_column("", justify="left")
    t.add_column("Customers", justify="right")
    for label, n in H.count_rows(mig, "en"):
        t.add_row(label, f"{n:,}")
    console.print(t)
    for kind in H.KINDS:
        moves = H.top_moves(mig, kind, top)
        t = Table(title=f"Largest {L.header(kind, 'en').lower()} moves")
        for col, just in (("From", "left"), ("To", "left"), ("Customers", "right"), ("Revenue", "right")):
            t.add_column(col, justify=just)
        for r in moves.itertuples(index=False):
            t.add_row(H.label_of(kind, r.from_key, "en"), H.label_of(kind, r.to_key, "en"), f"{r.customers:,}",
                      f"{r.revenue:,.2f}")
        if len(moves) == 0:
            t.add_row("(no moves)", "", "", "")
        console.print(t)
    nm = mig["notable"].head(top)
    t = Table(title=f"Notable moves ({len(mig['notable']):,} in all)")
    for col in ("Customer ID", "Change", "From", "To", "Monetary", "Note"):
        t.add_column(col, justify="right" if col == "Monetary" else "left")
    for r in nm.itertuples(index=False):
        t.add_row(str(r.customer_id), L.header(r.kind, "en"), H.label_of(r.kind, r.from_key, "en"),
                  H.label_of(r.kind, r.to_key, "en"), "" if r.monetary != r.monetary else f"{r.monetary:,.2f}",
                  H.note_text(r.note, "en"))
    console.print(t)


def pd_isna(x) -> bool:
    import pandas as pd

    return bool(pd.isna(x))


@history.command("export")
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="CSV file to write.")
@friendly
def history_export(input, output):
    """Write every History row of INPUT to a CSV file (UTF-8), e.g. before capping it with history_keep_runs."""
    from xlseg.core import history as H
    from xlseg.workbook.run import history_frame

    frame = history_frame(input)
    if len(frame) == 0:
        raise XlsegError(f"'{input.name}' has no History rows to export. Classify it first: xlseg classify {input}")
    out = frame.rename(columns={k: v[0] for k, v in H.HEADERS.items()})
    out.to_csv(output, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d %H:%M:%S")
    click.echo(f"Wrote {len(frame):,} History rows ({len(H.run_numbers(frame))} runs) to {output}")


if __name__ == "__main__":  # pragma: no cover
    main()

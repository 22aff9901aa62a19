"""The ``xlseg`` command: thin shells over the library.

Each command parses its options, calls one library function and renders the
result. An :class:`xlseg.errors.XlsegError` becomes one message on stderr and
exit code 1; usage errors exit 2 (click). No traceback reaches the user: an
unexpected failure prints one line and how to get the details
(``XLSEG_DEBUG=1``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xlseg import __version__
from xlseg.cli.history import history
from xlseg.cli.report import _report, _say
from xlseg.cli.shell import Main, Progress, _as_of, _fail, friendly
from xlseg.core.sentences import say


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
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
        from xlseg.filemode.run import classify_file

        with Progress("classifying") as progress:
            run = classify_file(input, output, sheet=sheet, transactions=transactions, as_of=as_of, lang=lang,
                                formulas=formulas, day_first=day_first,
                                in_place=in_place, progress=progress)
    else:
        for flag, given in (("--transactions", transactions), ("--in-place", in_place), ("--formulas", formulas)):
            if given:
                raise click.UsageError(f"{flag} does not go with --orders.")
        from xlseg.filemode.orders import classify_orders, orders_note

        with Progress("classifying") as progress:
            run = classify_orders(input, orders, output, engine=engine, spark_master=spark_master,
                                  customers_out=customers_out, sheet=sheet, as_of=as_of, lang=lang,
                                  day_first=day_first, progress=progress)
        click.echo(say(orders_note(run), run.result.config.lang))
    _report(run)
    if customers_out is not None:
        click.echo(_say("customers_out", run.result.config.lang).format(path=customers_out))
    if strict and run.result.warnings:
        _fail(_say("strict", run.result.config.lang).format(n=len(run.result.warnings)))


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


main.add_command(history)  # issue 7: xlseg history (xlseg/cli/history.py)


if __name__ == "__main__":  # pragma: no cover
    main()

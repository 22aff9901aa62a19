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
    from xlseg.core.config import _parse_date

    try:
        return _parse_date(value)
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
@click.argument("input", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Where to write the classified workbook (default: INPUT_classified.xlsx).")
@click.option("--sheet", help="Customer sheet name (default: Settings, else detected).")
@click.option("--transactions", help="Transaction sheet name (default: detected).")
@click.option("--as-of", "as_of", callback=_as_of,
              help="Compute metrics as of this date (YYYY-MM-DD or 'today'); default: latest purchase.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Language of labels and headers.")
@click.option("--in-place", is_flag=True, help="Write into INPUT itself (a .backup copy is kept).")
@friendly
def classify(input, output, sheet, transactions, as_of, lang, in_place):
    """Classify the customers in INPUT (.xlsx, .xlsm or .csv).

    Appends R/F/M scores, RFM, Segment, Value Tier, Stage and Tags to the
    customer table and writes the Summary, Customers, Tags, Issues and
    Settings sheets. Re-running replaces xlseg's own columns and sheets.
    """
    from xlseg.workbook.run import classify_file

    with Progress("classifying") as progress:
        run = classify_file(input, output, sheet=sheet, transactions=transactions, as_of=as_of, lang=lang,
                            in_place=in_place, progress=progress)
    _report(run)


def _report(run, *, table: bool = False):
    result = run.result
    n = len(result.customers)
    issues = len(result.issues)
    as_of = "-" if result.as_of is None else result.as_of.date().isoformat()
    if table:
        _summary_table(result)
    click.echo(f"Classified {n:,} customers as of {as_of}; {issues:,} data-quality findings.")
    for note in result.notes:
        click.echo(f"Note: {note}")
    click.echo(f"Wrote {run.output}")
    if run.backup is not None:
        click.echo(f"Backup of the original: {run.backup}")


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
    click.echo(f"Installed {done.addin_path}")
    click.echo(f"Excel will run {done.interpreter} (configured in {done.config_path}).")
    click.echo("Restart Excel; the 'Customer Segments / 客户分群' tab has the Reclassify button.")


if __name__ == "__main__":  # pragma: no cover
    main()

"""``xlseg history``: the latest migration summary of a workbook, or its History rows as CSV."""

from __future__ import annotations

from pathlib import Path

import click

from xlseg.cli.shell import end_at_once, friendly
from xlseg.errors import XlsegError


class _DefaultShow(click.Group):
    """``xlseg history BOOK`` means ``xlseg history show BOOK``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show"] + list(args)
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultShow)
def history():
    """Segment history: who moved between the last two runs (`xlseg history BOOK`), or export it."""


#: The History columns ``xlseg history`` prints from (the migration's run, dates of the runs, ids, the three
#: kinds and revenue): the R, F, M scores and the run time are not read.
SHOWN = ("run", "as_of", "customer_id", "segment", "value_tier", "stage", "monetary")


@history.command("show")
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many moves and notable customers to list.")
@friendly
def history_show(input, top):
    """Print the latest migration summary of INPUT (a workbook xlseg classified at least twice)."""
    early = _early(input)  # the History part inflates while pandas, rich and the reader are imported
    from rich.console import Console
    from rich.table import Table

    from xlseg.core import history as H
    from xlseg.core import labels as L
    from xlseg.read.history_part import history_frame

    frame = history_frame(input, columns=SHOWN, early=early)
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

    def day(x):
        return "-" if pd_isna(x) else str(x)[:10]

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
    end_at_once()


def _early(path):
    """The History part inflating from now on (:class:`xlseg.read.prefetch.EarlyPart`), or None when the file
    cannot even be opened as a zip package (the reader then says why)."""
    from xlseg.read.prefetch import EarlyPart

    try:
        return EarlyPart(path, "xlseg_sheet_history")
    except Exception:  # noqa: BLE001 - history_frame opens the file again and gives the message
        return None


def pd_isna(x) -> bool:
    import pandas as pd

    return bool(pd.isna(x))


@history.command("export")
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="CSV file to write.")
@friendly
def history_export(input, output):
    """Write every History row of INPUT to a CSV file (UTF-8), e.g. before capping it with history_keep_runs."""
    early = _early(input)
    from xlseg.core import history as H
    from xlseg.read.history_part import history_frame

    frame = history_frame(input, early=early)
    if len(frame) == 0:
        raise XlsegError(f"'{input.name}' has no History rows to export. Classify it first: xlseg classify {input}")
    out = frame.rename(columns={k: v[0] for k, v in H.HEADERS.items()})
    out.to_csv(output, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d %H:%M:%S")
    click.echo(f"Wrote {len(frame):,} History rows ({len(H.run_numbers(frame))} runs) to {output}")
    end_at_once()

"""A new workbook file from sheet plans, written by the one writer (:func:`xlseg.ooxml.editor.write_plan`).

What xlseg writes with no user workbook to edit goes through here: the demo's
and the benches' raw input workbooks (:mod:`xlseg.sample_data.workbook`) and
the templates' first state (:mod:`xlseg.templates`). The sheets are written
fresh into an empty package (:mod:`xlseg.ooxml.fresh`), in the order given;
those named in ``marked`` also get xlseg's marker (``xlseg_sheet_<key>``)
and their plan's defined names, as an owned sheet written by a run gets them,
so a later classify recognises them (the templates' ReadMe and Settings).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from xlseg.ooxml.editor import write_plan
from xlseg.ooxml.fresh import empty_package
from xlseg.ooxml.package import Package
from xlseg.plan.write_plan import WritePlan, quote_sheet


def write_new_book(path, sheets: list, *, marked=()) -> Path:
    """Write ``sheets`` (:class:`xlseg.plan.write_plan.SheetPlan`, in tab order) as a new workbook at ``path``.

    Values are data (text that looks like a formula stays text); only the plans' own
    :class:`~xlseg.plan.write_plan.Formula` cells are formulas. Sheets whose key is in
    ``marked`` get xlseg's marker and their ``names``. The file appears whole or not at all
    (written next to ``path``, then moved into place).
    """
    path = Path(path)
    names: dict = {}
    for sp in sheets:
        if sp.key in marked:
            names[sp.marker] = f"{quote_sheet(sp.title)}!$A$1"
            for name, ref in sp.names.items():
                names[name] = ref if "!" in ref else f"{quote_sheet(sp.title)}!{ref}"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    try:
        with Package(empty_package(names), name=path.name) as pkg:
            write_plan(pkg, tmp, WritePlan(None, []), {}, base_sheets=list(sheets))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["write_new_book"]

"""How python-calamine reads a workbook's shared strings and number formats, for the readers that scan sheet
parts with numpy (:mod:`xlseg.read.history_part`, :mod:`xlseg.read.sheetcolumns`): the shared strings as
calamine joins them, and which cell styles make a number a date. A format these rules do not judge raises
:class:`xlseg.read.sheetdata.Unplain`: the caller leaves the sheet to calamine.
"""

from __future__ import annotations

import re

import numpy as np

from xlseg.read.sheetdata import NUM, Unplain

_NUMBER_CODES = {"general", "0", "0.00", "#,##0", "#,##0.00", "@"}
_DATE_CHARS = set("ymdhs-/:. ")
_NUMBER_CHARS = set("0#?.,%e+- ")
_NUMBER_IDS = (0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 37, 38, 39, 40, 48, 49)  # built-in formats of numbers (and text)


def shared_strings(book) -> list:
    """The shared strings as calamine reads them (rich text runs joined, phonetic runs left out)."""
    from xlseg.read.package import local

    part = next((t for typ, t in book.package.rels(book.workbook_part).values()
                 if typ.rsplit("/", 1)[-1] == "sharedStrings" and book.package.has(t)), None)
    if part is None:
        raise Unplain
    out = []
    for si in book.package.xml(part):
        if local(si.tag) != "si":
            continue
        parts = []
        for el in si:
            name = local(el.tag)
            if name == "t":
                parts.append(el.text or "")
            elif name == "r":
                parts.extend(t.text or "" for t in el if local(t.tag) == "t")
        s = "".join(parts)
        if "_x" in s or "\r" in s:
            raise Unplain
        out.append(s)
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr


def date_styles(book, cells) -> np.ndarray:
    """Per cell style index: True when calamine reads a number in it as a date; Unplain for unsure formats."""
    from xlseg.read.package import local

    top = int(cells["style"].max()) + 1 if len(cells["style"]) else 1
    part = next((t for typ, t in book.package.rels(book.workbook_part).values()
                 if typ.rsplit("/", 1)[-1] == "styles" and book.package.has(t)), None)
    fmts, codes = [], {}
    if part is not None:
        root = book.package.xml(part)
        for el in root:
            if local(el.tag) == "numFmts":
                codes = {int(f.get("numFmtId", "-1")): f.get("formatCode") or "" for f in el}
            elif local(el.tag) == "cellXfs":
                fmts = [int(xf.get("numFmtId", "0")) for xf in el if local(xf.tag) == "xf"]
    out = np.zeros(max(top, len(fmts)), bool)
    sure = np.zeros(len(out), bool)
    for i, fid in enumerate(fmts):
        kind = format_kind(fid, codes.get(fid))
        if kind is not None:
            out[i], sure[i] = kind, True
    if not fmts:
        sure[0] = True  # no styles part: every cell is General
    used = np.zeros(len(out), bool)
    used[cells["style"][cells["type"] == NUM]] = True
    if (used & ~sure).any():
        raise Unplain
    return out


def format_kind(fid: int, code: str | None) -> bool | None:
    """True: a date format; False: a number format; None: one this reader does not judge."""
    if code is None:
        return False if fid in _NUMBER_IDS else True if fid in (14, 15, 16, 17, 22) else None
    plain = code.replace("\\", "").replace('"', "").strip().lower()
    if plain in _NUMBER_CODES:
        return False
    if "[" in code or ";" in code or "am/pm" in plain:
        return None
    bare = re.sub(r'"[^"]*"', "", code).replace("\\", "").lower()  # quoted text (年, 月) and escapes out
    if set(bare) <= _DATE_CHARS and "y" in bare and "d" in bare:
        return True
    if set(bare) <= _NUMBER_CHARS:  # digits, exponent, percent, separators and quoted text only
        return False
    return None

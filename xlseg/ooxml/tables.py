"""Table parts (``xl/tables/tableN.xml``): xlseg's Excel Tables, and growing one (History appends)."""

from __future__ import annotations

import re

from xlseg.ooxml.xml import attr, text

_REF = re.compile(rb'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\bref=")([^"]*)(")')
_ROOT = re.compile(rb"<(?:\w+:)?table\b[^>]*>")
_NAME = re.compile(rb'\sdisplayName="([^"]*)"')
_ID = re.compile(rb'<(?:\w+:)?table\b[^>]*?\bid="(\d+)"')


def column_names(headers) -> list:
    """Unique, non-empty table column names from the header cells (as Excel requires)."""
    out, seen = [], set()
    for i, h in enumerate(headers):
        name = "" if h is None else str(h).strip() if not isinstance(h, str) else h
        if not name:
            name = f"Column{i + 1}"
        base, n = name, 1
        while name.lower() in seen:
            n += 1
            name = f"{base}{n}"
        seen.add(name.lower())
        out.append(name)
    return out


def render(table_id: int, name: str, ref: str, headers, style: str) -> bytes:
    cols = "".join(f'<tableColumn id="{i + 1}" name="{attr(h)}"/>' for i, h in enumerate(column_names(headers)))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="{table_id}" '
            f'name="{attr(name)}" displayName="{attr(name)}" ref="{ref}" totalsRowShown="0">'
            f'<autoFilter ref="{ref}"/><tableColumns count="{len(headers)}">{cols}</tableColumns>'
            f'<tableStyleInfo name="{attr(style)}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            f'showColumnStripes="0"/></table>').encode()


def info(data: bytes) -> tuple:
    """(id, display name) of a table part."""
    m = _ID.search(data)
    root = _ROOT.search(data)
    name = _NAME.search(root.group(0)) if root else None
    return (int(m.group(1)) if m else 0), (name.group(1).decode("utf-8", "replace") if name else "")


def grow(data: bytes, ref: str) -> bytes:
    """The table part with its ref (and its autoFilter's) set to ``ref``."""
    return _REF.sub(lambda m: m.group(1) + ref.encode() + m.group(3), data)


__all__ = ["render", "info", "grow", "column_names", "text"]

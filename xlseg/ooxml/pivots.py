"""Pivot caches sourced from xlseg's Customers table: marked to refresh when the workbook opens."""

from __future__ import annotations

import re

_CACHE_SOURCE = re.compile(rb"<(?:\w+:)?worksheetSource\b[^>]*>")
_ROOT = re.compile(rb"<(?:\w+:)?pivotCacheDefinition\b[^>]*?>")


def _refresh_on_load(data: bytes, customers_title: str):
    """The cache definition with refreshOnLoad="1" when its source is xlseg's Customers table; else None."""
    m = _CACHE_SOURCE.search(data)
    if m is None:
        return None
    tag = m.group(0)
    name = re.search(rb'\sname="([^"]*)"', tag)
    sheet = re.search(rb'\ssheet="([^"]*)"', tag)
    from xml.sax.saxutils import escape

    ours = (name is not None and name.group(1) == b"xlsegCustomers") or (
        name is None and sheet is not None and sheet.group(1) == escape(customers_title, {'"': "&quot;"}).encode())
    if not ours:
        return None
    root = _ROOT.search(data)
    if root is None or b"refreshOnLoad=" in root.group(0):
        return None
    head = root.group(0)
    new = head[:-1].rstrip(b"/") + b' refreshOnLoad="1"' + (b"/>" if head.endswith(b"/>") else b">")
    return data[:root.start()] + new + data[root.end():]

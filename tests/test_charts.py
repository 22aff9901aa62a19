"""The owned sheets' charts: every series carries its own fill (LibreOffice draws a series without one with no
fill at all: a chart of axes and no bars)."""

from __future__ import annotations

import re

from xlseg.ooxml import charts
from xlseg.plan.write_plan import Chart


def _fills(xml: bytes) -> list:
    series = re.findall(rb"<c:ser>.*?</c:ser>", xml)
    return [re.search(rb'<c:spPr><a:solidFill><a:srgbClr val="([0-9A-F]{6})"/>', s).group(1) for s in series]


def test_one_series_is_filled():
    xml = charts.chart(Chart("bar", "Customers by segment", "A2:A11", "B2:B11", "E2"), "Summary")
    assert _fills(xml) == [b"4472C4"]


def test_named_series_get_different_fills():
    xml = charts.chart(Chart("column", "Model check", "A2:A9", "B2:C9", "E20", series=("Actual", "Expected")),
                       "Summary")
    assert _fills(xml) == [b"4472C4", b"C0504D"]
    # schema order inside <c:ser>: idx, order, tx, spPr, ..., cat, val
    assert re.search(rb"<c:tx>.*</c:tx><c:spPr>.*</c:spPr><c:cat>", xml)

"""Drawing and chart parts for an owned sheet's bar and column charts."""

from __future__ import annotations

from xlseg.ooxml.xml import attr, bounds, text
from xlseg.plan.write_plan import quote_sheet

NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EMU_PER_CM = 360000
# Each series' fill, in order (Office's first theme colours). A series without one is drawn with no fill by
# LibreOffice: the bars are not there at all, only the axes.
FILLS = ("4472C4", "C0504D", "9BBB59", "8064A2", "4BACC6", "F79646")


def _fill(i: int) -> str:
    return f'<c:spPr><a:solidFill><a:srgbClr val="{FILLS[i % len(FILLS)]}"/></a:solidFill></c:spPr>'


def _abs(title: str, ref: str) -> str:
    c1, r1, c2, r2 = bounds(ref)
    from xlseg.ooxml.xml import letters

    return f"{quote_sheet(title)}!${letters(c1)}${r1}:${letters(c2)}${r2}"


def drawing(charts, rids) -> bytes:
    """The drawing part anchoring each chart at its top-left cell."""
    anchors = []
    for i, (chart, rid) in enumerate(zip(charts, rids)):
        _c1, r1, c1, _r = bounds(chart.anchor)
        anchors.append(
            f'<xdr:oneCellAnchor><xdr:from><xdr:col>{c1 - 1}</xdr:col><xdr:colOff>0</xdr:colOff>'
            f'<xdr:row>{r1 - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
            f'<xdr:ext cx="{int(chart.width_cm * EMU_PER_CM)}" cy="{int(chart.height_cm * EMU_PER_CM)}"/>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 2}" name="Chart {i + 1}"/>'
            f'<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            f'</xdr:xfrm><a:graphic><a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" r:id="{rid}"/>'
            f'</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">{"".join(anchors)}</xdr:wsDr>').encode()


def _series(ch, sheet_title: str) -> str:
    """The <c:ser> elements: the values range as one series, or one per column named by ``ch.series``."""
    cat = f'<c:cat><c:strRef><c:f>{attr(_abs(sheet_title, ch.categories))}</c:f></c:strRef></c:cat>'
    if not ch.series:
        return (f'<c:ser><c:idx val="0"/><c:order val="0"/>{_fill(0)}{cat}'
                f'<c:val><c:numRef><c:f>{attr(_abs(sheet_title, ch.values))}</c:f></c:numRef></c:val></c:ser>')
    from xlseg.ooxml.xml import letters

    c1, r1, _c2, r2 = bounds(ch.values)
    out = []
    for i, name in enumerate(ch.series):
        col = f"{letters(c1 + i)}{r1}:{letters(c1 + i)}{r2}"
        out.append(f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx><c:v>{text(name)}</c:v></c:tx>{_fill(i)}{cat}'
                   f'<c:val><c:numRef><c:f>{attr(_abs(sheet_title, col))}</c:f></c:numRef></c:val></c:ser>')
    return "".join(out)


def chart(ch, sheet_title: str) -> bytes:
    """A clustered bar (horizontal) or column chart, as the openpyxl adapter drew it: one series and no
    legend, or with ``ch.series`` one named series per value column and a legend below (issue 15)."""
    bar = ch.kind == "bar"
    legend = '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>' if ch.series else ""
    orientation = "maxMin" if bar else "minMax"  # bars: first category on top, as in the table
    gridlines = "" if bar else "<c:majorGridlines/>"
    title = (f'<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{text(ch.title)}</a:t>'
             f'</a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}"><c:roundedCorners val="0"/>'
            f'<c:chart>{title}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart>'
            f'<c:barDir val="{"bar" if bar else "col"}"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            f'{_series(ch, sheet_title)}'
            f'<c:gapWidth val="150"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
            f'<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="{orientation}"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{"l" if bar else "b"}"/><c:numFmt formatCode="General" sourceLinked="1"/>'
            f'<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            f'<c:crossAx val="100"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
            f'<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{"b" if bar else "l"}"/>{gridlines}<c:numFmt formatCode="General" sourceLinked="1"/>'
            f'<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            f'<c:crossAx val="10"/><c:crosses val="{"max" if bar else "autoZero"}"/><c:crossBetween val="between"/>'
            f'</c:valAx></c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
            ).encode()

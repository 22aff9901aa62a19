"""docProps/app.xml: the worksheet names Excel lists there follow the sheets xlseg adds; the rest is kept."""

from __future__ import annotations

import datetime as dt
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from lxml import etree

from xlseg.filemode.run import classify_file

EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="{EP}" xmlns:vt="{VT}">'
       '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
       '<HeadingPairs><vt:vector size="4" baseType="variant">'
       '<vt:variant><vt:lpstr>工作表</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant>'
       '<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant>'
       '</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{size}" baseType="lpstr">{titles}'
       '<vt:lpstr>Data!Print_Area</vt:lpstr></vt:vector></TitlesOfParts><Company>Acme &amp; Co</Company>'
       '<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><AppVersion>16.0300</AppVersion></Properties>')


def app_xml(titles: list) -> bytes:
    return APP.format(n=len(titles), size=len(titles) + 1,
                      titles="".join(f"<vt:lpstr>{escape(t)}</vt:lpstr>" for t in titles)).encode()


def book(path, app: bytes):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"])
    for i in range(1, 9):
        ws.append([f"C{i}", f"Name {i}", i, 100.0 * i, dt.datetime(2026, 1, i)])
    wb.create_sheet("Notes & more")
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts["docProps/app.xml"] = app
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def listed(path) -> tuple:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("docProps/app.xml"))
        sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    titles = [t.text for t in root.find(f"{{{EP}}}TitlesOfParts")[0]]
    pairs = [v[0].text for v in root.find(f"{{{EP}}}HeadingPairs")[0]]
    return sheets, titles, pairs, root


def test_worksheet_names_follow_the_sheets(tmp_path):
    src = book(tmp_path / "in.xlsx", app_xml(["Data", "Notes & more"]))
    out, again = tmp_path / "out.xlsx", tmp_path / "again.xlsx"
    classify_file(src, out, generated="fixed")
    sheets, titles, pairs, root = listed(out)
    assert len(sheets) > 2
    assert titles == sheets + ["Data!Print_Area"]
    assert pairs == ["工作表", str(len(sheets)), "Named Ranges", "1"]
    assert root.find(f"{{{EP}}}TitlesOfParts")[0].get("size") == str(len(sheets) + 1)
    assert root.find(f"{{{EP}}}Company").text == "Acme & Co"
    assert [etree.QName(el).localname for el in root] == [
        "Application", "DocSecurity", "ScaleCrop", "HeadingPairs", "TitlesOfParts", "Company", "LinksUpToDate",
        "SharedDoc", "AppVersion"]
    classify_file(out, again, generated="fixed")  # a re-run: the same sheets, the same list
    assert listed(again)[1:3] == (titles, pairs)


def test_a_list_that_does_not_match_the_sheets_is_left_alone(tmp_path):
    stale = app_xml(["Sheet1"])
    src = book(tmp_path / "in.xlsx", stale)
    out = tmp_path / "out.xlsx"
    classify_file(src, out, generated="fixed")
    with zipfile.ZipFile(out) as z:
        assert z.read("docProps/app.xml") == stale

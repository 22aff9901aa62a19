"""File mode keeps everything of the user's, part by part (issue 12).

Each workbook of :mod:`tests.corpus.fidelity` (a pivot table, a slicer, VBA,
sparklines ... around the same customer sheet) is classified, and the output
classified again. After each run every part xlseg does not own is
byte-identical to the input's, the user's cells on the customer sheet are
unchanged (in the XML and through openpyxl), the classification equals the
plain workbook's (so the reader copes with the feature), and LibreOffice opens
every output and shows our values. Two more inputs: a workbook LibreOffice
saved (its calc-settings extension) and a pivot table a user built on xlseg's
Customers table (its cache must refresh on load).
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from tests.corpus import books, compare, fidelity
from tests.corpus.books import NAMES
from tests.corpus.package import NS, Package
from tests.libreoffice import cell_equal, read_csv_sheet

CUSTOMER_SHEET = fidelity.CUSTOMER_SHEET


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, libreoffice) -> books.Corpus:
    return books.Corpus(tmp_path_factory.mktemp("fidelity"), libreoffice)


# ------------------------------------------------------------ part by part


@pytest.mark.parametrize("name", NAMES)
def test_first_run_keeps_every_part_it_does_not_own(corpus, name):
    runs = corpus.get(name)
    assert compare.fidelity_problems(runs.src, runs.first(), CUSTOMER_SHEET) == []


@pytest.mark.parametrize("name", NAMES)
def test_second_run_keeps_every_part_it_does_not_own(corpus, name):
    runs = corpus.get(name)
    assert compare.fidelity_problems(runs.first(), runs.second(), CUSTOMER_SHEET) == []


@pytest.mark.parametrize("name", NAMES)
def test_users_cells_on_the_customer_sheet_unchanged_openpyxl(corpus, name):
    runs = corpus.get(name)
    before = compare.user_cells(runs.src, CUSTOMER_SHEET)
    for out in (runs.first(), runs.second()):
        after = compare.user_cells(out, CUSTOMER_SHEET)
        changed = {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v}
        assert changed == {}, out


@pytest.mark.parametrize("name", [n for n in NAMES if n != "formulas"])  # formulas: test_corpus_reading.py
def test_classification_equals_the_plain_workbooks(corpus, name):
    """Same customers, same results, whatever else is in the book (1904 dates, formulas, rich text ...)."""
    def ours(path):
        sheet, ref = compare.columns_block(path)
        assert sheet == CUSTOMER_SHEET
        c1, r1, c2, r2 = range_boundaries(ref)
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb[sheet].iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2,
                                                      values_only=True)]
        wb.close()
        return r1, rows

    plain = ours(corpus.get("plain").first())
    runs = corpus.get(name)
    assert ours(runs.first()) == plain
    assert ours(runs.second()) == plain


def test_pivot_cache_on_xlseg_customers_refreshes_on_load(corpus):
    runs = corpus.get("pivot_on_xlseg_customers")
    src = Package.read(runs.src)
    caches = compare.xlseg_pivot_caches(src)
    assert caches == {"xl/pivotCache/pivotCacheDefinition1.xml"}
    assert src.xml(next(iter(caches))).get("refreshOnLoad") is None
    for out in (runs.first(), runs.second()):
        root = Package.read(out).xml(next(iter(caches)))
        assert root.get("refreshOnLoad") == "1"
        source = root.find(f"{{{NS['main']}}}cacheSource/{{{NS['main']}}}worksheetSource")
        assert source.get("name") == compare.XLSEG_TABLE


def test_pivot_caches_on_user_data_do_not_refresh_on_load(corpus):
    out = Package.read(corpus.get("pivot_tables").first())
    for part in ("xl/pivotCache/pivotCacheDefinition1.xml", "xl/pivotCache/pivotCacheDefinition2.xml"):
        assert out.xml(part).get("refreshOnLoad") is None


def test_vba_workbook_stays_macro_enabled(corpus):
    runs = corpus.get("vba")
    for out in (runs.first(), runs.second()):
        assert out.suffix == ".xlsm"
        assert Package.read(out).content_type("xl/workbook.xml") == \
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


# ------------------------------------------------------------------ LibreOffice


@pytest.fixture(scope="module")
def lo_outputs(corpus, libreoffice, tmp_path_factory):
    """The first outputs that exist, converted to CSV in one soffice call."""
    outs = []
    for n in NAMES:
        try:
            outs.append(corpus.get(n).first())
        except AssertionError:
            pass  # that input's own test reports the failed run
    if not outs:
        return {}
    return books.lo_batch(libreoffice, outs, tmp_path_factory.mktemp("lo_out"))


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_opens_the_output_and_shows_our_values(corpus, lo_outputs, name):
    out = corpus.get(name).first()
    csvs = lo_outputs[out]
    wb = openpyxl.load_workbook(out, data_only=False)
    sheet, ref = compare.columns_block(out)
    c1, r1, c2, r2 = range_boundaries(ref)
    rows = read_csv_sheet(csvs[sheet])
    ws = wb[sheet]
    bad = []
    for r in range(r1, r2 + 1):  # xlseg's columns, as openpyxl reads them, are what LibreOffice shows
        for c in range(c1, c2 + 1):
            value = ws.cell(r, c).value
            shown = rows[r - 1][c - 1] if r - 1 < len(rows) and c - 1 < len(rows[r - 1]) else ""
            if not cell_equal(shown, value):
                bad.append((ws.cell(r, c).coordinate, value, shown))
    for r, row in enumerate(fidelity.customer_rows(), start=2):  # and the user's ids and spend
        if rows[r - 1][0] != row[0] or not cell_equal(rows[r - 1][5], row[5]):
            bad.append((f"A{r}/F{r}", row[0], rows[r - 1][:6]))
    cust = read_csv_sheet(csvs["Customers"])
    assert sorted(r[0] for r in cust[1:]) == sorted(r[0] for r in fidelity.customer_rows())
    assert bad == []

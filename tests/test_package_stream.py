"""Streamed parts: deflated by zlib-ng on a thread of their own, read back by zipfile (zlib) as written."""

from __future__ import annotations

import zipfile

from xlseg.ooxml import package


def test_a_streamed_part_reads_back_with_its_crc(tmp_path):
    assert package._fast_zlib is not None  # the dependency is installed: parts are deflated by zlib-ng
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d.5</v></c></row>' % (i, i, i * 7) for i in range(1, 200_000))
    path = tmp_path / "p.zip"
    writer = package.PackageWriter(path)
    with writer.stream("xl/worksheets/sheet1.xml") as out:
        for k in range(0, len(rows), 1 << 20):
            out.write(memoryview(rows)[k:k + (1 << 20)])
    writer.write("small.xml", b"<a/>")
    writer.close()
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every CRC checks
        assert z.read("xl/worksheets/sheet1.xml") == rows and z.read("small.xml") == b"<a/>"
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(rows) / 4

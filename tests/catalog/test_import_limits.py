"""An import reads no more than its limits, whatever the file declares: a few kilobytes of XLSX can
claim a sheet of 16,384 × 1,048,576 cells or unpack to gigabytes."""
from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from catalog import importer
from catalog.errors import ValidationError
from tests.catalog.test_import_export import upload

HEADER = ["产品名称", "应用场景", "功能模块", "预期效果", "奖补标准", "产品类型", "计量单位", "单价（元）",
          "有效期起", "有效期止"]
ROW = ["工业级5G CPE网关", "设备联网", "5G接入", "联网率90%", "每台补贴300.00元", "cpe_gateway", "台", "1000.00",
       "2026-01-01", "2027-12-31"]


def workbook(*rows, sheet_xml=lambda xml: xml, extra: dict[str, bytes] | None = None) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    src, out = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml(data.decode()).encode()
            z.writestr(item, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def the_whole_grid(xml: str) -> str:
    """Declare every cell of the sheet and put one at its very last row."""
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
    return xml.replace("</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c>'
                                       "</row></sheetData>")


def test_a_small_workbook_declaring_the_whole_grid_is_refused_without_building_it():
    data = workbook(HEADER, ROW, sheet_xml=the_whole_grid)
    assert len(data) < 8_000
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            importer.read_table("products.xlsx", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.details["field"] == "file" and "past row 10000" in refused.value.message
    assert peak < 20 * 1024 * 1024, f"reading a {len(data)}-byte file took {peak / 1e6:.0f} MB"


def test_the_whole_grid_workbook_gets_a_validation_error_from_the_api(cast):
    r = upload(cast, workbook(HEADER, ROW, sheet_xml=the_whole_grid), name="products.xlsx")
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR" and r.json["details"]["field"] == "file"


def test_a_declared_dimension_is_ignored_and_the_real_rows_are_read():
    declared = workbook(HEADER, ROW, sheet_xml=lambda x: re.sub(r'<dimension ref="[^"]*"\s*/>',
                                                               '<dimension ref="A1:XFD1048576"/>', x))
    fmt, _, rows = importer.read_table("products.xlsx", declared)
    assert fmt == "xlsx" and [n for n, _ in rows] == [2] and rows[0][1]["name"] == "工业级5G CPE网关"


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_before_parsing():
    bomb = workbook(HEADER, ROW, extra={"xl/media/padding.bin": b"\0" * (importer.MAX_XLSX_UNPACKED_BYTES + 1)})
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationError) as refused:
        importer.read_table("products.xlsx", bomb)
    assert "unpacks to" in refused.value.message


def test_a_file_above_the_size_limit_is_refused_unread():
    with pytest.raises(ValidationError) as refused:
        importer.read_table("products.csv", b"x" * (importer.MAX_FILE_BYTES + 1))
    assert refused.value.details["limit"] == importer.MAX_FILE_BYTES


def test_more_product_rows_than_the_limit_are_refused_as_soon_as_they_are_seen():
    text = ",".join(HEADER) + "\n" + ("\n".join(",".join(ROW) for _ in range(importer.MAX_ROWS + 5))) + "\n"
    with pytest.raises(ValidationError) as refused:
        importer.read_table("products.csv", text.encode())
    assert refused.value.details["limit"] == importer.MAX_ROWS


def test_columns_beyond_the_limit_are_not_read():
    wide = ",".join(HEADER + ["x"] * 5000) + "\n" + ",".join(ROW + ["y"] * 5000) + "\n"
    _, _, rows = importer.read_table("products.csv", wide.encode())
    assert len(rows) == 1 and len(rows[0][1]) == len(HEADER)

"""Annex 5 spreadsheets: the import's dry run and all-or-nothing real run, encodings, XLSX, and the
export as CSV and XLSX."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.catalog.conftest import API, saved
from tests.support.world import auth

HEADER = "产品名称,产品单位,应用场景,功能模块,预期效果,奖补标准,产品类型,计量单位,单价（元）,有效期起,有效期止"
GOOD_ROWS = [
    "工业级5G CPE网关,,设备联网,5G接入、协议转换,联网率90%,每台补贴300.00元,工业级CPE网关节点,台,1000.00,2026-01-01,2027-12-31",
    "云MES SaaS,,生产报工,生产计划；质量追溯,计划达成率提升15%,按合同金额30%补贴,saas,账号/年,2400,2026/1/1,2027年12月31日",
]
MIXED_ROWS = [
    GOOD_ROWS[0],                                                                                           # row 2
    "智能路由器,,组网,路由,更快,按合同金额30%补贴,路由器,台,500.00,2026-01-01,2027-12-31",                    # row 3
    "边缘计算MEC服务器,,质检,本地分流,低时延,\"按合同金额30%补贴，每项最高40000.00元\",mec_server,套,150000.005,"
    "2026-01-01,2027-12-31",                                                                                # row 4
    "工业互联网平台PaaS,,上云,设备接入,上云率80%,\"按合同金额分档累进补贴：500000.00元及以下部分50%，"
    "500000.00元至100000.00元部分30%，100000.00元以上部分10%\",paas,套·年,300000.00,2026-01-01,2027-12-31",    # row 5
    "5G室内微站,,补盲,室内补盲,覆盖500平方米,每个补贴2400.00元,indoor_small_cell,个,8000.00,2026-06-01,2026-05-31",  # row 6
    GOOD_ROWS[1],                                                                                           # row 7
    ",,,,,,,,,,",                                                                                           # row 8: empty
    ",,场景,模块,效果,每台补贴1.00元,cpe_gateway,台,10.00,明年,2027-12-31",                                   # row 9
    "工业级5G CPE网关,,设备联网,5G接入,联网率90%,每台补贴300.00元,cpe_gateway,台,1000.00,2026-01-01,2027-12-31",  # row 10
]
MIXED_ERRORS = [
    {"row": 3, "field": "item_kind",
     "message": "unknown item kind '路由器'; write a code such as mec_server or a name such as 边缘计算MEC服务器"},
    {"row": 4, "field": "unit", "message": "mec_server (边缘计算MEC服务器) is sold per 台, not 套"},
    {"row": 4, "field": "unit_price", "message": "unit price 150000.005 has more than two decimals"},
    {"row": 5, "field": "standard",
     "message": "bands must be strictly increasing: bands[1].upto 100000.00 is not above 500000.00"},
    {"row": 6, "field": "valid_to", "message": "validity ends (2026-05-31) before it starts (2026-06-01)"},
    {"row": 9, "field": "valid_from", "message": "有效期起: '明年' is not a date such as 2026-01-01"},
    {"row": 9, "field": "name", "message": "产品名称 name is required"},
    {"row": 10, "field": "name", "message": "工业级5G CPE网关 is also on row 2"},
]


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def upload(cast, data, *, name="products.csv", dry_run=True, token=None):
    return cast.client.post(f"{API}/products/import?dry_run={'true' if dry_run else 'false'}",
                            data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                            headers=auth(token or cast.provider_token))


def test_the_dry_run_reports_every_bad_row_with_its_number_and_reason_and_saves_nothing(cast, db):
    before = saved(db)
    r = upload(cast, csv_bytes(MIXED_ROWS))
    assert r.status_code == 200
    assert (r.json["ok"], r.json["rows"], r.json["dry_run"], r.json["created"]) == (False, 8, True, [])
    assert r.json["errors"] == MIXED_ERRORS
    assert saved(db) == before


def test_the_real_run_of_a_file_with_bad_rows_saves_nothing(cast, db):
    before = saved(db)
    r = upload(cast, csv_bytes(MIXED_ROWS), dry_run=False)
    assert (r.status_code, r.json["code"]) == (422, "VALIDATION_ERROR")
    assert r.json["message"] == "6 of 8 rows have errors; nothing was saved"
    assert r.json["details"]["errors"] == MIXED_ERRORS
    assert saved(db) == before


def test_the_real_run_of_a_clean_file_saves_every_row_as_a_draft(cast, db):
    before = saved(db)
    r = upload(cast, csv_bytes(GOOD_ROWS), dry_run=False)
    assert r.status_code == 201, r.json
    assert (r.json["ok"], r.json["rows"], r.json["errors"], len(r.json["created"])) == (True, 2, [], 2)
    assert saved(db) == (before[0] + 2, before[1] + 2)
    first, second = (cast.client.get(f"{API}/products/{i}", headers=auth(cast.provider_token)).json
                     for i in r.json["created"])
    assert (first["name"], first["status"], first["item_kind"], first["unit_price"], first["modules"]) == \
        ("工业级5G CPE网关", "draft", "cpe_gateway", "1000.00", ["5G接入", "协议转换"])
    assert first["standard"] == {"kind": "per_unit", "amount": "300.00"}
    assert (second["unit"], second["unit_price"], second["valid_to"]) == ("账号·年", "2400.00", "2027-12-31")
    again = upload(cast, csv_bytes(GOOD_ROWS), dry_run=False)  # importing the same file twice
    assert again.status_code == 422 and {e["field"] for e in again.json["details"]["errors"]} == {"name"}
    assert saved(db) == (before[0] + 2, before[1] + 2)


def test_a_gbk_csv_from_excel_is_read_correctly(cast):
    r = upload(cast, csv_bytes(GOOD_ROWS, encoding="gbk"), dry_run=False)
    assert (r.status_code, r.json["encoding"]) == (201, "gbk")
    names = [cast.client.get(f"{API}/products/{i}", headers=auth(cast.provider_token)).json["name"]
             for i in r.json["created"]]
    assert names == ["工业级5G CPE网关", "云MES SaaS"]


def test_a_utf8_csv_with_bom_and_english_headers_is_read(cast):
    header = "name,scenario,modules,expected_effect,standard,item_kind,unit,unit_price,valid_from,valid_to"
    row = 'MEP,边缘应用编排,应用编排,上线快,"{""kind"": ""ratio"", ""rate"": ""0.30""}",mep,套,120000.00,2026-01-01,2027-12-31'
    r = upload(cast, b"\xef\xbb\xbf" + csv_bytes([row], header=header))
    assert (r.json["ok"], r.json["encoding"], r.json["errors"]) == (True, "utf-8-sig", [])


@pytest.mark.parametrize("data, message", [
    (csv_bytes(GOOD_ROWS, header=HEADER.replace(",预期效果", "")),
     "missing columns: 预期效果 (expected_effect)"),
    (csv_bytes(GOOD_ROWS, header=HEADER.replace("单价（元）", "价格").replace(",有效期止", "")),
     "missing columns: 单价（元） (unit_price), 有效期止 (valid_to)"),
    (HEADER.encode() + b"\n\xff\xfe\xfd,1\n",
     f"the file is neither UTF-8 nor GBK text (read as UTF-8, byte 0xff at offset {len(HEADER.encode()) + 1} "
     "is invalid); save it from Excel as 'CSV UTF-8' or as .xlsx"),
    ("\n".join([HEADER, *GOOD_ROWS]).encode("utf-16"),
     "the file is UTF-16 text (Excel's 'Unicode text'); save it as 'CSV UTF-8' or CSV"),
    (b"", "the file is empty"),
    (csv_bytes([]), "the file has a header but no product rows"),
    (b"a,b,c\n1,2,3\n", "no header row found: the first rows must name the columns, e.g. 产品名称, 应用场景, 功能模块, "
                        "预期效果, 奖补标准, 产品类型, 计量单位, 单价（元）, 有效期起, 有效期止"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "this is an old Excel .xls workbook; save it as .xlsx or as CSV"),
    (csv_bytes(GOOD_ROWS, header=HEADER + ",产品名称"), "the column 产品名称 (name) appears twice in the header"),
])
def test_a_file_that_cannot_be_read_is_refused_saying_exactly_why(cast, db, data, message):
    before = saved(db)
    for dry_run in (True, False):
        r = upload(cast, data, dry_run=dry_run)
        assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", "file")
        assert r.json["message"] == message
    assert saved(db) == before


def test_missing_columns_are_listed_in_the_details(cast):
    r = upload(cast, csv_bytes(GOOD_ROWS, header=HEADER.replace(",预期效果", "")))
    assert r.json["details"]["missing"] == ["expected_effect"]


def test_a_row_naming_another_provider_is_refused(cast):
    row = GOOD_ROWS[0].replace("工业级5G CPE网关,,", "工业级5G CPE网关,佛山智造服务有限公司,")
    r = upload(cast, csv_bytes([row]))
    assert r.json["errors"] == [{"row": 2, "field": "provider", "message":
                                 "产品单位 is '佛山智造服务有限公司' but you import as '中国移动通信集团广东有限公司'"}]


def xlsx_bytes(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_xlsx_with_a_title_row_numeric_prices_and_date_cells_is_read(cast, db):
    header = HEADER.split(",")
    good = ["边缘计算MEC服务器", None, "质检", "本地分流、边缘计算", "低时延", "按合同金额30%补贴，每项最高40000.00元",
            "mec_server", "台", 150000, dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31)]
    bad = ["5G工业终端", None, "AGV", "5G模组", "低时延", "每台补贴1000.00元", "industrial_terminal", "台", 3500.005,
           dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31)]
    data = xlsx_bytes([["产业集群企业服务券应用产品方案表"], header, good, bad])
    r = upload(cast, data, name="方案表.xlsx")
    assert (r.json["format"], r.json["rows"]) == ("xlsx", 2)
    assert r.json["errors"] == [{"row": 4, "field": "unit_price",
                                 "message": "unit price 3500.005 has more than two decimals"}]
    r = upload(cast, xlsx_bytes([header, good]), name="方案表.xlsx", dry_run=False)
    assert r.status_code == 201 and len(r.json["created"]) == 1
    p = cast.client.get(f"{API}/products/{r.json['created'][0]}", headers=auth(cast.provider_token)).json
    assert (p["unit_price"], p["valid_from"], p["modules"]) == ("150000.00", "2026-01-01", ["本地分流", "边缘计算"])


def test_a_broken_xlsx_is_refused(cast):
    r = upload(cast, b"PK\x03\x04 not really a zip", name="x.xlsx")
    assert (r.status_code, r.json["details"]["field"]) == (422, "file")
    assert r.json["message"].startswith("the file is not a readable XLSX workbook")


def test_an_import_without_a_file_is_refused(cast):
    r = cast.client.post(f"{API}/products/import?dry_run=true", data={}, content_type="multipart/form-data",
                         headers=auth(cast.provider_token))
    assert (r.status_code, r.json["code"], r.json["details"]["field"]) == (422, "VALIDATION_ERROR", "file")


# --- export ------------------------------------------------------------------------------------

EXPORT_HEADER = ["序号", "产品名称", "产品单位", "应用场景", "功能模块", "预期效果", "奖补标准", "产品类型", "计量单位",
                 "单价（元）", "有效期起", "有效期止"]


def test_the_export_is_the_annex5_table_of_approved_products_in_csv(cast):
    cast.approved()
    cast.create(name="未审核草稿")
    cast.approved(cast.other_token, name="陶瓷窑炉能耗监测APP", item_kind="industrial_app", unit="套·年",
                  unit_price="80000.00", standard={"kind": "per_unit", "amount": "20000.00"})
    r = cast.client.get(f"{API}/products/export?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf")  # so Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == EXPORT_HEADER
    assert rows[1] == ["1", "边缘计算MEC服务器", "中国移动通信集团广东有限公司", "陶瓷窑炉视觉质检的本地分流", "本地分流、边缘计算",
                       "业务时延低于20ms", "按合同金额30%补贴，每项最高40000.00元", "边缘计算MEC服务器", "台", "150000.00",
                       "2026-01-01", "2027-12-31"]
    assert rows[2][1:3] + rows[2][6:7] == ["陶瓷窑炉能耗监测APP", "佛山智造服务有限公司", "每套·年补贴20000.00元"]
    assert len(rows) == 3


def test_the_export_for_one_provider_in_xlsx(cast):
    cast.approved()
    cast.approved(cast.other_token, name="别家产品")
    r = cast.client.get(f"{API}/products/export?format=xlsx&provider_id={cast.provider.id}")
    assert r.status_code == 200 and "spreadsheetml" in r.mimetype
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[0] == EXPORT_HEADER
    assert [row[1] for row in rows[1:]] == ["边缘计算MEC服务器"]
    assert rows[1][9] == "150000.00"  # text, never a float


def test_an_exported_table_reads_back_as_an_import(cast):
    cast.approved(standard={"kind": "tiered", "bands": [{"upto": "100000.00", "rate": "0.50"},
                                                        {"upto": None, "rate": "0.30"}], "cap": "40000.00"})
    exported = cast.client.get(f"{API}/products/export?format=xlsx&provider_id={cast.provider.id}").data
    # every column, the kind's Chinese label and the standard's text are understood; only the name is taken
    r = upload(cast, exported, name="annex5.xlsx")
    assert r.json["errors"] == [{"row": 2, "field": "name", "message": "you already list a product named 边缘计算MEC服务器"}]
    other = upload(cast, exported, name="annex5.xlsx", token=cast.other_token)
    assert [e["field"] for e in other.json["errors"]] == ["provider"]

"""Reports through the API (API.md "Reports"), read from what the whole claim cycle leaves behind: who
may read which, what each says, the empty cases that are reports and the bad requests that are errors."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from catalog import importer
from claims.models import Evidence

from ledger import service as ledger
from reports import service
from tests.claims.conftest import ENTERPRISES
from tests.reports.facts import fonts_of, pdf_text
from tests.reports.test_beancount import BEAN_CHECK
from tests.support.pilot import statement

DAY = "2026-03-02"


@pytest.fixture
def reconciled(pilot, sent):
    """A statement paying the first payment, short-paying the second and naming a stranger; the third
    is still missing."""
    first, second, _ = sent["lines"]
    r = pilot.import_statement(statement(
        ("T1", DAY, first["reference"], first["payee_account"], first["amount"]),
        ("T2", DAY, second["reference"], second["payee_account"], "52205.00"),
        ("T3", DAY, "YQ999-9", "6222000000009999", "1.00")), filename="工行回单.csv")
    assert r.status_code == 201, r.json
    return r.json


def get(pilot, path: str, token: str | None):
    return pilot.call("GET", path, token)


def pdf_of(pilot, path: str, token: str | None) -> str:
    r = get(pilot, path, token)
    assert r.status_code == 200, (r.status_code, r.data[:300])
    assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    return pdf_text(r.data)


def error(r, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.data[:300])
    assert set(r.json) == {"code", "message", "details"} and r.json["code"] == code
    return r.json


def sheet_rows(data: bytes, title: str) -> list[tuple]:
    return [tuple(row) for row in openpyxl.load_workbook(io.BytesIO(data))[title].iter_rows(values_only=True)]


# --- the settlement statement -----------------------------------------------------------------------------

def test_the_enterprise_reads_the_settlement_statement_of_its_own_claim(pilot, scheme, reconciled, sent):
    claim_id = sent["lines"][0]["claim_id"]
    text = pdf_of(pilot, f"/claims/{claim_id}/statement.pdf", pilot.enterprise_tokens["南海陶瓷"])
    for expected in ("服务券兑付结算单", "2026年上云上平台服务券", "南海陶瓷", "粤云平台", "合同金额：200,000.00元",
                     "按合同金额30%补贴，每项最高40000.00元", "封顶", "券面额取此值", "55,000.00", "实付比例95%",
                     "52,250.00", "2,750.00", "状态：已支付", "T1"):
        assert expected in text, expected
    voucher_id = pilot.get_claim(claim_id)["voucher_id"]
    r = get(pilot, f"/claims/{claim_id}/statement.xlsx", pilot.enterprise_tokens["南海陶瓷"])
    listed = [row[0] for row in sheet_rows(r.data, "五、账务分录") if isinstance(row[0], int)]
    factory = pilot.client.application.extensions["yunquan"].uow_factory
    with factory.reader() as s:
        refs = (f"claim:{claim_id}", f"voucher:{voucher_id}")
        posted = {j.id for ref in refs for j in ledger.journals_for_ref(s, ref)}
    assert listed == sorted(posted) and len(listed) == 3  # reserve, consume, disburse


def test_the_settlement_statement_carries_each_evidence_files_name_and_sha256(pilot, scheme, voucher):
    ids = pilot.evidence_set("南海陶瓷")
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00", evidence=ids).json
    text = pdf_of(pilot, f"/claims/{claim['id']}/statement.pdf", pilot.reviewer)
    assert "四、证明材料" in text and "invoice.bin" in text and "acceptance_report.bin" in text
    factory = pilot.client.application.extensions["yunquan"].uow_factory
    with factory.reader() as s:
        hashes = [s.get(Evidence, i).sha256 for i in ids]
    assert all(h in text for h in hashes)
    assert "状态：审核中" in text and "尚未纳入支付批次" in text


def test_another_organisations_claim_statement_is_forbidden(pilot, scheme, payable):
    pilot.enterprise("其他企业", city="佛山")
    for token in (pilot.enterprise_tokens["其他企业"], pilot.enterprise_tokens["大岭山家具"], pilot.provider_token):
        error(get(pilot, f"/claims/{payable[0]}/statement.pdf", token), 403, "FORBIDDEN")
    error(get(pilot, f"/claims/{payable[0]}/statement.pdf", None), 401, "UNAUTHENTICATED")
    assert get(pilot, f"/claims/{payable[0]}/statement.pdf", pilot.finance()[0]).status_code == 200  # staff


def test_an_unknown_claim_format_or_report_is_not_found_in_the_one_error_shape(pilot, scheme, payable):
    ent = pilot.enterprise_tokens["南海陶瓷"]
    error(get(pilot, "/claims/999/statement.pdf", ent), 404, "NOT_FOUND")
    error(get(pilot, f"/claims/{payable[0]}/statement.docx", ent), 404, "NOT_FOUND")
    error(get(pilot, "/reports/quarterly.pdf", pilot.auditor), 404, "NOT_FOUND")
    error(get(pilot, "/payout-batches/999/report.pdf", pilot.auditor), 404, "NOT_FOUND")
    error(get(pilot, "/reconciliations/999/report.pdf", pilot.auditor), 404, "NOT_FOUND")


# --- payout batches and reconciliation --------------------------------------------------------------------

def test_the_payout_batch_report_names_payees_total_maker_checker_and_approval_time(pilot, scheme, sent, world):
    text = pdf_of(pilot, f"/payout-batches/{sent['id']}/report.pdf", pilot.auditor)
    maker = pilot.ok("GET", "/users/me", pilot.finance()[0])["username"]
    checker = pilot.ok("GET", "/users/me", pilot.finance()[1])["username"]
    for expected in ("兑付资金支付批次报告", f"制单人：{maker}", f"复核审批人：{checker}", "审批时间：2026年3月2日10:00",
                     "合计金额：156,750.00元", "状态：已审批", "3笔", *(name for name, _ in ENTERPRISES),
                     "6222000000000001", "YQ1-1"):
        assert expected in text, expected


def test_the_payout_batch_report_is_also_a_spreadsheet_with_one_row_per_payment(pilot, scheme, sent):
    r = get(pilot, f"/payout-batches/{sent['id']}/report.xlsx", pilot.finance()[0])
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith(f'payout-batch-{sent["id"]}.xlsx"')
    rows = sheet_rows(r.data, "支付明细")
    header = rows.index(("序号", "参考号", "兑付申请", "收款单位", "收款账号", "金额（元）", "状态", "银行流水号"))
    lines = rows[header + 1:header + 4]
    assert [x[1] for x in lines] == [line["reference"] for line in sent["lines"]]
    assert all(float(x[5]) == 52250.0 for x in lines)
    csv_text = get(pilot, f"/payout-batches/{sent['id']}/report.csv", pilot.finance()[1]).data.decode("utf-8-sig")
    assert "YQ1-3" in csv_text and "156750.00" in csv_text


def test_only_finance_and_auditors_read_batch_and_reconciliation_reports(pilot, scheme, reconciled, sent):
    for path in (f"/payout-batches/{sent['id']}/report.pdf", f"/reconciliations/{reconciled['id']}/report.pdf"):
        for token in (pilot.reviewer, pilot.enterprise_tokens["南海陶瓷"], pilot.provider_token):
            error(get(pilot, path, token), 403, "FORBIDDEN")
        for token in (*pilot.finance(), pilot.auditor):
            assert get(pilot, path, token).status_code == 200


def test_the_reconciliation_report_shows_each_line_its_outcome_and_the_totals(pilot, scheme, reconciled, sent):
    text = pdf_of(pilot, f"/reconciliations/{reconciled['id']}/report.pdf", pilot.finance()[0])
    for expected in ("银行对账报告", "工行回单.csv", "已匹配", "核对不符", "金额不符", "参考号不明", "YQ999-9", "52,205.00",
                     "三、已发送但尚无银行记录的付款", sent["lines"][2]["reference"], "小榄五金"):
        assert expected in text, expected
    r = get(pilot, f"/reconciliations/{reconciled['id']}/report.xlsx", pilot.auditor)
    summary = sheet_rows(r.data, "一、按结果汇总")
    got = {row[0]: (row[1], float(row[2])) for row in summary if row[0] in ("已匹配", "核对不符", "参考号不明", "未到账")}
    assert got == {"已匹配": (1, 52250.0), "核对不符": (1, 52205.0), "参考号不明": (1, 1.0), "未到账": (1, 52250.0)}


def test_a_batch_report_reads_its_lines_page_by_page_in_order(pilot, scheme, sent, app):
    from reports import queries
    factory = app.extensions["yunquan"].uow_factory
    with factory.snapshot() as s:
        paged = [line.reference for line in queries.batch_lines(s, sent["id"], chunk=2)]
    assert paged == [line["reference"] for line in sent["lines"]]


def test_a_pdf_too_long_to_read_is_refused_while_its_spreadsheet_streams(pilot, scheme, sent, monkeypatch):
    monkeypatch.setattr(service, "PDF_MAX_ROWS", 2)
    body = error(get(pilot, f"/payout-batches/{sent['id']}/report.pdf", pilot.auditor), 409, "REPORT_TOO_LARGE")
    assert body["details"]["formats"] == ["xlsx", "csv"]
    assert get(pilot, f"/payout-batches/{sent['id']}/report.csv", pilot.auditor).data.count(b"YQ1-") == 3


# --- the publicity list -----------------------------------------------------------------------------------

def test_anyone_reads_the_publicity_list_as_pdf_and_xlsx(pilot, scheme, voucher):
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    text = pdf_of(pilot, f"/publicity.pdf?scheme_id={scheme['id']}", None)
    assert "公示名单" in text and "南海陶瓷" in text and "52,250.00" in text and "2026年3月9日" in text
    r = get(pilot, "/publicity.xlsx", None)
    assert r.status_code == 200
    rows = sheet_rows(r.data, "公示名单")
    assert any(row[2] == "南海陶瓷" and float(row[5]) == 52250.0 for row in rows)


def test_a_publicity_list_with_nobody_in_publicity_is_an_empty_report_not_an_error(pilot, scheme):
    text = pdf_of(pilot, f"/publicity.pdf?scheme_id={scheme['id']}", None)
    assert "当前没有处于公示期的兑付申请" in text and "公示笔数：0" in text
    error(get(pilot, "/publicity.pdf?scheme_id=999", None), 404, "NOT_FOUND")
    error(get(pilot, "/publicity.pdf?scheme_id=x", None), 422, "VALIDATION_ERROR")


# --- the ledger for auditors ------------------------------------------------------------------------------

def test_the_trial_balance_prints_the_ledgers_head_hash_and_its_verify_result(pilot, scheme, sent):
    verify = pilot.verify()
    assert verify["anchors_checked"] >= 1  # the batch approval anchored its head
    text = pdf_of(pilot, "/ledger/trial-balance.pdf", pilot.auditor)
    assert verify["head_hash"] in text and "账本校验：通过" in text and f"分录数：{verify['journals']}" in text
    assert f"已核对锚点：{verify['anchors_checked']}" in text
    assert "借贷是否平衡：平衡" in text and "2026年上云上平台服务券·在途" in text and "156,750.00" in text
    for token in (*pilot.finance(), pilot.reviewer, pilot.admin):
        error(get(pilot, "/ledger/trial-balance.pdf", token), 403, "FORBIDDEN")


def test_a_trial_balance_of_an_altered_ledger_says_it_does_not_verify(pilot, scheme, sent, unguarded):
    with unguarded.begin() as c:  # someone who can drop the guards first
        c.exec_driver_sql("UPDATE ledger_journal SET memo = 'edited' WHERE id = 2")
    text = pdf_of(pilot, "/ledger/trial-balance.pdf", pilot.auditor)
    assert "账本校验：未通过" in text and "首个异常分录：2" in text and "本表余额不可作为审计依据" in text


def test_a_trial_balance_before_the_first_journal_lists_the_accounts_at_zero(pilot, scheme):
    r = get(pilot, "/ledger/trial-balance.xlsx?as_of=2025-12-31", pilot.auditor)
    rows = sheet_rows(r.data, "科目余额")
    header = next(i for i, row in enumerate(rows) if row[0] == "账户代码")
    accounts = [row for row in rows[header + 1:] if row[0] and row[0].startswith("scheme:")]
    assert len(accounts) == 6 and all(row[2] is None and row[3] is None for row in accounts)


def test_the_account_statement_runs_from_the_opening_to_the_closing_balance(pilot, scheme, sent):
    sid = scheme["id"]
    text = pdf_of(pilot, f"/ledger/accounts/scheme:{sid}:payable/statement.pdf?from=2026-03-01&to=2026-03-31",
                  pilot.auditor)
    assert "期初余额：0.00元" in text and "本期借方：156,750.00元" in text and "期末余额：0.00元" in text
    assert text.count("核定兑付") == 3 and "批次付款" in text
    quiet = pdf_of(pilot, f"/ledger/accounts/scheme:{sid}:available/statement.pdf?from=2026-04-01&to=2026-04-30",
                   pilot.auditor)
    assert "本期无数据" in quiet and "期初余额：843,250.00元" in quiet and "期末余额：843,250.00元" in quiet


def test_account_statements_refuse_an_unknown_account_and_a_period_that_ends_before_it_starts(pilot, scheme):
    error(get(pilot, "/ledger/accounts/scheme:99:payable/statement.pdf", pilot.auditor), 404, "NOT_FOUND")
    backwards = f"/ledger/accounts/scheme:{scheme['id']}:payable/statement.pdf?from=2026-03-02&to=2026-03-01"
    body = error(get(pilot, backwards, pilot.auditor), 422, "VALIDATION_ERROR")
    assert body["details"]["field"] == "from"
    error(get(pilot, f"/ledger/accounts/scheme:{scheme['id']}:payable/statement.pdf", pilot.reviewer), 403, "FORBIDDEN")


def test_the_beancount_export_passes_bean_check_with_one_transaction_per_journal(pilot, scheme, reconciled, tmp_path):
    r = get(pilot, "/ledger/export.beancount", pilot.auditor)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    text = r.data.decode("utf-8")
    path = tmp_path / "ledger.beancount"
    path.write_text(text, encoding="utf-8")
    check = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    verify = pilot.verify()
    assert text.count("  journal_id: ") == verify["journals"]
    assert f'hash: "{verify["head_hash"]}"' in text  # the last journal's hash is the chain's head
    error(get(pilot, "/ledger/export.beancount", pilot.finance()[0]), 403, "FORBIDDEN")


# --- the Annex 5 product table --------------------------------------------------------------------------

def test_the_annex5_table_of_a_provider_and_of_a_pilots_alliance(pilot, world):
    partner = world.org("provider", city="佛山", name="佛山智造服务有限公司")
    pilot.product("mec_server", provider_token=world.token("provider", partner), name="边缘计算MEC服务器（佛山智造）")
    outsider = world.org("provider", city="广州", name="局外服务商")
    pilot.product("coverage_area", provider_token=world.token("provider", outsider), name="局外覆盖")
    cluster = pilot.ok("POST", "/clusters", pilot.admin, 201, json={
        "name": "南海陶瓷集群试点", "industry": "建筑陶瓷", "starting_area": "西樵镇", "city": "佛山",
        "lead_org_id": pilot.provider.id, "year": 2026})
    pilot.ok("POST", f"/clusters/{cluster['id']}/members", pilot.admin, 201,
             json={"org_id": partner.id, "role": "partner"})

    text = pdf_of(pilot, f"/products/export.pdf?cluster_id={cluster['id']}", None)
    assert "产业集群企业服务券应用产品方案表" in text and "南海陶瓷集群试点" in text and "产品数：4" in text
    assert "佛山智造服务有限公司" in text and "粤云平台" in text and "局外" not in text
    r = get(pilot, f"/products/export.xlsx?provider_id={partner.id}", None)
    names = [row[1] for row in sheet_rows(r.data, "产品方案表") if isinstance(row[0], int)]
    assert names == ["边缘计算MEC服务器（佛山智造）"]
    error(get(pilot, "/products/export.pdf?cluster_id=999", None), 404, "NOT_FOUND")
    error(get(pilot, "/products/export.pdf?provider_id=999", None), 404, "NOT_FOUND")
    error(get(pilot, f"/products/export.pdf?provider_id={partner.id}&cluster_id={cluster['id']}", None),
          422, "VALIDATION_ERROR")


def test_a_providers_annex5_spreadsheet_reads_back_through_the_catalogue_import(pilot):
    r = get(pilot, f"/products/export.xlsx?provider_id={pilot.provider.id}", None)
    fmt, _, rows = importer.read_table("annex5.xlsx", r.data)
    assert fmt == "xlsx" and len(rows) == 3  # the header is found under the title; nothing but products follows
    specs = []
    for _, raw in rows:
        spec, problems = importer._row_spec(raw, "粤云平台")
        assert problems == [], problems
        specs.append(spec)
    by_name = {spec.name: spec for spec in specs}
    assert by_name["边缘计算MEC服务器"].unit_price == Decimal("150000.00")
    assert by_name["工业级CPE网关"].valid_to == dt.date(2027, 12, 31) and by_name["5G内网覆盖"].unit == "m²"


def test_every_report_pdf_embeds_the_cjk_font(pilot, scheme, reconciled, sent):
    claim_id = sent["lines"][0]["claim_id"]
    for path, token in ((f"/claims/{claim_id}/statement.pdf", pilot.auditor),
                        (f"/payout-batches/{sent['id']}/report.pdf", pilot.auditor),
                        (f"/reconciliations/{reconciled['id']}/report.pdf", pilot.auditor),
                        ("/publicity.pdf", None), ("/ledger/trial-balance.pdf", pilot.auditor),
                        (f"/ledger/accounts/scheme:{scheme['id']}:available/statement.pdf", pilot.auditor),
                        ("/products/export.pdf", None)):
        r = get(pilot, path, token)
        assert r.status_code == 200, path
        fonts = fonts_of(r.data)
        assert fonts and all("WenQuanYiMicroHei" in name for name in fonts), path

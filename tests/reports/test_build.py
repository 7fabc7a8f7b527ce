"""The report builders on their own: facts written out by hand (tests/reports/facts.py), no database.
What each report must say is read back from its PDF, as a reader would; its layout is compared with
golden text (regenerate with YUNQUAN_UPDATE_GOLDEN=1 after a deliberate change, and read the diff)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pathlib

import pytest

from kernel.money import format_fen
from reports import build, render
from reports.document import Kind
from tests.reports import facts
from tests.reports.facts import D, pdf_pages, pdf_text, squeezed

GOLDEN = pathlib.Path(__file__).with_name("golden")


def text_of(doc) -> str:
    return pdf_text(render.pdf(doc))


def table(doc, title: str):
    return next(t for t in doc.tables if t.title == title)


# --- the settlement statement -----------------------------------------------------------------------------

def test_the_settlement_statement_shows_the_contract_its_lines_and_each_lines_subsidy():
    text = text_of(build.voucher_settlement(facts.settlement()))
    for expected in ("服务券兑付结算单", "2026年上云上平台服务券", "佛山市南海陶瓷制品有限公司", "91440600MA00000058",
                     "粤云工业互联网平台有限公司", "合同金额：200,000.00元", "一、合同明细与各行补贴",
                     "边缘计算MEC服务器", "按合同金额30%补贴，每项最高40000.00元", "45,000.00", "40,000.00", "封顶",
                     "10台", "2000m²", "60,000.00", "55,000.00"):
        assert squeezed(expected) in text, expected


def test_the_settlement_statement_prints_every_limit_on_the_face_value_and_which_one_bit():
    doc = build.voucher_settlement(facts.settlement())
    rows = list(table(doc, "二、券面额核定").rows)
    assert [r[1] for r in rows] == [55_000_00, 60_000_00, 1_000_000_00, 8_000_000_00, 55_000_00]
    assert rows[0][2] == "券面额取此值" and "已含单项封顶" in rows[0][0]
    assert [r[2] for r in rows[1:4]] == ["未约束", "未约束", "未约束"]

    # a contract whose lines come to more than 30 % of it: the regional share sets the face value
    shared = build.voucher_settlement(facts.settlement(binding=("max_share",), max_share_cap=50_000_00,
                                                       face_value=50_000_00))
    rows = list(table(shared, "二、券面额核定").rows)
    assert rows[0][2] == "高于上限" and rows[1][2] == "约束：券面额取此值" and rows[4][1] == 50_000_00


def test_the_settlement_statement_shows_how_the_claim_came_to_its_final_amount():
    text = text_of(build.voucher_settlement(facts.settlement()))
    for expected in ("三、兑付金额核定", "实付比例95%", "合同金额×90%", "180,000.00", "核定兑付金额F", "52,250.00",
                     "F=min(V,floor_fen(V×P/A))", "退回预算V−F", "2,750.00", "核定兑付金额：52,250.00元"):
        assert expected in text, expected


def test_the_settlement_statement_lists_the_evidence_by_name_and_sha256_and_the_journals_and_payments():
    doc = build.voucher_settlement(facts.settlement())
    text = text_of(doc)
    for kind, sha in facts.SHA.items():
        assert f"{kind}.pdf" in text and sha in text
    assert [r[0] for r in table(doc, "五、账务分录").rows] == [2, 3, 5]
    assert "可用额度−55,000.00；预留额度+55,000.00" in text  # the reservation, read as a movement
    assert "YQ1-1" in text and "T1" in text and "已支付" in text


def test_a_claim_not_yet_paid_says_so_on_its_statement():
    doc = build.voucher_settlement(facts.settlement(status="publicity", paid_on=None, payments=False))
    text = text_of(doc)
    assert "公示中" in text and "尚未纳入支付批次" in text and "支付日期：—" in text


# --- payout batches and reconciliation --------------------------------------------------------------------

def test_a_payout_batch_report_names_its_maker_and_checker_the_approval_time_and_the_total():
    text = text_of(build.payout_batch(facts.batch(), facts.batch_lines()))
    for expected in ("兑付资金支付批次报告", "制单人：陈制单", "复核审批人：李复核", "审批时间：2026年3月9日09:15",
                     "合计金额：156,750.00元", "3笔", "156,750.00", "东莞市大岭山家具有限公司", "6222023602000000006",
                     "YQ1-3", "账本分录：4", "韶关市无账户制造有限公司", "收款单位缺少银行账户"):
        assert expected in text, expected


def test_a_draft_batch_report_warns_that_nobody_may_pay_from_it():
    text = text_of(build.payout_batch(facts.batch("draft"), facts.batch_lines("pending")))
    assert "本批次尚未审批，不得据此付款。" in text and "复核审批人：—" in text and "待审批" in text


def test_the_reconciliation_report_totals_each_outcome_and_lists_the_payments_still_missing():
    doc = build.reconciliation(facts.statement(), facts.bank_lines())
    summary = {r[0]: (r[1], r[2]) for r in table(doc, "一、按结果汇总").rows}
    assert summary == {"已匹配": (1, 52_250_00), "退回": (1, -52_250_00), "核对不符": (1, 52_205_00),
                       "参考号不明": (1, 1_00), "未到账": (1, 52_250_00)}
    text = text_of(build.reconciliation(facts.statement(), facts.bank_lines()))
    for expected in ("银行对账报告", "工行回单20260310.csv", "d6" * 32, "金额不符", "YQ9-9", "-52,250.00",
                     "三、已发送但尚无银行记录的付款", "阳江市阳东五金刀剪有限公司",
                     "导入时结果：已匹配1笔，退回1笔，核对不符1笔，参考号不明1笔，未到账1笔，重复0笔"):
        assert expected in text, expected


# --- the publicity list and the product table --------------------------------------------------------

def test_the_publicity_list_shows_each_claim_in_publicity_with_its_dates_and_the_total():
    text = text_of(build.publicity(facts.publicity(2), facts.publicity_lines(2)))
    for expected in ("公示名单", "佛山市南海区第1号陶瓷有限公司", "佛山市南海区第2号陶瓷有限公司", "上云上平台服务券兑付",
                     "2026年3月2日", "2026年3月6日", "104,500.00", "公示笔数：2"):
        assert expected in text, expected


def test_a_publicity_list_with_nobody_in_publicity_is_a_report_that_says_so():
    pages = pdf_pages(render.pdf(build.publicity(facts.publicity(0), iter(()))))
    assert len(pages) == 1
    assert "当前没有处于公示期的兑付申请" in squeezed(pages[0]) and "企业名称" in pages[0]


def test_the_annex5_table_has_the_templates_six_columns_first_then_what_a_contract_needs():
    doc = build.annex5(facts.annex5(), facts.products())
    t = doc.tables[0]
    assert [c.header for c in t.columns] == ["序号", "产品名称", "产品单位", "应用场景", "功能模块", "预期效果", "奖补标准",
                                             "产品类型", "计量单位", "单价（元）", "有效期起", "有效期止"]
    text = text_of(build.annex5(facts.annex5(), facts.products()))
    assert "数据采集、边缘网关" in text and "中国移动通信集团广东有限公司" in text and "150,000.00" in text


# --- the ledger: trial balance and account statement -------------------------------------------------

def test_the_trial_balance_of_a_small_ledger_balances_and_prints_the_head_hash_it_verified():
    doc = build.trial_balance(facts.trial_balance())
    rows = {r[0]: r[2:] for r in doc.tables[0].rows}
    assert rows["scheme:1:funding"] == (None, 10_000_000_00)
    assert rows["scheme:1:available"] == (9_947_750_00, None) and rows["scheme:1:disbursed"] == (52_250_00, None)
    assert doc.tables[0].totals == ("合计", None, 10_000_000_00, 10_000_000_00)
    text = text_of(build.trial_balance(facts.trial_balance()))
    assert "借贷是否平衡：平衡" in text and "通过" in text and "5" * 64 in text and "2026年上云上平台服务券·可用额度" in text


def test_a_trial_balance_as_of_a_past_day_counts_only_journals_dated_by_then():
    doc = build.trial_balance(facts.trial_balance(as_of=D(2026, 3, 2)))
    rows = {r[0]: r[2:] for r in doc.tables[0].rows}
    assert rows["scheme:1:payable"] == (52_250_00, None) and rows["scheme:1:disbursed"] == (None, None)
    assert "截止日期：2026年3月2日" in text_of(doc)


def test_a_trial_balance_names_the_latest_closed_month_and_the_head_it_closed_on():
    f = dataclasses.replace(facts.trial_balance(), closed_month="2026-02", closed_head_hash="c" * 64)
    text = text_of(build.trial_balance(f))
    assert "最近结账月份：2026-02" in text and "c" * 64 in text
    assert "最近结账月份" not in text_of(build.trial_balance(facts.trial_balance()))


def test_a_trial_balance_of_a_ledger_that_does_not_verify_says_so_first():
    doc = build.trial_balance(facts.trial_balance(ok=False))
    text = text_of(doc)
    assert "账本校验：未通过：contentdoesnotmatchitshash" in text and "首个异常分录：3" in text
    assert doc.notes[0].startswith("账本校验未通过")


def test_an_account_statement_runs_the_balance_from_the_opening_to_the_closing_balance():
    f, lines = facts.account("scheme:1:available", D(2026, 2, 1), D(2026, 3, 31))
    doc = build.account_statement(f, iter(lines))
    rows = list(doc.tables[0].rows)
    assert rows[0][2] == "期初余额" and rows[0][-1] == 10_000_000_00
    assert [(r[0], r[5], r[6], r[7]) for r in rows[1:]] == [(2, None, 55_000_00, 9_945_000_00),
                                                          (3, 2_750_00, None, 9_947_750_00)]
    assert rows[-1][-1] == f.closing and doc.tables[0].totals[-3:] == (2_750_00, 55_000_00, 9_947_750_00)


def test_an_account_statement_of_a_period_without_postings_says_so_and_keeps_the_balance():
    f, lines = facts.account("scheme:1:disbursed", D(2026, 1, 1), D(2026, 1, 31))
    doc = build.account_statement(f, iter(lines))
    assert f.opening == f.closing == 0 and doc.notes[0].startswith("本期无数据")
    text = text_of(build.account_statement(f, iter(lines)))
    assert "期初余额：0.00元" in text and "期末余额：0.00元" in text and "2026年1月1日至2026年1月31日" in text


# --- every report ----------------------------------------------------------------------------------------

REPORTS = {
    "settlement": lambda: build.voucher_settlement(facts.settlement()),
    "payout-batch": lambda: build.payout_batch(facts.batch(), facts.batch_lines()),
    "reconciliation": lambda: build.reconciliation(facts.statement(), facts.bank_lines()),
    "publicity": lambda: build.publicity(facts.publicity(3), facts.publicity_lines(3)),
    "trial-balance": lambda: build.trial_balance(facts.trial_balance()),
    "account-statement": lambda: build.account_statement(*facts.account("scheme:1:payable")),
    "annex5": lambda: build.annex5(facts.annex5(), facts.products()),
}


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_reads_as_its_golden_text(name):
    pages = pdf_pages(render.pdf(REPORTS[name]()))
    got = "\n".join("\n".join(line.strip() for line in page.splitlines()) for page in pages)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("YUNQUAN_UPDATE_GOLDEN") == "1":
        path.write_text(got + "\n", encoding="utf-8")
    assert got + "\n" == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_embeds_the_cjk_font_and_no_other(name):
    fonts = facts.fonts_of(render.pdf(REPORTS[name]()))
    assert fonts and all("WenQuanYiMicroHei" in base for base in fonts)
    for font in fonts.values():
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


@pytest.mark.parametrize("name", REPORTS)
def test_each_report_is_also_a_spreadsheet_and_a_csv_with_every_amount_exact(name):
    assert render.xlsx_bytes(REPORTS[name]())[:2] == b"PK"
    csv_text = b"".join(render.csv(REPORTS[name]())).decode("utf-8-sig")
    for t in REPORTS[name]().tables:
        money = [i for i, c in enumerate(t.columns) if c.kind is Kind.MONEY]
        for row in t.rows:
            for i in money:
                if row[i] is not None:
                    assert f",{format_fen(row[i])}," in csv_text or f",{format_fen(row[i])}\r\n" in csv_text


# --- the words ---------------------------------------------------------------------------------------------

def test_an_unknown_code_prints_as_itself_rather_than_failing_the_report():
    assert build.word(build.CLAIM_STATUSES, "paid") == "已支付"
    assert build.word(build.CLAIM_STATUSES, "frozen") == "frozen" and build.word(build.CLAIM_STATUSES, None) == ""


def test_stamps_print_in_china_standard_time_and_a_naive_stamp_is_utc():
    assert build.stamp_zh(dt.datetime(2026, 3, 1, 16, 5, tzinfo=dt.timezone.utc)) == "2026年3月2日 00:05"
    assert build.stamp_zh(dt.datetime(2026, 3, 1, 16, 5)) == "2026年3月2日 00:05"


@pytest.mark.parametrize("rate, text", [("0.30", "30%"), ("0.9500", "95%"), ("0.955", "95.5%"), ("1", "100%"),
                                        ("", ""), ("x", "x")])
def test_rates_print_as_percentages(rate, text):
    assert build.percent(rate) == text


def test_scheme_accounts_read_as_the_schemes_name_and_the_part_other_accounts_as_their_ledger_name():
    assert build.account_label("scheme:1:in_transit", "scheme 1 in_transit", facts.SCHEMES) == "2026年上云上平台服务券·在途"
    assert build.account_label("scheme:9:payable", "", {}) == "资金计划9·应付"
    assert build.account_label("bank:clearing", "银行清算") == "银行清算"

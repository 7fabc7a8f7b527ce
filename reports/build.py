"""Reports as pure functions: plain facts in, a ``document.Report`` out. No database, no framework.

``reports/queries.py`` reads the facts each report needs (large tables as generators, read in
chunks); ``reports/render.py`` lays the ``Report`` out as PDF, XLSX or CSV. Each report here is one
function over frozen dataclasses, so a test builds one from a handful of values and reads the
result (``tests/reports/test_build.py``); a new report (a loan's reward statement, a talent claim's,
a pilot's performance against its task book) is one more dataclass and one more function.

Money is int fen throughout; dates are ``datetime.date``; stamps are aware ``datetime`` and print in
China Standard Time. Codes (statuses, journal kinds, outcomes) print in Chinese through the word
lists below; an unknown code prints as itself rather than failing a report.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Iterator, Mapping, Sequence

from reports.document import NO_DATA, Column, Kind, Report, Table, date_zh, money_text

CST = dt.timezone(dt.timedelta(hours=8))  # China Standard Time: no daylight saving, so a fixed offset

# --- words --------------------------------------------------------------------------------------------

CLAIM_KINDS = {"voucher": "上云上平台服务券兑付", "reward": "融资上云贴息奖励", "talent": "人才上云服务券"}
CLAIM_STATUSES = {"submitted": "审核中", "returned": "退回修改", "publicity": "公示中", "payable": "待支付",
                  "in_batch": "支付中", "paid": "已支付", "lapsed": "已失效"}
VOUCHER_STATUSES = {"waitlisted": "候补", "reserved": "已预留", "issued": "已发放", "redeemed": "兑付中",
                    "settled": "已兑付", "expired": "已过期", "rejected": "已驳回"}
JOURNAL_KINDS = {"fund": "预算拨入", "reserve": "预留额度", "consume": "核定兑付", "release": "释放额度",
                 "hold": "异议暂扣", "payout": "批次付款", "disburse": "银行已付", "return": "银行退回",
                 "reversal": "冲销"}
ACCOUNT_PARTS = {"funding": "预算拨款", "available": "可用额度", "reserved": "预留额度", "payable": "应付",
                 "in_transit": "在途", "disbursed": "已拨付"}
EVIDENCE_KINDS = {"invoice": "发票", "payment_proof": "付款凭证", "acceptance_report": "验收报告"}
LIMITS = {"line_cap": "单项封顶", "max_share": "地区比例上限", "enterprise_cap": "企业年度上限",
          "provider_quota": "服务商额度", "face_value": "券面额", "held": "尚余预留额度"}
BATCH_STATUSES = {"draft": "待审批", "approved": "已审批", "cancelled": "已作废"}
LINE_STATUSES = {"pending": "待审批", "sent": "已发送", "paid": "已支付", "returned": "银行退回",
                 "cancelled": "已作废"}
OUTCOMES = {"matched": "已匹配", "amount_mismatch": "核对不符", "unknown_reference": "参考号不明", "returned": "退回",
            "duplicate": "重复", "missing": "未到账"}
OUTCOME_REASONS = {"amount": "金额不符", "payee_account": "收款账号不符", "already_returned": "该笔已退回",
                   "already_paid": "该笔已支付", "not_sent": "该笔尚未发送"}
SKIP_REASONS = {"PAYEE_BANK_ACCOUNT_MISSING": "收款单位缺少银行账户"}


def word(words: Mapping[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return words.get(code, code)


def stamp_zh(at: dt.datetime | None) -> str:
    """An instant as people in Guangdong read it: 2026年3月2日 10:00 (China Standard Time). A naive
    stamp is UTC (SQLite hands stamps back without their offset)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    local = at.astimezone(CST)
    return f"{date_zh(local.date())} {local:%H:%M}"


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"{money_text(fen)} 元"


def percent(rate: str | Decimal | None) -> str:
    """"0.30" -> "30%", "0.9500" -> "95%", "0.955" -> "95.5%"."""
    if rate is None or rate == "":
        return ""
    try:
        value = (Decimal(str(rate)) * 100).normalize()
    except InvalidOperation:
        return str(rate)
    return f"{value:f}%"


def account_label(code: str, name: str = "", scheme_names: Mapping[int, str] | None = None) -> str:
    """``scheme:3:available`` -> "2026年上云上平台服务券·可用额度"; another code -> its ledger name."""
    parts = code.split(":")
    if len(parts) == 3 and parts[0] == "scheme" and parts[1].isdigit() and parts[2] in ACCOUNT_PARTS:
        scheme = (scheme_names or {}).get(int(parts[1])) or f"资金计划{parts[1]}"
        return f"{scheme}·{ACCOUNT_PARTS[parts[2]]}"
    return name or code


def _generated(at: dt.datetime) -> tuple[str, str]:
    return ("生成时间", stamp_zh(at))


# --- shared facts ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    name: str
    uscc: str = ""
    bank_name: str = ""
    bank_account: str = ""


@dataclass(frozen=True)
class JournalFacts:
    """A journal as a report shows it: which accounts rose and fell, and by how much."""
    id: int
    effective_date: dt.date
    kind: str
    legs: Sequence[tuple[str, int]]  # (account code, signed fen)
    hash: str = ""

    @property
    def amount(self) -> int:
        """What the journal moved: the sum of its rises (equal to the sum of its falls)."""
        return sum(a for _, a in self.legs if a > 0)


def legs_text(legs: Sequence[tuple[str, int]], scheme_names: Mapping[int, str] | None = None) -> str:
    """"可用额度 −55,000.00；预留额度 +55,000.00": the falls first, then the rises."""
    ordered = sorted(legs, key=lambda leg: (leg[1] > 0, leg[0]))
    shown = []
    for code, amount in ordered:
        label = account_label(code, scheme_names=scheme_names)
        if scheme_names is not None and "·" in label:
            label = label.split("·", 1)[1]  # one scheme's statement: the part says enough
        shown.append(f"{label} {'+' if amount > 0 else '−'}{money_text(abs(amount))}")
    return "；".join(shown)


def journals_table(journals: Sequence[JournalFacts], scheme_names: Mapping[int, str], *,
                   title: str = "账务分录") -> Table:
    return Table(
        [Column("分录号", Kind.INT), Column("记账日期", Kind.DATE), Column("业务"), Column("账户变动", weight=3),
         Column("金额（元）", Kind.MONEY)],
        [(j.id, j.effective_date, word(JOURNAL_KINDS, j.kind), legs_text(j.legs, scheme_names), j.amount)
         for j in journals],
        title=title, empty_message="账本中没有相关分录")


# === the settlement statement of a voucher's claim (服务券兑付结算单) ======================================

@dataclass(frozen=True)
class ContractLineFacts:
    line_no: int
    product: str         # the product's name in the version the contract pinned
    item_kind: str       # its kind, in Chinese
    quantity: str        # exact decimal text
    unit: str
    unit_price: int
    amount: int
    standard: str        # the subsidy standard as written in the catalogue
    before_cap: int      # the line's subsidy by its standard
    subsidy: int         # after the line's own cap
    cap_applied: bool


@dataclass(frozen=True)
class FaceValueFacts:
    """How the voucher's face value was set (its stored breakdown): the lowest of the limits."""
    sum_of_lines: int
    city: str
    max_share_rate: str
    max_share_cap: int
    enterprise_cap_left: int
    provider_quota_left: int
    face_value: int
    binding: Sequence[str]   # which limits bit: line_cap, max_share, enterprise_cap, provider_quota
    settings_version: int


@dataclass(frozen=True)
class EvidenceFacts:
    kind: str
    filename: str
    sha256: str
    size: int
    uploaded_at: dt.datetime | None


@dataclass(frozen=True)
class PaymentFacts:
    batch_id: int
    reference: str
    amount: int
    status: str
    bank_txn_id: str | None


@dataclass(frozen=True)
class VoucherSettlement:
    claim_id: int
    claim_status: str              # the status it has today
    scheme: str
    enterprise: Party
    provider: Party
    payee: Party
    voucher_id: int
    voucher_status: str
    contract_id: int
    signed_on: dt.date
    contract_amount: int
    lines: Sequence[ContractLineFacts]
    face: FaceValueFacts
    invoice_amount: int
    paid_amount: int
    paid_ratio: str
    min_paid_ratio: str
    min_paid_amount: int
    final_amount: int
    released: int
    limited_by: str | None         # face_value | held | None
    claim_settings_version: int
    submitted_at: dt.datetime | None
    approved_on: dt.date | None
    publicity_ends_on: dt.date | None
    paid_on: dt.date | None
    evidence: Sequence[EvidenceFacts]
    journals: Sequence[JournalFacts]
    payments: Sequence[PaymentFacts]
    generated_at: dt.datetime
    scheme_names: Mapping[int, str] = field(default_factory=dict)


def voucher_settlement(f: VoucherSettlement) -> Report:
    """服务券兑付结算单: the contract, every limit on the face value and whether it bit, how the claim
    came to its final amount, the evidence by name and SHA-256, the journals and payments."""
    meta = [
        ("兑付申请编号", str(f.claim_id)), ("状态", word(CLAIM_STATUSES, f.claim_status)),
        ("企业名称", f.enterprise.name), ("统一社会信用代码", f.enterprise.uscc),
        ("服务商", f.provider.name), ("服务券编号", f"{f.voucher_id}（{word(VOUCHER_STATUSES, f.voucher_status)}）"),
        ("合同编号", str(f.contract_id)), ("合同签订日期", date_zh(f.signed_on)),
        ("合同金额", yuan(f.contract_amount)), ("券面额", yuan(f.face.face_value)),
        ("实付金额", yuan(f.paid_amount)), ("核定兑付金额", yuan(f.final_amount)),
        ("收款单位", f.payee.name), ("收款账户", " ".join(x for x in (f.payee.bank_name, f.payee.bank_account) if x)),
        ("提交时间", stamp_zh(f.submitted_at)), ("审核通过日期", date_zh(f.approved_on) if f.approved_on else "—"),
        ("公示截止日期", date_zh(f.publicity_ends_on) if f.publicity_ends_on else "—"),
        ("支付日期", date_zh(f.paid_on) if f.paid_on else "—"),
        _generated(f.generated_at),
    ]
    lines = Table(
        [Column("行号", Kind.INT), Column("产品（类型）", weight=2), Column("数量"), Column("单价（元）", Kind.MONEY),
         Column("金额（元）", Kind.MONEY), Column("奖补标准", weight=2), Column("按标准测算", Kind.MONEY),
         Column("核定补贴", Kind.MONEY), Column("单项封顶")],
        [(ln.line_no, f"{ln.product}（{ln.item_kind}）", f"{ln.quantity} {ln.unit}".strip(), ln.unit_price, ln.amount,
          ln.standard, ln.before_cap, ln.subsidy, "封顶" if ln.cap_applied else "—") for ln in f.lines],
        title="一、合同明细与各行补贴",
        totals=("合计", None, None, None, sum(ln.amount for ln in f.lines), None,
                sum(ln.before_cap for ln in f.lines), sum(ln.subsidy for ln in f.lines), None))

    bit = set(f.face.binding)
    limited = bit - {"line_cap"}

    def limit(name: str) -> str:
        return "约束：券面额取此值" if name in bit else "未约束"

    face = Table(
        [Column("项目", weight=3), Column("金额（元）", Kind.MONEY), Column("约束情况", weight=1.5)],
        [("各行补贴合计 Σs" + ("（已含单项封顶）" if "line_cap" in bit else ""), f.face.sum_of_lines,
          "券面额取此值" if not limited else "高于上限"),
         (f"地区比例上限：{f.face.city} {percent(f.face.max_share_rate)} × 合同金额", f.face.max_share_cap,
          limit("max_share")),
         ("企业年度上限余额", f.face.enterprise_cap_left, limit("enterprise_cap")),
         ("服务商额度余额", f.face.provider_quota_left, limit("provider_quota")),
         ("券面额 V（以上取最小，向下取整到分）", f.face.face_value, "")],
        title="二、券面额核定")

    claim = Table(
        [Column("项目", weight=3), Column("金额（元）", Kind.MONEY), Column("说明", weight=2)],
        [("合同金额 A", f.contract_amount, ""),
         ("发票金额", f.invoice_amount, ""),
         ("实付金额 P", f.paid_amount, f"实付比例 {percent(f.paid_ratio)}"),
         ("最低实付金额", f.min_paid_amount, f"合同金额 × {percent(f.min_paid_ratio)}"),
         ("券面额 V", f.face.face_value, ""),
         ("核定兑付金额 F", f.final_amount,
          "F = min(V, floor_fen(V × P / A))" + (f"；受{word(LIMITS, f.limited_by)}约束" if f.limited_by else "")),
         ("退回预算 V − F", f.released, "审核通过时释放，可供其他企业申请")],
        title="三、兑付金额核定")

    evidence = Table(
        [Column("类别"), Column("文件名", weight=2), Column("SHA-256", weight=3), Column("大小（字节）", Kind.INT),
         Column("上传时间", weight=1.2)],
        [(word(EVIDENCE_KINDS, e.kind), e.filename, e.sha256, e.size, stamp_zh(e.uploaded_at)) for e in f.evidence],
        title="四、证明材料", empty_message="未提交证明材料")

    payments = Table(
        [Column("批次", Kind.INT), Column("参考号"), Column("金额（元）", Kind.MONEY), Column("状态"),
         Column("银行流水号")],
        [(p.batch_id, p.reference, p.amount, word(LINE_STATUSES, p.status), p.bank_txn_id or "—")
         for p in f.payments],
        title="六、支付记录", empty_message="尚未纳入支付批次")

    return Report(
        title="服务券兑付结算单", subtitle=f.scheme, meta=meta,
        tables=[lines, face, claim, evidence, journals_table(f.journals, f.scheme_names, title="五、账务分录"),
                payments],
        notes=[f"券面额按资金计划设置第 {f.face.settings_version} 版核定，兑付金额按第 {f.claim_settings_version} 版核定。",
               "各行补贴向下取整到分；券面额取各行补贴合计、地区比例上限、企业年度上限余额与服务商额度余额中的最小值。",
               "证明材料以 SHA-256 标识，同一文件只能支持一笔兑付申请。",
               "账务分录为账本中引用本兑付申请或本服务券的全部分录；账本完整性见审计试算平衡表所载校验结果。"])


# === a payout batch (兑付资金支付批次报告) ==================================================================

@dataclass(frozen=True)
class BatchLine:
    reference: str
    claim_id: int
    payee_name: str
    payee_account: str
    amount: int
    status: str
    bank_txn_id: str | None = None


@dataclass(frozen=True)
class SkippedClaim:
    claim_id: int
    payee: str
    reason: str


@dataclass(frozen=True)
class BatchFacts:
    id: int
    scheme: str
    status: str
    line_count: int
    total: int
    maker: str
    made_at: dt.datetime | None
    checker: str | None
    approved_at: dt.datetime | None
    journals: Sequence[JournalFacts]
    skipped: Sequence[SkippedClaim]
    generated_at: dt.datetime
    scheme_names: Mapping[int, str] = field(default_factory=dict)


def payout_batch(f: BatchFacts, lines: Iterable[BatchLine]) -> Report:
    """Every payment of the batch with its payee, the total, who made it and who approved it, when.
    ``lines`` may be a generator (a batch of 100,000 payments is read in chunks)."""
    meta = [("批次编号", str(f.id)), ("状态", word(BATCH_STATUSES, f.status)),
            ("资金计划", f.scheme), ("笔数", f"{f.line_count:,}"), ("合计金额", yuan(f.total)),
            ("制单人", f.maker), ("制单时间", stamp_zh(f.made_at)),
            ("复核审批人", f.checker or "—"), ("审批时间", stamp_zh(f.approved_at) or "—"),
            ("账本分录", "、".join(str(j.id) for j in f.journals) or "—"), _generated(f.generated_at)]
    payments = Table(
        [Column("序号", Kind.INT), Column("参考号", weight=1.1), Column("兑付申请", Kind.INT),
         Column("收款单位", weight=3), Column("收款账号", weight=2.5), Column("金额（元）", Kind.MONEY), Column("状态"),
         Column("银行流水号", weight=1.1)],
        ((n, ln.reference, ln.claim_id, ln.payee_name, ln.payee_account, ln.amount, word(LINE_STATUSES, ln.status),
          ln.bank_txn_id or "") for n, ln in enumerate(lines, start=1)),
        title="支付明细", totals=("合计", f"{f.line_count:,} 笔", None, None, None, f.total, None, None))
    skipped = Table(
        [Column("兑付申请", Kind.INT), Column("收款单位", weight=2), Column("原因", weight=2)],
        [(s.claim_id, s.payee, word(SKIP_REASONS, s.reason)) for s in f.skipped],
        title="未纳入本批次的待支付申请", empty_message="无")
    notes = ["制单与审批由不同人员完成（制单人不得审批本人编制的批次）。",
             "审批后本批次合计金额由“应付”转入“在途”，银行对账后转入“已拨付”或退回“应付”。"]
    if f.status == "draft":
        notes.insert(0, "本批次尚未审批，不得据此付款。")
    return Report(title="兑付资金支付批次报告", subtitle=f"{f.scheme} 第 {f.id} 批", meta=meta,
                  tables=[payments, skipped, journals_table(f.journals, f.scheme_names)], notes=notes)


# === a bank statement's reconciliation (银行对账报告) =======================================================

@dataclass(frozen=True)
class BankLine:
    line_no: int
    bank_txn_id: str
    value_date: dt.date
    reference: str
    payee_account: str
    amount: int
    outcome: str
    reason: str | None = None
    claim_id: int | None = None
    journal_id: int | None = None


@dataclass(frozen=True)
class OutcomeTotal:
    outcome: str
    count: int
    amount: int | None


@dataclass(frozen=True)
class MissingPayment:
    reference: str
    claim_id: int
    payee_name: str
    amount: int
    batch_id: int


@dataclass(frozen=True)
class StatementFacts:
    id: int
    filename: str
    sha256: str
    encoding: str
    lines: int
    imported_by: str
    imported_at: dt.datetime | None
    counts_at_import: Mapping[str, int]
    totals: Sequence[OutcomeTotal]       # of the lines listed below, and the payments still missing
    missing: Sequence[MissingPayment]
    generated_at: dt.datetime


RECONCILIATION_ORDER = ("matched", "returned", "amount_mismatch", "unknown_reference", "missing", "duplicate")


def reconciliation(f: StatementFacts, lines: Iterable[BankLine]) -> Report:
    """Each line of the statement with what it was found to be, the totals per outcome and the
    payments the bank has not reported yet."""
    at_import = "，".join(f"{word(OUTCOMES, k)} {f.counts_at_import.get(k, 0)} 笔" for k in RECONCILIATION_ORDER)
    meta = [("对账单编号", str(f.id)), ("文件名", f.filename), ("文件 SHA-256", f.sha256), ("编码", f.encoding),
            ("明细行数", f"{f.lines:,}"), ("导入人", f.imported_by), ("导入时间", stamp_zh(f.imported_at)),
            ("导入时结果", at_import), _generated(f.generated_at)]
    by_outcome = {t.outcome: t for t in f.totals}
    summary = Table(
        [Column("结果"), Column("笔数", Kind.INT), Column("金额（元）", Kind.MONEY), Column("处理", weight=3)],
        [(word(OUTCOMES, k), by_outcome[k].count if k in by_outcome else 0,
          by_outcome[k].amount if k in by_outcome else 0, _OUTCOME_EFFECT[k])
         for k in RECONCILIATION_ORDER if k != "duplicate"],
        title="一、按结果汇总")
    detail = Table(
        [Column("行号", Kind.INT), Column("银行流水号"), Column("交易日期", Kind.DATE), Column("参考号"),
         Column("收款账号", weight=2.2), Column("金额（元）", Kind.MONEY), Column("结果"), Column("原因"),
         Column("兑付申请", Kind.INT), Column("账本分录", Kind.INT)],
        ((ln.line_no, ln.bank_txn_id, ln.value_date, ln.reference, ln.payee_account, ln.amount,
          word(OUTCOMES, ln.outcome), word(OUTCOME_REASONS, ln.reason), ln.claim_id, ln.journal_id) for ln in lines),
        title="二、对账明细")
    missing = Table(
        [Column("参考号"), Column("兑付申请", Kind.INT), Column("收款单位", weight=2), Column("金额（元）", Kind.MONEY),
         Column("批次", Kind.INT)],
        [(m.reference, m.claim_id, m.payee_name, m.amount, m.batch_id) for m in f.missing],
        title="三、已发送但尚无银行记录的付款", empty_message="无",
        totals=("合计", None, f"{len(f.missing):,} 笔", sum(m.amount for m in f.missing), None) if f.missing else None)
    return Report(title="银行对账报告", subtitle=f"对账单 {f.id}：{f.filename}", meta=meta,
                  tables=[summary, detail, missing], landscape=True,  # ten columns of detail
                  notes=["金额为负数的行是银行退回的付款。",
                         "与先前导入内容相同的流水（重复）不再列出，只计入导入时结果。",
                         "此后另一份对账单更正的流水，列在那份对账单的报告中。",
                         "第三部分为本对账单涉及的批次中，截至生成时仍未出现在任何对账单上的付款。"])


_OUTCOME_EFFECT = {
    "matched": "在途转入已拨付，兑付申请为已支付",
    "returned": "退回应付，下一批次重新支付",
    "amount_mismatch": "未动账，待更正后的对账单处理",
    "unknown_reference": "未动账，无对应付款",
    "missing": "仍在途，待银行对账单",
    "duplicate": "",
}


# === the publicity list (公示名单) ========================================================================

@dataclass(frozen=True)
class PublicityLine:
    claim_id: int
    enterprise: str
    provider: str
    scheme: str
    kind: str
    amount: int
    approved_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class PublicityFacts:
    today: dt.date
    scheme: str | None      # None: every scheme
    count: int
    total: int
    generated_at: dt.datetime


def publicity(f: PublicityFacts, lines: Iterable[PublicityLine]) -> Report:
    """公示名单: the claims in publicity on ``today``; anyone may read it and object during publicity."""
    meta = [("公示日期", date_zh(f.today)), ("资金计划", f.scheme or "全部"), ("公示笔数", f"{f.count:,}"),
            ("公示金额合计", yuan(f.total)), _generated(f.generated_at)]
    table = Table(
        [Column("序号", Kind.INT), Column("兑付申请", Kind.INT), Column("企业名称", weight=2.5),
         Column("服务商", weight=2), Column("类别", weight=1.3), Column("拟兑付金额（元）", Kind.MONEY),
         Column("公示开始", Kind.DATE), Column("公示截止", Kind.DATE)],
        ((n, ln.claim_id, ln.enterprise, ln.provider, word(CLAIM_KINDS, ln.kind), ln.amount, ln.approved_on,
          ln.ends_on) for n, ln in enumerate(lines, start=1)),
        title="公示名单", empty_message="当前没有处于公示期的兑付申请",
        totals=("合计", None, f"{f.count:,} 笔", None, None, f.total, None, None) if f.count else None)
    subtitle = f"{f.scheme} 兑付公示名单" if f.scheme else "服务券兑付公示名单"
    return Report(title="公示名单", subtitle=subtitle, meta=meta, tables=[table],
                  notes=["公示期为审核通过后的工作日（节假日顺延）；公示期内如有异议，请向审核部门实名反映。",
                         "公示期满无异议的，兑付金额纳入下一支付批次。"])


# === the ledger for auditors: trial balance and account statement ========================================

@dataclass(frozen=True)
class VerifyFacts:
    ok: bool
    journals: int
    head_hash: str
    first_bad_journal: int | None = None
    problem: str | None = None
    anchors_checked: int | None = None
    checked_at: dt.datetime | None = None


@dataclass(frozen=True)
class TrialBalanceFacts:
    as_of: dt.date | None                 # None: every journal posted so far
    rows: Sequence[tuple[str, str, int]]  # code, ledger name, signed balance (debit positive)
    total_debit: int
    total_credit: int
    verify: VerifyFacts
    generated_at: dt.datetime
    scheme_names: Mapping[int, str] = field(default_factory=dict)
    closed_month: str | None = None       # the latest closed month that ended by as_of
    closed_head_hash: str | None = None   # the chain head it closed on


def verify_meta(v: VerifyFacts) -> list[tuple[str, str]]:
    found = "通过：哈希链与各账户余额均与分录一致" if v.ok else f"未通过：{v.problem or '账本与其哈希链不一致'}"
    meta = [("账本校验", found), ("分录数", f"{v.journals:,}"), ("链头哈希", v.head_hash)]
    if not v.ok and v.first_bad_journal is not None:
        meta.append(("首个异常分录", str(v.first_bad_journal)))
    if v.anchors_checked is not None:
        meta.append(("已核对锚点", str(v.anchors_checked)))
    if v.checked_at is not None:
        meta.append(("校验时间", stamp_zh(v.checked_at)))
    return meta


def trial_balance(f: TrialBalanceFacts) -> Report:
    """Every account's balance as of a day (debits and credits apart), the totals, and the ledger's
    own check: the head hash of the chain and whether ``verify`` found it intact."""
    balanced = f.total_debit == f.total_credit
    meta = [("截止日期", date_zh(f.as_of) if f.as_of else "全部已记账分录"),
            ("借贷是否平衡", "平衡" if balanced else "不平衡"), *verify_meta(f.verify)]
    if f.closed_month:
        meta += [("最近结账月份", f.closed_month), ("结账时链头", f.closed_head_hash or "")]
    meta.append(_generated(f.generated_at))
    table = Table(
        [Column("账户代码", weight=1.4), Column("账户名称", weight=2.2), Column("借方余额（元）", Kind.MONEY),
         Column("贷方余额（元）", Kind.MONEY)],
        [(code, account_label(code, name, f.scheme_names), bal if bal > 0 else None, -bal if bal < 0 else None)
         for code, name, bal in f.rows],
        title="科目余额", empty_message="账本中还没有账户",
        totals=("合计", None, f.total_debit, f.total_credit))
    notes = ["借方余额为正数余额，贷方余额为负数余额（预算拨款账户记录资金计划总额的相反数）。",
             "每个资金计划满足：总额 = 可用 + 预留 + 应付 + 在途 + 已拨付。",
             "链头哈希请另行留存（如寄送审计）：哈希链证明此前的分录未被改动，留存的链头证明链本身未被重建。"]
    if not f.verify.ok:
        notes.insert(0, "账本校验未通过：本表余额不可作为审计依据，请立即核查首个异常分录。")
    if f.as_of:
        notes.append("余额按记账日期截止计算；账本校验针对生成时的全部分录。")
    return Report(title="试算平衡表", subtitle="云券账本", meta=meta, tables=[table], notes=notes)


@dataclass(frozen=True)
class PostingLine:
    journal_id: int
    effective_date: dt.date
    kind: str
    memo: str
    ref: str | None
    amount: int


@dataclass(frozen=True)
class AccountFacts:
    code: str
    name: str
    start: dt.date | None
    end: dt.date | None
    opening: int
    closing: int
    debit: int
    credit: int
    postings: int
    generated_at: dt.datetime
    scheme_names: Mapping[int, str] = field(default_factory=dict)


def account_statement(f: AccountFacts, postings: Iterable[PostingLine]) -> Report:
    """One account from ``start`` to ``end``: the opening balance, every posting with the balance after
    it, the closing balance. ``postings`` may be a generator."""
    label = account_label(f.code, f.name, f.scheme_names)
    period = (f"{date_zh(f.start)} 至 {date_zh(f.end)}" if f.start and f.end else f"{date_zh(f.start)} 起" if f.start
              else f"截至 {date_zh(f.end)}" if f.end else "全部")
    meta = [("账户代码", f.code), ("账户名称", label), ("期间", period), ("期初余额", yuan(f.opening)),
            ("本期借方", yuan(f.debit)), ("本期贷方", yuan(f.credit)), ("期末余额", yuan(f.closing)),
            ("分录笔数", f"{f.postings:,}"), _generated(f.generated_at)]

    def rows() -> Iterator[tuple]:
        balance = f.opening
        yield (None, f.start, "期初余额", "", "", None, None, balance)
        for p in postings:
            balance += p.amount
            yield (p.journal_id, p.effective_date, word(JOURNAL_KINDS, p.kind), p.memo, p.ref or "",
                   p.amount if p.amount > 0 else None, -p.amount if p.amount < 0 else None, balance)

    table = Table(
        [Column("分录号", Kind.INT), Column("记账日期", Kind.DATE), Column("业务"), Column("摘要", weight=2.5),
         Column("关联", weight=1.2), Column("借方（元）", Kind.MONEY), Column("贷方（元）", Kind.MONEY),
         Column("余额（元）", Kind.MONEY)],
        rows(), title="明细", totals=("本期合计", None, None, None, None, f.debit, f.credit, f.closing))
    notes = ["借方使余额增加，贷方使余额减少；余额为记入该笔后的余额。"]
    if f.postings == 0:
        notes.insert(0, f"{NO_DATA}：本期该账户没有分录，期末余额等于期初余额。")
    return Report(title="账户明细表", subtitle=label, meta=meta, tables=[table], notes=notes)


# === the Annex 5 product table (产业集群企业服务券应用产品方案表) ========================================

@dataclass(frozen=True)
class ProductLine:
    name: str
    provider: str
    scenario: str
    modules: Sequence[str]
    expected_effect: str
    standard: str
    item_kind: str
    unit: str
    unit_price: int
    valid_from: dt.date
    valid_to: dt.date


@dataclass(frozen=True)
class Annex5Facts:
    scope: str              # whose products: "全部服务商", a provider's name, a pilot's name
    count: int
    generated_at: dt.datetime


# The six columns of the application template's Annex 5 first (as the template prints them), then
# what a contract needs; the headers are those the catalogue import reads (catalog/importer.py).
ANNEX5_HEADERS = ("产品名称", "产品单位", "应用场景", "功能模块", "预期效果", "奖补标准",
                  "产品类型", "计量单位", "单价（元）", "有效期起", "有效期止")


def annex5(f: Annex5Facts, products: Iterable[ProductLine]) -> Report:
    """附件5 产业集群企业服务券应用产品方案表: the approved products of a provider or of a pilot's alliance."""
    cols = [Column("序号", Kind.INT), Column(ANNEX5_HEADERS[0], weight=1.5), Column(ANNEX5_HEADERS[1], weight=1.5),
            Column(ANNEX5_HEADERS[2], weight=2), Column(ANNEX5_HEADERS[3], weight=1.6),
            Column(ANNEX5_HEADERS[4], weight=2), Column(ANNEX5_HEADERS[5], weight=2),
            Column(ANNEX5_HEADERS[6], weight=1.2), Column(ANNEX5_HEADERS[7], weight=0.7),
            Column(ANNEX5_HEADERS[8], Kind.MONEY), Column(ANNEX5_HEADERS[9], Kind.DATE),
            Column(ANNEX5_HEADERS[10], Kind.DATE)]
    table = Table(
        cols,
        ((n, p.name, p.provider, p.scenario, "、".join(p.modules), p.expected_effect, p.standard, p.item_kind, p.unit,
          p.unit_price, p.valid_from, p.valid_to) for n, p in enumerate(products, start=1)),
        title="产品方案表", empty_message="没有已通过审核的产品")
    # no notes: rows under the table would read as products to the catalogue import, which takes this
    # XLSX back (the header is found among the first rows)
    return Report(title="产业集群企业服务券应用产品方案表", subtitle=f"附件5　{f.scope}",
                  meta=[("范围", f.scope), ("产品数", f"{f.count:,}"),
                        ("收录", "已通过审核的产品，各取最新通过审核的版本"), _generated(f.generated_at)],
                  tables=[table], landscape=True)


# === the application for a pilot (申报书) ===============================================================

@dataclass(frozen=True)
class OrgFacts:
    name: str
    uscc: str
    city: str
    kind: str
    founded_on: dt.date | None


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    unit: str
    content: str
    start_on: dt.date
    end_on: dt.date
    investment: int


@dataclass(frozen=True)
class ApplicationFacts:
    id: int
    name: str
    industry: str
    starting_area: str
    city: str
    year: int
    contact: str
    status: str
    lead: OrgFacts
    partners: Sequence[OrgFacts]
    sections: Mapping[str, str]
    enterprises: Sequence[Mapping]
    shortcomings: Sequence[Mapping]
    roadmap: Sequence[Mapping]
    projects: Sequence[ProjectFacts]
    targets: Sequence[Mapping]
    investment_total: int
    steps: Sequence[tuple[str, str, str, dt.datetime, str | None]]  # action, level, organisation, at, reason
    generated_at: dt.datetime


# the template's headings of 二、实施方案, by section key (clusters.rules.SECTIONS in the template's words)
APPLICATION_SECTIONS = (
    ("status_quo", "（一）产业集群发展现状"),
    ("pain_points", "（二）产业集群痛点分析　1.存在问题"),
    ("causes", "（二）产业集群痛点分析　2.原因分析"),
    ("overall_path", "（三）产业集群数字化转型方案　1.总体路径"),
    ("key_tasks", "2.重点任务"),
    ("targets", "3.转型目标"),
    ("schedule", "4.实施计划"),
    ("budget", "5.投资预算"),
    ("safeguards", "6.实施保障"),
)
APPLICATION_STATUSES = {"draft": "草稿", "submitted": "已提交，待起步区域推荐", "recommended": "已推荐，待地市审核",
                        "reviewed": "已审核，待省厅批准", "approved": "已批准", "returned": "已退回修改"}
APPLICATION_ACTIONS = {"submit": "提交", "recommend": "起步区域推荐", "review": "地市审核", "approve": "省厅批准",
                       "return": "退回"}
FIGURE_LABELS = {"experience_centres": "体验展示中心", "benchmark_cases": "标杆案例", "enterprises_on_platform": "上平台企业数",
                 "qualified_trainees": "人才培养数", "connected_devices": "设备联网数", "factories_connected": "工厂连接数",
                 "benchmark_enterprises": "标杆企业数", "partners_recruited": "合作伙伴招商数",
                 "orders_growth_percent": "订单引流增长（%）"}
ORG_KINDS = {"provider": "服务商", "enterprise": "企业", "financier": "金融机构", "guarantor": "设备商", "authority": "主管部门"}


def _step_of(steps, action: str) -> str:
    done = [s for s in steps if s[0] == action]
    return f"{done[-1][2]}　{stamp_zh(done[-1][3])}" if done else ""


def pilot_application(f: ApplicationFacts, products: Iterable[ProductLine]) -> Report:
    """广东省特色产业集群数字化转型试点申报书: the cover, 一、申报单位信息, 二、实施方案, and the five
    annexes as tables, in the template's words."""
    partners = "、".join(p.name for p in f.partners)
    meta = [("行业领域", f.industry), ("起步区域", f"{f.city}市{f.starting_area}"), ("牵头单位", f.lead.name),
            ("联合单位", partners or "无"), ("联系人及方式", f.contact or ""),
            ("起步区域推荐", _step_of(f.steps, "recommend")), ("地市审核", _step_of(f.steps, "review")),
            ("省厅批准", _step_of(f.steps, "approve")), ("申报年度", str(f.year)),
            ("申报书编号", str(f.id)), ("状态", word(APPLICATION_STATUSES, f.status)), _generated(f.generated_at)]
    def org_line(role: str, o: OrgFacts) -> str:
        founded = f"，成立时间{date_zh(o.founded_on)}" if o.founded_on else ""
        return f"{role}：{o.name}（统一社会信用代码 {o.uscc}，{word(ORG_KINDS, o.kind)}，{o.city}市{founded}）"
    info = "\n".join([org_line("牵头单位", f.lead)] + [org_line("联合单位", p) for p in f.partners])
    sections: list[tuple[str, str]] = [("一、申报单位信息", ""), ("", info), ("二、实施方案", "")]
    for key, heading in APPLICATION_SECTIONS:
        sections.append((heading, f.sections.get(key) or "（未填写）"))
    known = {key for key, _ in APPLICATION_SECTIONS}
    sections += [(key, body) for key, body in f.sections.items() if key not in known]  # the lead's own
    targets = Table([Column("年度", Kind.INT), Column("指标", weight=2), Column("目标值", Kind.INT)],
                    [(t["year"], word(FIGURE_LABELS, t["figure"]), t["target"]) for t in f.targets],
                    title="转型目标（分年度）", empty_message="未填写分年度目标")
    annex1 = Table([Column("序号", Kind.INT), Column("产业链环节", weight=1.2), Column("企业规模"),
                    Column("企业数量", Kind.INT), Column("骨干企业名单", weight=2.5)],
                   [(n, e["segment"], e.get("scale") or "", e.get("count", 0), e.get("backbone") or "")
                    for n, e in enumerate(f.enterprises, start=1)],
                   title="附件1　产业集群企业分布情况表", empty_message="未填写")
    annex2 = Table([Column("序号", Kind.INT), Column("短板分类"), Column("短板内容", weight=2.5),
                    Column(f"{f.year}-{f.year + 1}年工作安排", weight=2.5)],
                   [(n, r["category"], r["content"], r.get("plan") or "") for n, r in enumerate(f.shortcomings, start=1)],
                   title="附件2　产业集群短板突破实施计划表", empty_message="未填写")
    annex3 = Table([Column("序号", Kind.INT), Column("阶段", weight=1.5), Column("开始日期", Kind.DATE),
                    Column("结束日期", Kind.DATE), Column("阶段目标", weight=2.5)],
                   [(n, r["phase"], dt.date.fromisoformat(str(r["start_on"])), dt.date.fromisoformat(str(r["end_on"])),
                     r.get("goal") or "") for n, r in enumerate(f.roadmap, start=1)],
                   title="附件3　产业集群数字化转型路线图", empty_message="未填写")
    annex4 = Table([Column("序号", Kind.INT), Column("项目名称", weight=1.5), Column("项目单位", weight=1.2),
                    Column("建设内容", weight=2), Column("建设时间", weight=1.3), Column("投资额（元）", Kind.MONEY)],
                   [(n, p.name, p.unit, p.content, f"{date_zh(p.start_on)}至{date_zh(p.end_on)}", p.investment)
                    for n, p in enumerate(f.projects, start=1)],
                   totals=("合计", None, None, None, None, f.investment_total),
                   title="附件4　产业集群数字化转型重点建设项目表", empty_message="未填写")
    annex5 = Table([Column("序号", Kind.INT), Column("产品名称", weight=1.5), Column("产品单位", weight=1.5),
                    Column("应用场景", weight=1.5), Column("功能模块", weight=1.3), Column("预期效果", weight=1.5),
                    Column("奖补标准", weight=1.8)],
                   [(n, p.name, p.provider, p.scenario, "、".join(p.modules), p.expected_effect, p.standard)
                    for n, p in enumerate(products, start=1)],
                   title=f"附件5　产业集群企业服务券应用产品方案表（{f.year}年）", empty_message="未列出产品")
    steps = Table([Column("办理", weight=1.2), Column("办理单位", weight=2), Column("时间", weight=1.5),
                   Column("理由", weight=2)],
                  [(word(APPLICATION_ACTIONS, a), org, stamp_zh(at), reason or "") for a, _, org, at, reason in f.steps],
                  title="办理记录", empty_message="尚未提交")
    return Report(title="广东省特色产业集群数字化转型试点申报书", subtitle=f.name, meta=meta, cover=True,
                  sections=sections, tables=[targets, annex1, annex2, annex3, annex4, annex5, steps],
                  notes=[f"投资预算为附件4各重点建设项目投资额之和：{money_text(f.investment_total)}元。"])

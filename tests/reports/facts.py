"""Facts the report builders take, written out by hand: the POLICY.md §6 worked example from
contract to bank, and a small ledger of it (as Beancount's tests keep a ledger in a docstring)."""
from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from reports import build

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 9, 2, 0, tzinfo=UTC)          # 2026年3月9日 10:00 in Guangdong
SUBMITTED = dt.datetime(2026, 3, 2, 1, 30, tzinfo=UTC)   # 2026年3月2日 09:30
APPROVED = dt.datetime(2026, 3, 9, 1, 15, tzinfo=UTC)    # 2026年3月9日 09:15
SCHEMES = {1: "2026年上云上平台服务券"}
D = dt.date

# --- a small ledger: the worked example's money, journal by journal --------------------------------------
#   id, date, kind, legs, hash
FUND, AVAIL, RES, PAY, TRANSIT, PAID = (f"scheme:1:{p}" for p in ("funding", "available", "reserved", "payable",
                                                                   "in_transit", "disbursed"))
LEDGER = [
    build.JournalFacts(1, D(2026, 1, 5), "fund", ((FUND, -10_000_000_00), (AVAIL, 10_000_000_00)), "1" * 64),
    build.JournalFacts(2, D(2026, 2, 21), "reserve", ((AVAIL, -55_000_00), (RES, 55_000_00)), "2" * 64),
    build.JournalFacts(3, D(2026, 3, 2), "consume", ((RES, -55_000_00), (AVAIL, 2_750_00), (PAY, 52_250_00)), "3" * 64),
    build.JournalFacts(4, D(2026, 3, 9), "payout", ((PAY, -52_250_00), (TRANSIT, 52_250_00)), "4" * 64),
    build.JournalFacts(5, D(2026, 3, 10), "disburse", ((TRANSIT, -52_250_00), (PAID, 52_250_00)), "5" * 64),
]
NAMES = {"scheme:1:funding": "scheme 1 appropriation", "scheme:1:available": "scheme 1 available",
         "scheme:1:reserved": "scheme 1 reserved", "scheme:1:payable": "scheme 1 payable",
         "scheme:1:in_transit": "scheme 1 in_transit", "scheme:1:disbursed": "scheme 1 disbursed"}
MEMOS = {1: "budget appropriation", 2: "voucher reservation", 3: "claim approved", 4: "payout batch 1: 1 payments",
         5: "bank T1 value 2026-03-10 ref YQ1-1"}
REFS = {1: "scheme:1", 2: "voucher:1", 3: "claim:1", 4: "batch:1", 5: "claim:1"}


def balances(as_of: dt.date | None = None) -> dict[str, int]:
    """Each account's balance from the small ledger's postings dated on or before ``as_of``."""
    out = dict.fromkeys(NAMES, 0)
    for j in LEDGER:
        if as_of is None or j.effective_date <= as_of:
            for code, amount in j.legs:
                out[code] += amount
    return out


def postings(code: str, start: dt.date | None, end: dt.date | None) -> list[build.PostingLine]:
    return [build.PostingLine(j.id, j.effective_date, j.kind, MEMOS[j.id], REFS[j.id], amount)
            for j in LEDGER for c, amount in j.legs
            if c == code and (start is None or j.effective_date >= start) and (end is None or j.effective_date <= end)]


def verified(ok: bool = True) -> build.VerifyFacts:
    if ok:
        return build.VerifyFacts(True, len(LEDGER), "5" * 64, checked_at=NOW)
    return build.VerifyFacts(False, 2, "5" * 64, first_bad_journal=3, problem="content does not match its hash",
                             checked_at=NOW)


def trial_balance(as_of: dt.date | None = None, ok: bool = True) -> build.TrialBalanceFacts:
    bal = balances(as_of)
    rows = [(code, NAMES[code], bal[code]) for code in sorted(NAMES)]
    return build.TrialBalanceFacts(as_of=as_of, rows=rows, total_debit=sum(b for *_, b in rows if b > 0),
                                   total_credit=-sum(b for *_, b in rows if b < 0), verify=verified(ok),
                                   generated_at=NOW, scheme_names=SCHEMES)


def account(code: str, start: dt.date | None = None, end: dt.date | None = None) -> tuple[build.AccountFacts, list]:
    lines = postings(code, start, end)
    opening = balances(start - dt.timedelta(days=1))[code] if start else 0
    debit = sum(p.amount for p in lines if p.amount > 0)
    credit = -sum(p.amount for p in lines if p.amount < 0)
    facts = build.AccountFacts(code=code, name=NAMES[code], start=start, end=end, opening=opening,
                               closing=opening + debit - credit, debit=debit, credit=credit, postings=len(lines),
                               generated_at=NOW, scheme_names=SCHEMES)
    return facts, lines


# --- the worked example's claim ---------------------------------------------------------------------------

ENTERPRISE = build.Party("佛山市南海陶瓷制品有限公司", "91440600MA00000058", "中国工商银行佛山分行", "6222023602000000005")
PROVIDER = build.Party("粤云工业互联网平台有限公司", "91440600MA0000002X")
SHA = {"invoice": "a3" * 32, "payment_proof": "b4" * 32, "acceptance_report": "c5" * 32}


def settlement(*, binding=("line_cap",), face_value: int = 55_000_00, max_share_cap: int = 60_000_00,
               final: int = 52_250_00, released: int = 2_750_00, paid_on: dt.date | None = D(2026, 3, 10),
               status: str = "paid", payments: bool = True) -> build.VoucherSettlement:
    lines = [
        build.ContractLineFacts(1, "工业级5G CPE网关", "工业级CPE网关节点", "10", "台", 1_000_00, 10_000_00,
                                "每台补贴300.00元", 3_000_00, 3_000_00, False),
        build.ContractLineFacts(2, "边缘计算MEC服务器", "边缘计算MEC服务器", "1", "台", 150_000_00, 150_000_00,
                                "按合同金额30%补贴，每项最高40000.00元", 45_000_00, 40_000_00, True),
        build.ContractLineFacts(3, "5G企业内网深度覆盖", "内网覆盖面积", "2000", "m²", 20_00, 40_000_00,
                                "按合同金额30%补贴", 12_000_00, 12_000_00, False),
    ]
    return build.VoucherSettlement(
        claim_id=1, claim_status=status, scheme=SCHEMES[1], enterprise=ENTERPRISE, provider=PROVIDER, payee=ENTERPRISE,
        voucher_id=1, voucher_status="settled", contract_id=1, signed_on=D(2026, 2, 20), contract_amount=200_000_00,
        lines=lines,
        face=build.FaceValueFacts(sum_of_lines=55_000_00, city="佛山", max_share_rate="0.30",
                                  max_share_cap=max_share_cap, enterprise_cap_left=1_000_000_00,
                                  provider_quota_left=8_000_000_00, face_value=face_value, binding=binding,
                                  settings_version=1),
        invoice_amount=190_000_00, paid_amount=190_000_00, paid_ratio="0.9500", min_paid_ratio="0.90",
        min_paid_amount=180_000_00, final_amount=final, released=released, limited_by=None, claim_settings_version=1,
        submitted_at=SUBMITTED, approved_on=D(2026, 3, 2), publicity_ends_on=D(2026, 3, 6), paid_on=paid_on,
        evidence=[build.EvidenceFacts(kind, f"{kind}.pdf", sha, 20_480, SUBMITTED) for kind, sha in SHA.items()],
        journals=[j for j in LEDGER if REFS[j.id] in ("claim:1", "voucher:1")],
        payments=[build.PaymentFacts(1, "YQ1-1", final, "paid", "T1")] if payments else [],
        generated_at=NOW, scheme_names=SCHEMES)


# --- a payout batch and its bank statement ------------------------------------------------------------------

PAYEES = [("佛山市南海陶瓷制品有限公司", "6222023602000000005"), ("东莞市大岭山家具有限公司", "6222023602000000006"),
          ("阳江市阳东五金刀剪有限公司", "6222023602000000007")]


def batch_lines(status: str = "sent"):
    for n, (name, acct) in enumerate(PAYEES, start=1):
        yield build.BatchLine(f"YQ1-{n}", n, name, acct, 52_250_00, status)


def batch(status: str = "approved") -> build.BatchFacts:
    approved = status == "approved"
    return build.BatchFacts(
        id=1, scheme=SCHEMES[1], status=status, line_count=3, total=156_750_00, maker="陈制单", made_at=SUBMITTED,
        checker="李复核" if approved else None, approved_at=APPROVED if approved else None,
        journals=[build.JournalFacts(4, D(2026, 3, 9), "payout", (("scheme:1:payable", -156_750_00),
                                                                  ("scheme:1:in_transit", 156_750_00)))]
        if approved else [],
        skipped=[build.SkippedClaim(7, "韶关市无账户制造有限公司", "PAYEE_BANK_ACCOUNT_MISSING")],
        generated_at=NOW, scheme_names=SCHEMES)


def bank_lines():
    return [build.BankLine(2, "T1", D(2026, 3, 10), "YQ1-1", PAYEES[0][1], 52_250_00, "matched", None, 1, 5),
            build.BankLine(3, "T2", D(2026, 3, 10), "YQ1-2", PAYEES[1][1], 52_205_00, "amount_mismatch", "amount", 2),
            build.BankLine(4, "T3", D(2026, 3, 10), "YQ9-9", "6222000000009999", 1_00, "unknown_reference"),
            build.BankLine(5, "T4", D(2026, 3, 11), "YQ1-1", PAYEES[0][1], -52_250_00, "returned", None, 1, 6)]


def statement() -> build.StatementFacts:
    lines = bank_lines()
    totals = {}
    for ln in lines:
        count, amount = totals.get(ln.outcome, (0, 0))
        totals[ln.outcome] = (count + 1, amount + ln.amount)
    missing = [build.MissingPayment("YQ1-3", 3, PAYEES[2][0], 52_250_00, 1)]
    return build.StatementFacts(
        id=1, filename="工行回单20260310.csv", sha256="d6" * 32, encoding="gb18030", lines=5, imported_by="陈制单",
        imported_at=NOW, counts_at_import={"matched": 1, "returned": 1, "amount_mismatch": 1, "unknown_reference": 1,
                                           "missing": 1, "duplicate": 0},
        totals=[build.OutcomeTotal(k, c, a) for k, (c, a) in totals.items()]
        + [build.OutcomeTotal("missing", 1, 52_250_00)], missing=missing, generated_at=NOW)


# --- the publicity list and the product table ------------------------------------------------------------

def publicity_lines(n: int):
    for i in range(1, n + 1):
        yield build.PublicityLine(i, f"佛山市南海区第{i}号陶瓷有限公司", PROVIDER.name, SCHEMES[1], "voucher", 52_250_00,
                                  D(2026, 3, 2), D(2026, 3, 6))


def publicity(n: int) -> build.PublicityFacts:
    return build.PublicityFacts(today=D(2026, 3, 4), scheme=SCHEMES[1], count=n, total=52_250_00 * n,
                                generated_at=NOW)


def products():
    return [build.ProductLine("工业级5G CPE网关", PROVIDER.name, "陶瓷窑炉数据采集", ("数据采集", "边缘网关"), "能耗降低5%",
                              "每台补贴300.00元", "工业级CPE网关节点", "台", 1_000_00, D(2026, 1, 1), D(2027, 12, 31)),
            build.ProductLine("边缘计算MEC服务器", "中国移动通信集团广东有限公司", "园区5G专网边缘计算", ("算力", "分流"),
                              "时延低于20毫秒", "按合同金额30%补贴，每项最高40000.00元", "边缘计算MEC服务器", "台",
                              150_000_00, D(2026, 1, 1), D(2027, 12, 31))]


def annex5() -> build.Annex5Facts:
    return build.Annex5Facts(scope="佛山南海建筑陶瓷产业集群数字化转型试点（牵头单位及联合体成员）", count=2, generated_at=NOW)


# --- reading PDFs back ----------------------------------------------------------------------------------

def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squeezed(text: str) -> str:
    """Text without the line breaks and spaces that wrapping and extraction put in."""
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    return squeezed("".join(pdf_pages(data)))


def fonts_of(data: bytes) -> dict[str, object]:
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for _, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts

"""HTTP endpoints of loans (融资上云: instalment and order financing) and their interest rewards.
No business logic here."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, reader, roles, transact
from adapters.paging import decode_cursor, page
from claims.api import claim_view, current_actor
from claims.schemas import ClaimOut
from financing import export, loans, rewards
from financing.schemas import (
    BuyBackIn,
    BuyBackOut,
    LoanIn,
    LoanListArgs,
    LoanOut,
    LoanPage,
    RepaymentIn,
    RepaymentOut,
    RewardIn,
    ScheduleOut,
)
from kernel import clock
from kernel.money import format_fen

blp = Blueprint("financing", __name__, description="Loans: device instalment financing (联网设备分期融资), voucher "
                                                   "order financing (服务券订单融资) and interest rewards")


def _request(data: dict) -> loans.LoanRequest:
    return loans.LoanRequest(**data)


def _read(s, loan_id: int) -> loans.LoanState:
    """The loan for a party to it (or staff), as it is today."""
    loan = loans.get(s, loan_id)
    loans.check_reader(loan, current_actor())
    return loans.state(s, loan, today=clock.today())


@blp.route("/loans")
class Loans(MethodView):
    @roles("financier")
    @blp.arguments(LoanIn)
    @blp.response(201, LoanOut)
    def post(self, data):
        """Register a loan; the answer carries the schedule booked (the one the preview showed)."""
        actor, request = current_actor(), _request(data)
        loan = transact(lambda u: loans.register(u, actor=actor, request=request))
        with reader() as s:
            return loans.summary(loans.state(s, loans.get(s, loan.id), today=clock.today()), with_schedule=True)

    @authenticated
    @blp.arguments(LoanListArgs, location="query")
    @blp.response(200, LoanPage)
    def get(self, args):
        """A financier's loans, an enterprise's, those a guarantor guarantees; staff see all."""
        actor = current_actor()
        with reader() as s:
            rows = loans.list_page(s, actor=actor, today=clock.today(), after=decode_cursor(args["cursor"]),
                                   limit=args["limit"] + 1, kind=args["kind"], status=args["status"],
                                   enterprise_id=args["enterprise_id"], financier_id=args["financier_id"],
                                   guarantor_id=args["guarantor_id"])
            return page(rows, args["limit"], loans.summary, key=lambda st: st.loan.id)


@blp.route("/loans/preview")
class LoanPreview(MethodView):
    @roles("financier")
    @blp.arguments(LoanIn)
    @blp.response(200, LoanOut)
    def post(self, data):
        """The schedule ``POST /loans`` would book for the same body, with every check it makes;
        nothing is stored."""
        actor, today = current_actor(), clock.today()
        with reader() as s:
            return loans.preview_view(loans.prepare(s, actor=actor, request=_request(data), today=today), today)


@blp.route("/loans/<int:loan_id>")
class LoanById(MethodView):
    @authenticated
    @blp.response(200, LoanOut)
    def get(self, loan_id):
        """The loan at a glance today: status, due, overdue, paid, repayments."""
        with reader() as s:
            st = _read(s, loan_id)
            return loans.summary(st)


@blp.route("/loans/<int:loan_id>/schedule")
class LoanSchedule(MethodView):
    @authenticated
    @blp.response(200, ScheduleOut)
    def get(self, loan_id):
        """The schedule as it stands after the repayments (re-amortised after a prepayment)."""
        with reader() as s:
            st = _read(s, loan_id)
            return loans.schedule_view(st.schedule, st.today)


@blp.route("/loans/<int:loan_id>/schedule.xlsx")
class LoanScheduleXlsx(MethodView):
    @authenticated
    def get(self, loan_id):
        """The schedule as a spreadsheet (money cells numeric, ``#,##0.00``)."""
        with reader() as s:
            st = _read(s, loan_id)
            loan = st.loan
            facts = [("贷款编号 loan", str(loan.id)), ("类型 kind", loan.kind), ("状态 status", st.status),
                     ("本金 principal", format_fen(loan.principal)), ("年利率 annual_rate", loan.annual_rate),
                     ("期限 term_months", str(loan.term_months)), ("还款方式 method", loan.method),
                     ("截至 as_of", st.today.isoformat())]
            body = export.schedule_xlsx(f"还款计划 repayment schedule: loan {loan.id}", facts,
                                        loans.schedule_rows(st.schedule, st.today))
        return Response(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="loan-{loan_id}-schedule.xlsx"'})


@blp.route("/loans/<int:loan_id>/repayments")
class LoanRepayments(MethodView):
    @roles("financier")
    @blp.arguments(RepaymentIn)
    @blp.response(201, RepaymentOut)
    def post(self, data, loan_id):
        """Record a repayment: oldest due instalment first, interest first; an overpayment prepays
        principal and the later instalments are recomputed over the same term."""
        actor = current_actor()
        row, result, loan = transact(lambda u: loans.repay(u, actor=actor, loan_id=loan_id, paid_on=data["paid_on"],
                                                           amount=data["amount"]))
        with reader() as s:
            st = loans.state(s, loans.get(s, loan_id), today=clock.today())
        return {**loans.repayment_view(row, result), "status": st.status,
                "outstanding_principal": loans.summary(st)["outstanding_principal"]}


@blp.route("/loans/<int:loan_id>/buy-back")
class LoanBuyBack(MethodView):
    @roles("guarantor")
    @blp.arguments(BuyBackIn)
    @blp.response(200, BuyBackOut)
    def post(self, data, loan_id):
        """The named guarantor buys back a loan in default; the loan closes ``bought_back``."""
        actor, paid_on = current_actor(), data["paid_on"] or clock.today()
        loan, row, result = transact(lambda u: loans.buy_back(u, actor=actor, loan_id=loan_id, paid_on=paid_on))
        return loans.buy_back_view(loan, row, list(result.interest_periods))


@blp.route("/loans/<int:loan_id>/rewards")
class LoanRewards(MethodView):
    @roles("enterprise")
    @blp.arguments(RewardIn)
    @blp.response(201, ClaimOut)
    def post(self, data, loan_id):
        """Claim the interest reward for a range of periods: a claim under review, from the
        financing scheme's budget (approve it with ``POST /claims/{id}/approve``)."""
        actor = current_actor()
        return claim_view(transact(lambda u: rewards.claim_reward(
            u, actor=actor, loan_id=loan_id, scheme_id=data["scheme_id"], period_from=data["period_from"],
            period_to=data["period_to"])))


"""HTTP endpoints of contracts, cloud vouchers and their redemption claims. No business logic here."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import (
    STAFF_ROLES,
    authenticated,
    current_principal,
    reader,
    require_org,
    roles,
    transact,
    uow,
)
from adapters.paging import decode_cursor, page
from claims.api import claim_view, current_actor
from claims.schemas import ClaimOut, ReasonIn
from kernel import clock
from vouchers import applications, contracts, redemption
from vouchers.schemas import (
    ClaimIn,
    ContractIn,
    ContractListArgs,
    ContractOut,
    ContractPage,
    DryRunIn,
    DryRunOut,
    VoucherIn,
    VoucherListArgs,
    VoucherOut,
    VoucherPage,
)

blp = Blueprint("vouchers", __name__, description="Contracts, cloud vouchers (上云上平台服务券) and their redemption")


@blp.route("/schemes/<int:scheme_id>/dry-run")
class SchemeDryRun(MethodView):
    @roles("enterprise", *sorted(STAFF_ROLES))
    @blp.arguments(DryRunIn)
    @blp.response(200, DryRunOut)
    def post(self, data, scheme_id):
        """What the contract would get under this scheme now (face value, breakdown, whether it would be
        reserved or waitlisted); reserves nothing. An enterprise previews its own contracts only."""
        p = current_principal()
        with reader() as s:
            if not p.is_staff:
                contracts.check_enterprise(contracts.get(s, data["contract_id"]), org_id=p.org_id)
            return applications.quote(s, scheme_id=scheme_id, contract_id=data["contract_id"])


def _contract_view(session, contract) -> dict:
    return {"id": contract.id, "provider_id": contract.provider_id, "enterprise_id": contract.enterprise_id,
            "signed_on": contract.signed_on, "amount": contract.amount,
            "lines": contracts.lines_of(session, contract.id)}


@blp.route("/contracts")
class Contracts(MethodView):
    @roles("provider")
    @blp.arguments(ContractIn)
    @blp.response(201, ContractOut)
    def post(self, data):
        """Record a contract.

        The provider records a signed contract; each line pins the approved product version valid on the signing
        date."""
        p = current_principal()
        with uow() as u:
            contract, _ = contracts.record(u, actor_id=p.user_id, provider_id=require_org(p),
                                           enterprise_id=data["enterprise_id"], signed_on=data["signed_on"],
                                           lines=data["lines"], separate=data["separate"])
        with reader() as s:
            return _contract_view(s, contract)

    @authenticated
    @blp.arguments(ContractListArgs, location="query")
    @blp.response(200, ContractPage)
    def get(self, args):
        """Contracts the caller may read: a provider its own, an enterprise those signed with it, staff
        all; ``?enterprise_id=&provider_id=&signed_from=&signed_to=``."""
        p = current_principal()
        with reader() as s:
            rows = contracts.list_page(s, actor=p, after=decode_cursor(args["cursor"]), limit=args["limit"] + 1,
                                       enterprise_id=args["enterprise_id"], provider_id=args["provider_id"],
                                       signed_from=args["signed_from"], signed_to=args["signed_to"])
            return page(rows, args["limit"], lambda c: _contract_view(s, c))


@blp.route("/contracts/<int:contract_id>")
class ContractById(MethodView):
    @authenticated
    @blp.response(200, ContractOut)
    def get(self, contract_id):
        """One contract with its lines.

        For its provider, its enterprise and staff."""
        p = current_principal()
        with reader() as s:
            contract = contracts.get(s, contract_id)
            contracts.check_party(contract, org_id=p.org_id, is_staff=p.is_staff)
            return _contract_view(s, contract)


@blp.route("/vouchers")
class Vouchers(MethodView):
    @roles("enterprise")
    @blp.arguments(VoucherIn)
    @blp.response(201, VoucherOut)
    def post(self, data):
        """Apply for a cloud voucher.

        The enterprise applies on its contract: eligibility and windows are checked, the face value is computed
        and reserved, or the voucher is waitlisted when money is short."""
        actor = current_actor()
        return transact(lambda u: applications.apply(u, actor=actor, scheme_id=data["scheme_id"],
                                                      contract_id=data["contract_id"]))

    @authenticated
    @blp.arguments(VoucherListArgs, location="query")
    @blp.response(200, VoucherPage)
    def get(self, args):
        """List vouchers.

        An enterprise sees its own, staff all (city-scoped schemes: their city's); filter by scheme and status."""
        actor, today = current_actor(), clock.today()
        with reader() as s:
            rows = applications.list_page(s, actor=actor, scheme_id=args["scheme_id"], status=args["status"],
                                          today=today, after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
            statuses = applications.effective_statuses(s, rows, today)
            return page(rows, args["limit"], lambda v: _voucher_view(v, statuses[v.id]))


def _voucher_view(voucher, status: str) -> dict:
    """The voucher as read today (``applications.effective_status``)."""
    return {**{c.name: getattr(voucher, c.name) for c in voucher.__table__.columns}, "status": status}


@blp.route("/vouchers/<int:voucher_id>")
class VoucherById(MethodView):
    @authenticated
    @blp.response(200, VoucherOut)
    def get(self, voucher_id):
        """One voucher with its breakdown.

        Face value, the limits that applied, the settings version and the status today."""
        actor = current_actor()
        with reader() as s:
            voucher = applications.get_for_reader(s, voucher_id, actor)
            return _voucher_view(voucher, applications.effective_status(s, voucher, clock.today()))


@blp.route("/vouchers/<int:voucher_id>/approve")
class VoucherApprove(MethodView):
    @roles("reviewer")
    @blp.response(200, VoucherOut)
    def post(self, voucher_id):
        """Approve a voucher application.

        A reviewer other than the applicant issues the reserved voucher."""
        actor = current_actor()
        return transact(lambda u: applications.approve(u, actor=actor, voucher_id=voucher_id))


@blp.route("/vouchers/<int:voucher_id>/reject")
class VoucherReject(MethodView):
    @roles("reviewer")
    @blp.arguments(ReasonIn)
    @blp.response(200, VoucherOut)
    def post(self, data, voucher_id):
        """Reject a voucher application.

        Its reservation goes back to the budget and promotes the waitlist."""
        actor = current_actor()
        return transact(lambda u: applications.reject(u, actor=actor, voucher_id=voucher_id, reason=data["reason"]))


@blp.route("/vouchers/<int:voucher_id>/claims")
class VoucherClaims(MethodView):
    @roles("enterprise")
    @blp.arguments(ClaimIn)
    @blp.response(201, ClaimOut)
    def post(self, data, voucher_id):
        """Redeem the voucher (or correct its returned claim)."""
        actor = current_actor()
        return claim_view(transact(lambda u: redemption.submit(
            u, actor=actor, voucher_id=voucher_id, invoice_amount=data["invoice_amount"],
            paid_amount=data["paid_amount"], evidence_ids=data["evidence_ids"])))


@blp.route("/claims/<int:claim_id>/resubmit")
class ClaimResubmit(MethodView):
    @roles("enterprise")
    @blp.arguments(ClaimIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        """Correct a returned voucher claim and send it back to review."""
        actor = current_actor()
        return claim_view(transact(lambda u: redemption.resubmit(
            u, actor=actor, claim_id=claim_id, invoice_amount=data["invoice_amount"],
            paid_amount=data["paid_amount"], evidence_ids=data["evidence_ids"])))

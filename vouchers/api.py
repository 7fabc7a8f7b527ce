"""HTTP endpoints of schemes, clusters, contracts and cloud vouchers. No business logic here."""
from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_smorest import Blueprint

from kernel.paging import decode_cursor, page
from kernel.web import (
    STAFF_ROLES, authenticated, current_principal, public, reader, require_org, roles, staff, transact, uow,
)
from vouchers import applications, budget, clusters, contracts, schemes
from vouchers.schemas import (
    BudgetOut, ClusterIn, ClusterOut, ContractIn, ContractOut, DryRunIn, MemberIn, MemberOut, ReasonIn,
    SchemeIn, SchemeListArgs, SchemeOut, SchemePage, VoucherIn, VoucherListArgs, VoucherOut, VoucherPage,
)

blp = Blueprint("vouchers", __name__, description="Schemes, budgets, clusters, contracts and cloud vouchers")


def current_actor() -> applications.Actor:
    """The caller as the vouchers services see it."""
    p = current_principal()
    return applications.Actor(user_id=p.user_id, org_id=p.org_id, org_city=p.org_city, is_staff=p.is_staff)


def _scheme_view(session, scheme) -> dict:
    return {**{k: getattr(scheme, k) for k in ("id", "kind", "name", "year", "apply_from", "apply_to", "redeem_from",
                                                "redeem_to", "settings_version")},
            "settings": schemes.settings_of(session, scheme).to_dict(),
            "budget": BudgetOut().dump(asdict(budget.read(session, scheme.id)))}


@blp.route("/schemes")
class Schemes(MethodView):
    @roles("admin")
    @blp.arguments(SchemeIn)
    @blp.response(201, SchemeOut)
    def post(self, data):
        actor = current_principal().user_id
        scheme = transact(lambda u: schemes.create(
            u, actor_id=actor, kind=data["kind"], name=data["name"], year=data["year"], budget_fen=data["budget"],
            apply_from=data["apply_from"], apply_to=data["apply_to"], redeem_from=data["redeem_from"],
            redeem_to=data["redeem_to"], settings=data["settings"]))
        with reader() as s:
            return _scheme_view(s, scheme)

    @authenticated
    @blp.arguments(SchemeListArgs, location="query")
    @blp.response(200, SchemePage)
    def get(self, args):
        with reader() as s:
            rows = schemes.list_page(s, kind=args["kind"], year=args["year"], after=decode_cursor(args["cursor"]),
                                     limit=args["limit"] + 1)
            return page(rows, args["limit"], lambda r: _scheme_view(s, r))


@blp.route("/schemes/<int:scheme_id>")
class SchemeById(MethodView):
    @authenticated
    @blp.response(200, SchemeOut)
    def get(self, scheme_id):
        with reader() as s:
            return _scheme_view(s, schemes.get(s, scheme_id))


@blp.route("/schemes/<int:scheme_id>/settings")
class SchemeSettings(MethodView):
    @roles("admin")
    @blp.response(200, SchemeOut)
    def patch(self, scheme_id):
        from flask import request

        from kernel.errors import ValidationError
        changes = request.get_json(silent=False)
        if not isinstance(changes, dict):
            raise ValidationError("send a JSON object of settings to change")
        actor = current_principal().user_id
        transact(lambda u: applications.change_settings(u, actor_id=actor, scheme_id=scheme_id, changes=changes))
        with reader() as s:
            return _scheme_view(s, schemes.get(s, scheme_id))


@blp.route("/schemes/<int:scheme_id>/budget")
class SchemeBudget(MethodView):
    @staff
    @blp.response(200, BudgetOut)
    def get(self, scheme_id):
        with reader() as s:
            schemes.get(s, scheme_id)
            return asdict(budget.read(s, scheme_id))


@blp.route("/schemes/<int:scheme_id>/dry-run")
class SchemeDryRun(MethodView):
    @roles("admin", "reviewer")
    @blp.arguments(DryRunIn)
    def post(self, data, scheme_id):
        with reader() as s:
            return applications.quote(s, scheme_id=scheme_id, contract_id=data["contract_id"])


@blp.route("/clusters")
class Clusters(MethodView):
    @roles("admin")
    @blp.arguments(ClusterIn)
    @blp.response(201, ClusterOut)
    def post(self, data):
        return transact(lambda u: clusters.create(u, **data))


@blp.route("/clusters/<int:cluster_id>/members")
class ClusterMembers(MethodView):
    @roles("admin")
    @blp.arguments(MemberIn)
    @blp.response(201, MemberOut)
    def post(self, data, cluster_id):
        with uow() as u:
            return clusters.add_member(u, cluster_id=cluster_id, **data)


@blp.route("/clusters/<int:cluster_id>/products/export")
class ClusterCatalogue(MethodView):
    @public
    def get(self, cluster_id):
        """The Annex 5 product table of a cluster pilot: the approved products of its lead and partners."""
        from flask import Response, request

        from catalog import export
        fmt = request.args.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            from kernel.errors import ValidationError
            raise ValidationError("format must be csv or xlsx", field="format")
        with reader() as s:
            rows = export.annex5_rows(s, provider_ids=clusters.alliance_providers(s, cluster_id))
        body, mime = export.render(rows, fmt)
        return Response(body, content_type=mime, headers={
            "Content-Disposition": f'attachment; filename="cluster-{cluster_id}-annex5.{fmt}"'})


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
        p = current_principal()
        with uow() as u:
            contract, _ = contracts.record(u, actor_id=p.user_id, provider_id=require_org(p),
                                           enterprise_id=data["enterprise_id"], signed_on=data["signed_on"],
                                           lines=data["lines"])
        with reader() as s:
            return _contract_view(s, contract)


@blp.route("/contracts/<int:contract_id>")
class ContractById(MethodView):
    @authenticated
    @blp.response(200, ContractOut)
    def get(self, contract_id):
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
        actor = current_actor()
        return transact(lambda u: applications.apply(u, actor=actor, scheme_id=data["scheme_id"],
                                                      contract_id=data["contract_id"]))

    @authenticated
    @blp.arguments(VoucherListArgs, location="query")
    @blp.response(200, VoucherPage)
    def get(self, args):
        actor = current_actor()
        with reader() as s:
            rows = applications.list_page(s, actor=actor, scheme_id=args["scheme_id"], status=args["status"],
                                          after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
            return page(rows, args["limit"])


@blp.route("/vouchers/<int:voucher_id>")
class VoucherById(MethodView):
    @authenticated
    @blp.response(200, VoucherOut)
    def get(self, voucher_id):
        actor = current_actor()
        with reader() as s:
            applications.check_reader(applications.get(s, voucher_id), actor)
        transact(lambda u: applications.expire_if_due(u, voucher_id))
        with reader() as s:
            return applications.get(s, voucher_id)


@blp.route("/vouchers/<int:voucher_id>/approve")
class VoucherApprove(MethodView):
    @roles("reviewer")
    @blp.response(200, VoucherOut)
    def post(self, voucher_id):
        actor = current_actor()
        return transact(lambda u: applications.approve(u, actor=actor, voucher_id=voucher_id))


@blp.route("/vouchers/<int:voucher_id>/reject")
class VoucherReject(MethodView):
    @roles("reviewer")
    @blp.arguments(ReasonIn)
    @blp.response(200, VoucherOut)
    def post(self, data, voucher_id):
        actor = current_actor()
        return transact(lambda u: applications.reject(u, actor=actor, voucher_id=voucher_id, reason=data["reason"]))


__all__ = ["blp", "STAFF_ROLES"]

"""HTTP endpoints of schemes, their settings and budgets. No business logic here."""
from __future__ import annotations

from dataclasses import asdict

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, current_principal, reader, roles, staff, transact
from adapters.paging import decode_cursor, page
from kernel.errors import ValidationError
from schemes import budget
from schemes import service as schemes
from schemes.schemas import BudgetOut, SchemeIn, SchemeListArgs, SchemeOut, SchemePage

blp = Blueprint("schemes", __name__, description="Schemes, their versioned settings and budgets")


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
        """Open a scheme (资金计划).

        An admin opens a cloud, financing or talent scheme with its budget, windows and settings (POLICY.md §5);
        the answer holds every effective setting."""
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
        """List schemes.

        Any signed-in user; filter by kind and year."""
        with reader() as s:
            rows = schemes.list_page(s, kind=args["kind"], year=args["year"], after=decode_cursor(args["cursor"]),
                                     limit=args["limit"] + 1)
            return page(rows, args["limit"], lambda r: _scheme_view(s, r))


@blp.route("/schemes/<int:scheme_id>")
class SchemeById(MethodView):
    @authenticated
    @blp.response(200, SchemeOut)
    def get(self, scheme_id):
        """One scheme with its effective settings.

        The settings version in force and every value."""
        with reader() as s:
            return _scheme_view(s, schemes.get(s, scheme_id))


@blp.route("/schemes/<int:scheme_id>/settings")
class SchemeSettings(MethodView):
    @roles("admin")
    @blp.response(200, SchemeOut)
    def patch(self, scheme_id):
        """Change a scheme's settings.

        Makes a new settings version; vouchers and claims name the version they were computed with."""
        changes = request.get_json(silent=False)
        if not isinstance(changes, dict):
            raise ValidationError("send a JSON object of settings to change")
        actor = current_principal().user_id
        transact(lambda u: schemes.change_settings(u, actor_id=actor, scheme_id=scheme_id, changes=changes))
        with reader() as s:
            return _scheme_view(s, schemes.get(s, scheme_id))


@blp.route("/schemes/<int:scheme_id>/budget")
class SchemeBudget(MethodView):
    @staff
    @blp.response(200, BudgetOut)
    def get(self, scheme_id):
        """A scheme's budget.

        `total`, `available`, `reserved`, `payable`, `in_transit` and `disbursed`, read from the ledger; `total`
        is always the sum of the others."""
        with reader() as s:
            schemes.get(s, scheme_id)
            return asdict(budget.read(s, scheme_id))

"""HTTP endpoints of organisations. No business logic here."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, current_principal, reader, roles, transact, uow
from adapters.paging import decode_cursor, page
from kernel.errors import Forbidden
from parties import service
from parties.schemas import BankAccountChanges, BankAccountIn, OrgIn, OrgListArgs, OrgOut, OrgPage

blp = Blueprint("parties", __name__, description="Organisations")


@blp.route("/orgs")
class Orgs(MethodView):
    @roles("admin")
    @blp.arguments(OrgIn)
    @blp.response(201, OrgOut)
    def post(self, data):
        """Register an organisation.

        Enterprises, providers, financiers, guarantors and authorities; the 统一社会信用代码 is checked and unique, the
        city one of Guangdong's 21."""
        with uow() as u:
            return service.register(u, **data)

    @roles("admin", "reviewer", "finance_maker", "finance_checker", "auditor")
    @blp.arguments(OrgListArgs, location="query")
    @blp.response(200, OrgPage)
    def get(self, args):
        """List organisations.

        Staff only; filter by `kind`, page with `limit` and `cursor`."""
        with reader() as s:
            rows = service.list_page(s, kind=args["kind"], after=decode_cursor(args["cursor"]),
                                     limit=args["limit"] + 1)
            return page(rows, args["limit"])


@blp.route("/orgs/<int:org_id>/bank-account")
class OrgBankAccount(MethodView):
    @roles("admin")
    @blp.arguments(BankAccountIn)
    @blp.response(200, OrgOut)
    def patch(self, data, org_id):
        """Correct where the organisation is paid (audited: who, when, old and new, why)."""
        actor = current_principal().user_id
        return transact(lambda u: service.change_bank_account(u, actor_id=actor, org_id=org_id, **data))


@blp.route("/orgs/<int:org_id>/bank-account/changes")
class OrgBankAccountChanges(MethodView):
    @roles("admin", "auditor")
    @blp.response(200, BankAccountChanges)
    def get(self, org_id):
        """Every change of the organisation's bank details, oldest first."""
        with reader() as s:
            return {"items": service.bank_account_changes(s, org_id)}


@blp.route("/orgs/<int:org_id>")
class OrgById(MethodView):
    @authenticated
    @blp.response(200, OrgOut)
    def get(self, org_id):
        """One organisation.

        Staff read any organisation; a user reads only their own."""
        p = current_principal()
        if not p.is_staff and p.org_id != org_id:
            raise Forbidden("you may read only your own organisation")
        with reader() as s:
            return service.get(s, org_id)

"""Ledger endpoints for auditors and admins: verify, trial balance, period close."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import current_principal, ledger_anchors, roles, snapshot, transact
from adapters.fields import Money, Stamp
from ledger import naming, service

blp = Blueprint("ledger", __name__, description="The auditable ledger")


class VerifyOut(ma.Schema):
    ok = ma.fields.Boolean()
    journals = ma.fields.Integer()
    head_hash = ma.fields.String()
    first_bad_journal = ma.fields.Integer(allow_none=True)
    problem = ma.fields.String(allow_none=True)
    bad_accounts = ma.fields.List(ma.fields.String())
    bad_reservations = ma.fields.List(ma.fields.Integer())
    anchors_checked = ma.fields.Integer(metadata={"description": "anchored heads found still in the chain"})
    checked_at = Stamp()


class TrialArgs(ma.Schema):
    as_of = ma.fields.Date(load_default=None)
    prefix = ma.fields.String(load_default=None)


class TrialRow(ma.Schema):
    account = ma.fields.String()
    name = ma.fields.String(metadata={"description": "the account's ledger name", "example": "scheme 1 available"})
    name_zh = ma.fields.String(metadata={"description": "the account's Chinese name",
                                         "example": "梅州 2026 上云券 可用额度"})
    debit = Money()
    credit = Money()


class ClosedPeriodOut(ma.Schema):
    month = ma.fields.String()
    head_hash = ma.fields.String(metadata={"description": "the chain head the month closed on"})


class TrialOut(ma.Schema):
    as_of = ma.fields.Date(allow_none=True)
    rows = ma.fields.List(ma.fields.Nested(TrialRow))
    total_debit = Money()
    total_credit = Money()
    balanced = ma.fields.Boolean()
    head_hash = ma.fields.String(metadata={"description": "the ledger's chain head now"})
    closed_period = ma.fields.Nested(ClosedPeriodOut, allow_none=True,
                                     metadata={"description": "the latest closed month that ended by as_of"})


class PeriodOut(ma.Schema):
    month = ma.fields.String()
    status = ma.fields.String()


@blp.route("/ledger/verify")
class Verify(MethodView):
    @roles("auditor", "admin")
    @blp.response(200, VerifyOut)
    def get(self):
        """Verify the ledger.

        Walks the hash chain from one snapshot, recomputes every entry and balance, checks the anchors, and
        names the first journal, account or reservation that does not match; `checked_at` says when."""
        anchors = ledger_anchors()
        with snapshot() as s:
            return service.verify(s, anchors=anchors)


@blp.route("/ledger/trial-balance")
class Trial(MethodView):
    @roles("auditor", "admin", "finance_maker", "finance_checker")
    @blp.arguments(TrialArgs, location="query")
    @blp.response(200, TrialOut)
    def get(self, args):
        """The trial balance.

        Every account's balance (today, or `as_of` a day), with its Chinese name (`name_zh`), the totals, the
        chain head and the latest closed period."""
        with snapshot() as s:
            tb = service.trial_balance(s, as_of=args["as_of"], prefix=args["prefix"])
            zh = naming.chinese_names(s, [code for code, *_ in tb.rows])
        return {"as_of": tb.as_of, "total_debit": tb.total_debit, "total_credit": tb.total_credit,
                "balanced": tb.balanced, "head_hash": tb.head_hash, "closed_period": tb.closed_period,
                "rows": [{"account": c, "name": n, "name_zh": zh.get(c, n), "debit": max(b, 0), "credit": max(-b, 0)}
                         for c, n, b in tb.rows]}


@blp.route("/ledger/periods/<string:month>/close")
class ClosePeriod(MethodView):
    @roles("admin")
    @blp.response(200, PeriodOut)
    def post(self, month):
        """Close a month.

        No journal may be dated in a closed month afterwards; the close records the chain head it closed on."""
        user = current_principal().username
        transact(lambda u: service.close_period(u, month=month, closed_by=user))
        return {"month": month, "status": "closed"}

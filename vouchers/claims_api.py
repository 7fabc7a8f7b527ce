"""HTTP endpoints of evidence, claims and the publicity list. No business logic here."""
from __future__ import annotations

from flask import current_app, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from kernel import clock
from kernel.paging import decode_cursor, page
from kernel.web import authenticated, current_principal, public, reader, require_org, roles, transact
from vouchers import claims, evidence, rules
from vouchers.api import current_actor
from vouchers.claims_schemas import (
    ClaimIn, ClaimListArgs, ClaimOut, ClaimPage, EvidenceFile, EvidenceForm, EvidenceOut, PublicityArgs,
    PublicityPage, ReasonIn,
)

blp = Blueprint("claims", __name__, description="Evidence, claims (兑付) and the publicity list (公示名单)")


def _policy() -> claims.PublicityPolicy:
    cfg = current_app.config
    return claims.PublicityPolicy(days_override=cfg.get("PUBLICITY_DAYS_OVERRIDE"),
                                  holidays=rules.holiday_list(cfg.get("HOLIDAYS") or ""))


@blp.route("/evidence")
class EvidenceUpload(MethodView):
    @roles("enterprise")
    @blp.arguments(EvidenceForm, location="form")
    @blp.arguments(EvidenceFile, location="files")
    @blp.response(201, EvidenceOut)
    def post(self, form, files):
        """Upload one evidence file (multipart: ``kind``, ``file``)."""
        p = current_principal()
        uploader = evidence.Uploader(user_id=p.user_id, org_id=require_org(p))
        upload = files["file"]
        return transact(lambda u: evidence.store(
            u, uploader=uploader, kind=form["kind"], filename=upload.filename, stream=upload.stream,
            directory=current_app.config["EVIDENCE_DIR"], max_bytes=current_app.config["MAX_EVIDENCE_BYTES"]),
            retries=0)


@blp.route("/evidence/<int:evidence_id>")
class EvidenceDownload(MethodView):
    @authenticated
    def get(self, evidence_id):
        """The file itself, for its organisation and staff only."""
        p = current_principal()
        with reader() as s:
            row = evidence.get(s, evidence_id)
        evidence.check_reader(row, org_id=p.org_id, is_staff=p.is_staff)
        path = evidence.open_file(row, current_app.config["EVIDENCE_DIR"])
        resp = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename,
                         etag=row.sha256, max_age=0)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp


@blp.route("/vouchers/<int:voucher_id>/claims")
class VoucherClaims(MethodView):
    @roles("enterprise")
    @blp.arguments(ClaimIn)
    @blp.response(201, ClaimOut)
    def post(self, data, voucher_id):
        """Redeem the voucher (or correct its returned claim)."""
        actor = current_actor()
        return transact(lambda u: claims.submit(u, actor=actor, voucher_id=voucher_id,
                                                invoice_amount=data["invoice_amount"],
                                                paid_amount=data["paid_amount"], evidence_ids=data["evidence_ids"]))


def _settle_due(claim_id: int | None = None) -> None:
    """Publicity that has ended is ended in the database before anyone reads the claim."""
    with reader() as s:
        due = claims.publicity_due(s, today=clock.today(), claim_id=claim_id)
    if due:
        transact(lambda u: claims.settle_publicity(u, claim_id=claim_id))


@blp.route("/claims")
class Claims(MethodView):
    @authenticated
    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, ClaimPage)
    def get(self, args):
        actor = current_actor()
        _settle_due()
        with reader() as s:
            rows = claims.list_page(s, actor=actor, scheme_id=args["scheme_id"], status=args["status"],
                                    after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
            return page(rows, args["limit"], lambda r: r)


@blp.route("/claims/<int:claim_id>")
class ClaimById(MethodView):
    @authenticated
    @blp.response(200, ClaimOut)
    def get(self, claim_id):
        actor = current_actor()
        with reader() as s:
            claims.check_reader(claims.get(s, claim_id), actor)
        _settle_due(claim_id)
        with reader() as s:
            return claims.get(s, claim_id)


@blp.route("/claims/<int:claim_id>/resubmit")
class ClaimResubmit(MethodView):
    @roles("enterprise")
    @blp.arguments(ClaimIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        """Correct a returned claim and send it back to review."""
        actor = current_actor()
        return transact(lambda u: claims.resubmit(u, actor=actor, claim_id=claim_id,
                                                  invoice_amount=data["invoice_amount"],
                                                  paid_amount=data["paid_amount"], evidence_ids=data["evidence_ids"]))


@blp.route("/claims/<int:claim_id>/approve")
class ClaimApprove(MethodView):
    @roles("reviewer")
    @blp.response(200, ClaimOut)
    def post(self, claim_id):
        actor, policy = current_actor(), _policy()
        return transact(lambda u: claims.approve(u, actor=actor, claim_id=claim_id, policy=policy))


@blp.route("/claims/<int:claim_id>/return")
class ClaimReturn(MethodView):
    @roles("reviewer")
    @blp.arguments(ReasonIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        actor = current_actor()
        return transact(lambda u: claims.return_for_rework(u, actor=actor, claim_id=claim_id, reason=data["reason"]))


@blp.route("/claims/<int:claim_id>/object")
class ClaimObject(MethodView):
    @roles("reviewer")
    @blp.arguments(ReasonIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        """Lodge an objection during publicity: the claim goes back to review."""
        actor = current_actor()
        return transact(lambda u: claims.object_to(u, actor=actor, claim_id=claim_id, reason=data["reason"]))


@blp.route("/publicity")
class Publicity(MethodView):
    @public
    @blp.arguments(PublicityArgs, location="query")
    @blp.response(200, PublicityPage)
    def get(self, args):
        """公示名单: claims in publicity now (no token needed)."""
        with reader() as s:
            rows = claims.publicity_page(s, today=clock.today(), scheme_id=args["scheme_id"],
                                         after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
        return page(rows, args["limit"], lambda r: r,
                    key=lambda r: r["id"])

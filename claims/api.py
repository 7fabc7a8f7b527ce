"""HTTP endpoints of evidence, claims of every kind, their review and the publicity list. No
business logic here. Opening a claim is each kind's own endpoint (a voucher's redemption:
``POST /vouchers/{id}/claims``)."""
from __future__ import annotations

from flask import current_app, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, current_principal, public, reader, require_org, roles, transact
from adapters.docs import file_response
from adapters.paging import decode_cursor, page
from claims import evidence, rules
from claims import service as claims
from claims.schemas import (
    ClaimListArgs,
    ClaimOut,
    ClaimPage,
    EvidenceFile,
    EvidenceForm,
    EvidenceOut,
    PublicityArgs,
    PublicityPage,
    ReasonIn,
)
from kernel import clock
from parties.actors import Actor

blp = Blueprint("claims", __name__, description="Evidence, claims (兑付) and the publicity list (公示名单)")


def current_actor() -> Actor:
    return Actor.of(current_principal())


def publicity_policy() -> claims.PublicityPolicy:
    cfg = current_app.config
    return claims.PublicityPolicy(days_override=cfg.get("PUBLICITY_DAYS_OVERRIDE"),
                                  holidays=rules.holiday_list(cfg.get("HOLIDAYS") or ""))


def claim_views(session, rows, *, as_of_today: bool = True) -> list[dict]:
    """Claims as the API shows them, with their kind's own fields. A read shows the status a claim
    has today (``as_of_today``); a write answers with the status its step gave the claim (an
    approval answers ``publicity`` even when publicity is over at once)."""
    today, extra = clock.today(), claims.details(session, rows)
    return [{**{c.name: getattr(row, c.name) for c in row.__table__.columns},
             "status": claims.effective_status(row, today) if as_of_today else row.status,
             "details": extra.get(row.id, {})} for row in rows]


def claim_view(claim) -> dict:
    """The response to a write: the claim as the step left it."""
    with reader() as s:
        return claim_views(s, [claim], as_of_today=False)[0]


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
    @blp.doc(**file_response("The file as uploaded", "application/pdf", "image/jpeg", "image/png"))
    def get(self, evidence_id):
        """The file itself, for its organisation and staff only."""
        actor = current_actor()
        with reader() as s:
            row = evidence.get(s, evidence_id)
            evidence.check_reader(row, org_id=actor.org_id, is_staff=actor.is_staff)
            if row.claim_id is not None:  # staff limited to a city read the files of claims they may read
                claims.check_reader(s, claims.get(s, row.claim_id), actor)
            elif actor.is_staff:
                claims.check_unclaimed_evidence(s, row, actor)
        path = evidence.open_file(row, current_app.config["EVIDENCE_DIR"])
        resp = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename,
                         etag=row.sha256, max_age=0)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "private, no-store"
        return resp


@blp.route("/claims")
class Claims(MethodView):
    @authenticated
    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, ClaimPage)
    def get(self, args):
        """List claims.

        An enterprise sees its own claims, staff all (reviewers and finance of a city-scoped scheme only their
        city's); filter by scheme and status."""
        actor = current_actor()
        with reader() as s:
            rows = claims.list_page(s, actor=actor, scheme_id=args["scheme_id"], status=args["status"],
                                    today=clock.today(), after=decode_cursor(args["cursor"]),
                                    limit=args["limit"] + 1)
            listed = page(rows, args["limit"])
            listed["items"] = claim_views(s, listed["items"])
            return listed


@blp.route("/claims/<int:claim_id>")
class ClaimById(MethodView):
    @authenticated
    @blp.response(200, ClaimOut)
    def get(self, claim_id):
        """One claim with its breakdown.

        The claim's organisation and staff read it: status, amounts, evidence, breakdown and the publicity
        dates."""
        actor = current_actor()
        with reader() as s:
            claim = claims.get(s, claim_id)
            claims.check_reader(s, claim, actor)
            return claim_views(s, [claim])[0]


@blp.route("/claims/<int:claim_id>/approve")
class ClaimApprove(MethodView):
    @roles("reviewer")
    @blp.response(200, ClaimOut)
    def post(self, claim_id):
        """Approve a submitted claim.

        A reviewer other than the submitter approves: the final amount moves to payable, the rest of the
        voucher's reservation goes back to the budget, and the claim enters publicity (公示)."""
        actor, policy = current_actor(), publicity_policy()
        return claim_view(transact(lambda u: claims.approve(u, actor=actor, claim_id=claim_id, policy=policy)))


@blp.route("/claims/<int:claim_id>/return")
class ClaimReturn(MethodView):
    @roles("reviewer")
    @blp.arguments(ReasonIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        """Return a claim for rework.

        The enterprise corrects and resubmits it before the redemption window closes, or it lapses and its money
        goes back to the budget."""
        actor = current_actor()
        return claim_view(transact(lambda u: claims.return_for_rework(u, actor=actor, claim_id=claim_id,
                                                                      reason=data["reason"])))


@blp.route("/claims/<int:claim_id>/object")
class ClaimObject(MethodView):
    @roles("reviewer")
    @blp.arguments(ReasonIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        """Lodge an objection during publicity: the claim goes back to review."""
        actor = current_actor()
        return claim_view(transact(lambda u: claims.object_to(u, actor=actor, claim_id=claim_id,
                                                              reason=data["reason"])))


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
        return page(rows, args["limit"], key=lambda r: r["id"])

"""HTTP endpoints of training programmes, trainees and talent claims. No business logic here."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, reader, roles, transact
from adapters.paging import decode_cursor, page
from claims.api import claim_view, current_actor
from claims.schemas import ClaimOut
from talent import claiming, idkey
from talent import service as talent
from talent.schemas import (
    CompletionIn,
    TalentClaimIn,
    TalentResubmitIn,
    TraineeArgs,
    TraineeIn,
    TraineeListArgs,
    TraineeOut,
    TraineePage,
    TrainingIn,
    TrainingListArgs,
    TrainingOut,
    TrainingPage,
)

blp = Blueprint("talent", __name__, description="Talent vouchers (人才上云服务券): programmes, trainees, claims")


def _trainee(trainee_id: int, scheme_id: int | None = None) -> dict:
    with reader() as s:
        return talent.trainee_views(s, [talent.get_trainee(s, trainee_id)], scheme_id=scheme_id)[0]


@blp.route("/trainings")
class Trainings(MethodView):
    @roles("provider")
    @blp.arguments(TrainingIn)
    @blp.response(201, TrainingOut)
    def post(self, data):
        """A training programme (线上+线下实训) with its hour minimums and fee per trainee."""
        actor = current_actor()
        return talent.training_view(transact(lambda u: talent.create_training(u, actor=actor, **data)))

    @authenticated
    @blp.arguments(TrainingListArgs, location="query")
    @blp.response(200, TrainingPage)
    def get(self, args):
        """List training programmes.

        Any signed-in user; filter by `provider_id`."""
        with reader() as s:
            rows = talent.training_page(s, provider_id=args["provider_id"], after=decode_cursor(args["cursor"]),
                                        limit=args["limit"] + 1)
        return page(rows, args["limit"], talent.training_view)


@blp.route("/trainings/<int:training_id>")
class TrainingById(MethodView):
    @authenticated
    @blp.response(200, TrainingOut)
    def get(self, training_id):
        """One training programme.

        Its tracks, hour minimums and fee per trainee."""
        with reader() as s:
            return talent.training_view(talent.get_training(s, training_id))


@blp.route("/trainings/<int:training_id>/trainees")
class TrainingTrainees(MethodView):
    @roles("enterprise")
    @blp.arguments(TraineeIn)
    @blp.response(201, TraineeOut)
    def post(self, data, training_id):
        """Enrol an employee. The ID number is never returned or stored in full."""
        actor, key = current_actor(), idkey.key_from(current_app.config)
        trainee = transact(lambda u: talent.enrol(u, actor=actor, training_id=training_id, name=data["name"],
                                                  id_number=data["id_number"], key=key))
        return _trainee(trainee.id)

    @authenticated
    @blp.arguments(TraineeListArgs, location="query")
    @blp.response(200, TraineePage)
    def get(self, args, training_id):
        """The programme's trainees: all for its provider and staff, an enterprise's own for it."""
        actor = current_actor()
        with reader() as s:
            rows = talent.trainee_page(s, actor=actor, training_id=training_id, after=decode_cursor(args["cursor"]),
                                       limit=args["limit"] + 1)
            listed = page(rows, args["limit"])
            listed["items"] = talent.trainee_views(s, listed["items"], scheme_id=args["scheme_id"])
            return listed


@blp.route("/trainees/<int:trainee_id>")
class TraineeById(MethodView):
    @authenticated
    @blp.arguments(TraineeArgs, location="query")
    @blp.response(200, TraineeOut)
    def get(self, args, trainee_id):
        """One trainee.

        Whether the trainee qualifies, what is missing, and what a claim would pay under the newest talent
        scheme (or `?scheme_id=`)."""
        actor = current_actor()
        with reader() as s:
            trainee = talent.get_trainee(s, trainee_id)
            talent.check_trainee_reader(s, trainee, actor)
            return talent.trainee_views(s, [trainee], scheme_id=args["scheme_id"])[0]


@blp.route("/trainees/<int:trainee_id>/completion")
class TraineeCompletion(MethodView):
    @roles("provider")
    @blp.arguments(CompletionIn)
    @blp.response(200, TraineeOut)
    def post(self, data, trainee_id):
        """Record (or correct) hours, certificate level and fee paid; answers whether the trainee
        now qualifies."""
        actor = current_actor()
        transact(lambda u: talent.record_completion(u, actor=actor, trainee_id=trainee_id, **data))
        return _trainee(trainee_id)


@blp.route("/talent-claims")
class TalentClaims(MethodView):
    @roles("enterprise")
    @blp.arguments(TalentClaimIn)
    @blp.response(201, ClaimOut)
    def post(self, data):
        """Claim talent vouchers for qualified trainees: a claim of kind ``talent``, then the shared
        review (``/claims/{id}/approve``), publicity and payout."""
        actor = current_actor()
        return claim_view(transact(lambda u: claiming.submit(u, actor=actor, scheme_id=data["scheme_id"],
                                                             trainee_ids=data["trainee_ids"])))


@blp.route("/talent-claims/<int:claim_id>/resubmit")
class TalentClaimResubmit(MethodView):
    @roles("enterprise")
    @blp.arguments(TalentResubmitIn)
    @blp.response(200, ClaimOut)
    def post(self, data, claim_id):
        """Correct a returned talent claim: priced again on the trainees' completion as it stands."""
        actor = current_actor()
        return claim_view(transact(lambda u: claiming.resubmit(u, actor=actor, claim_id=claim_id,
                                                               trainee_ids=data["trainee_ids"])))

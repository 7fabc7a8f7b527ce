"""Training programmes, enrolment and completion, and how a trainee reads.

A provider runs a programme (``create_training``); an enterprise enrols its employees
(``enrol``: the resident ID number is validated, then kept only as an HMAC digest and a masked
form); the provider records each trainee's hours, certificate level and fee paid
(``record_completion``). Whether a trainee qualifies, and for how much, is decided by
``talent.rules`` against a talent scheme's settings: the claim's scheme when claiming
(``talent.claiming``), the newest talent scheme (or one named) when merely reading.
"""
from __future__ import annotations

import json
from decimal import Decimal

from sqlmodel import select

from adapters.tables import fetch
from claims.models import Claim
from kernel import clock
from kernel.errors import Forbidden, ValidationError
from kernel.money import format_fen, from_fen, to_fen
from parties import service as organisations
from parties.actors import Actor
from schemes import rules as scheme_rules
from schemes import service as schemes
from schemes.models import Scheme
from talent import rules
from talent.errors import DuplicateTrainee, TraineeClaimed, TraineeNotFound, TrainingNotFound, WrongSchemeKind
from talent.models import TalentClaimLine, Trainee, TraineeCompletion, Training

MAX_TRACKS, MAX_TRACK_CHARS = 10, 20
SPREADSHEET_FORMULA_STARTS = ("=", "+", "-", "@")


def _text(value, *, field: str, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    value = value.strip()
    if len(value) > max_chars:
        raise ValidationError(f"{field} has at most {max_chars} characters", field=field)
    if value[0] in SPREADSHEET_FORMULA_STARTS:
        raise ValidationError(f"{field} cannot start with = + - @ (it would run as a spreadsheet formula)",
                              field=field)
    return value


# --- programmes ------------------------------------------------------------------------------------

def create_training(uow, *, actor: Actor, title: str, tracks: list[str] | None, online_hours_min, offline_hours_min,
                    fee: int) -> Training:
    """A provider's programme. Give both minimums or neither (then the claiming scheme's defaults
    apply: 40 h online and 16 h offline unless the scheme says otherwise)."""
    s = uow.session
    provider = organisations.get(s, actor.org_id) if actor.org_id else None
    if provider is None or provider.kind != "provider":
        raise Forbidden("only a provider runs training programmes")
    title = _text(title, field="title", max_chars=200)
    tracks = list(dict.fromkeys(_text(t, field="tracks", max_chars=MAX_TRACK_CHARS) for t in (tracks or [])))
    if len(tracks) > MAX_TRACKS:
        raise ValidationError(f"at most {MAX_TRACKS} tracks", field="tracks")
    if (online_hours_min is None) != (offline_hours_min is None):
        raise ValidationError("give both online_hours_min and offline_hours_min, or neither (the scheme's defaults)",
                              field="offline_hours_min" if offline_hours_min is None else "online_hours_min")
    online = None if online_hours_min is None else rules.hours(online_hours_min, field="online_hours_min")
    offline = None if offline_hours_min is None else rules.hours(offline_hours_min, field="offline_hours_min")
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise ValidationError("fee must be money, not negative", field="fee")
    training = Training(provider_id=provider.id, title=title, tracks_json=json.dumps(tracks, ensure_ascii=False),
                        online_min_tenths=None if online is None else rules.to_tenths(online),
                        offline_min_tenths=None if offline is None else rules.to_tenths(offline),
                        fee=fee, created_by=actor.user_id)
    s.add(training)
    uow.commit()
    return training


def get_training(session, training_id: int, *, lock: bool = False) -> Training:
    return fetch(session, Training, training_id, lock=lock, missing=TrainingNotFound, what="training")


def training_page(session, *, provider_id: int | None, after: int, limit: int) -> list[Training]:
    q = select(Training).where(Training.id > after).order_by(Training.id).limit(limit)
    if provider_id:
        q = q.where(Training.provider_id == provider_id)
    return list(session.exec(q))


def training_view(training: Training) -> dict:
    def mins(tenths):
        return None if tenths is None else rules.hours_str(rules.from_tenths(tenths))
    return {"id": training.id, "provider_id": training.provider_id, "title": training.title,
            "tracks": json.loads(training.tracks_json), "online_hours_min": mins(training.online_min_tenths),
            "offline_hours_min": mins(training.offline_min_tenths), "fee": training.fee,
            "minimums_from": "programme" if training.online_min_tenths is not None else "scheme"}


# --- enrolment ---------------------------------------------------------------------------------------

def enrol(uow, *, actor: Actor, training_id: int, name: str, id_number: str, key: bytes) -> Trainee:
    """An enterprise enrols one of its employees. The same person (by the digest of the number)
    is enrolled in a programme once (``DUPLICATE_TRAINEE``), whichever enterprise tries."""
    s = uow.session
    enterprise = organisations.get(s, actor.org_id) if actor.org_id else None
    if enterprise is None or enterprise.kind != "enterprise":
        raise Forbidden("only an enterprise enrols its employees")
    name = _text(name, field="name", max_chars=50)
    number = rules.normalise_resident_id(id_number, today=clock.today())
    digest = rules.resident_id_digest(key, number)
    training = get_training(s, training_id, lock=True)  # enrolments of one programme one at a time
    taken = s.exec(select(Trainee.id).where(Trainee.training_id == training.id, Trainee.id_digest == digest)).first()
    if taken is not None:
        raise DuplicateTrainee("this person is already enrolled in the programme",
                               details={"training_id": training.id})
    trainee = Trainee(training_id=training.id, enterprise_id=enterprise.id, name=name, id_digest=digest,
                      id_masked=rules.mask_resident_id(number), enrolled_by=actor.user_id)
    s.add(trainee)
    uow.commit()
    return trainee


def get_trainee(session, trainee_id: int, *, lock: bool = False) -> Trainee:
    return fetch(session, Trainee, trainee_id, lock=lock, missing=TraineeNotFound, what="trainee")


def check_trainee_reader(session, trainee: Trainee, actor: Actor) -> None:
    """The trainee's enterprise, the programme's provider, and staff."""
    if actor.is_staff or actor.org_id == trainee.enterprise_id:
        return
    if actor.org_id is not None and actor.org_id == get_training(session, trainee.training_id).provider_id:
        return
    raise Forbidden("this trainee belongs to another organisation")


def trainee_page(session, *, actor: Actor, training_id: int, after: int, limit: int) -> list[Trainee]:
    """A programme's trainees: all of them for its provider and staff, its own for an enterprise."""
    training = get_training(session, training_id)
    q = select(Trainee).where(Trainee.training_id == training.id, Trainee.id > after).order_by(Trainee.id).limit(limit)
    if not actor.is_staff and actor.org_id != training.provider_id:
        q = q.where(Trainee.enterprise_id == actor.org_id)
    return list(session.exec(q))


# --- completion ---------------------------------------------------------------------------------------

def holding_claims(session, trainee_ids: list[int], *, exclude_claim: int | None = None) -> dict[int, tuple]:
    """Trainee id -> (claim id, stored status) of the claim whose active line holds it. The
    enrolment is unique per programme and ID digest, so a trainee id names one person in one
    programme: the same rule the partial unique index enforces on the digest."""
    if not trainee_ids:
        return {}
    q = (select(TalentClaimLine.trainee_id, Claim.id, Claim.status)
         .join(Claim, Claim.id == TalentClaimLine.claim_id)
         .where(TalentClaimLine.active, TalentClaimLine.trainee_id.in_(trainee_ids)))
    if exclude_claim is not None:
        q = q.where(Claim.id != exclude_claim)
    return {t: (c, st) for t, c, st in session.exec(q)}


def record_completion(uow, *, actor: Actor, trainee_id: int, online_hours, offline_hours, certificate_level,
                      fee_paid: int) -> Trainee:
    """The programme's provider records (or corrects) hours, certificate and fee paid. Refused
    while a claim holds the trainee, except a claim returned for rework (the correction is then
    what the enterprise resubmits)."""
    s = uow.session
    online = rules.hours(online_hours, field="online_hours")
    offline = rules.hours(offline_hours, field="offline_hours")
    level = rules.level(certificate_level)
    if isinstance(fee_paid, bool) or not isinstance(fee_paid, int) or fee_paid < 0:
        raise ValidationError("fee_paid must be money, not negative", field="fee_paid")
    trainee = get_trainee(s, trainee_id, lock=True)
    training = get_training(s, trainee.training_id)
    if actor.org_id != training.provider_id:
        raise Forbidden("only the programme's provider records completion")
    if fee_paid > training.fee:
        raise ValidationError(f"fee_paid cannot exceed the programme's fee {format_fen(training.fee)}",
                              field="fee_paid", details={"fee": format_fen(training.fee)})
    held = holding_claims(s, [trainee.id]).get(trainee.id)
    if held is not None and held[1] != "returned":
        raise TraineeClaimed("a claim holds this trainee; its completion is what the claim was priced on",
                             details={"claim_id": held[0], "status": held[1]})
    row = s.get(TraineeCompletion, trainee.id)
    if row is None:
        row = TraineeCompletion(trainee_id=trainee.id, online_tenths=0, offline_tenths=0, fee_paid=0, revision=0,
                                recorded_by=actor.user_id, recorded_at=clock.now())
    row.online_tenths, row.offline_tenths = rules.to_tenths(online), rules.to_tenths(offline)
    row.certificate_level, row.fee_paid = level, fee_paid
    row.revision += 1
    row.recorded_by, row.recorded_at = actor.user_id, clock.now()
    s.add(row)
    uow.commit()
    return trainee


def completion_of(row: TraineeCompletion | None) -> rules.Completion | None:
    if row is None:
        return None
    return rules.Completion(online_hours=rules.from_tenths(row.online_tenths),
                            offline_hours=rules.from_tenths(row.offline_tenths),
                            certificate_level=row.certificate_level, fee_paid=from_fen(row.fee_paid))


def minimums_of(training: Training, settings: scheme_rules.Settings) -> rules.Minimums:
    return rules.minimums(None if training.online_min_tenths is None else rules.from_tenths(training.online_min_tenths),
                          None if training.offline_min_tenths is None else rules.from_tenths(training.offline_min_tenths),
                          settings)


# --- reading a trainee -----------------------------------------------------------------------------

def reference_scheme(session, scheme_id: int | None) -> tuple[Scheme | None, scheme_rules.Settings]:
    """The talent scheme a trainee is read against: the one named, else the newest (by year), else
    none and the talent defaults."""
    if scheme_id is not None:
        scheme = schemes.get(session, scheme_id)
        if scheme.kind != "talent":
            raise WrongSchemeKind("trainees are read against a talent scheme", details={"kind": scheme.kind})
    else:
        scheme = session.exec(select(Scheme).where(Scheme.kind == "talent")
                              .order_by(Scheme.year.desc(), Scheme.id.desc()).limit(1)).first()
    if scheme is None:
        return None, scheme_rules.defaults_for("talent")
    return scheme, schemes.settings_of(session, scheme)


def trainee_views(session, trainees: list[Trainee], *, scheme_id: int | None = None) -> list[dict]:
    """Trainees as the API shows them: masked number, completion, whether they qualify and what a
    claim would pay for each (before the enterprise cap) under the reference scheme."""
    scheme, settings = reference_scheme(session, scheme_id)
    ids = [t.id for t in trainees]
    completions = {c.trainee_id: c for c in session.exec(
        select(TraineeCompletion).where(TraineeCompletion.trainee_id.in_(ids)))} if ids else {}
    trainings = {t.id: t for t in session.exec(
        select(Training).where(Training.id.in_({t.training_id for t in trainees})))} if ids else {}
    held = holding_claims(session, ids)
    out = []
    for t in trainees:
        row = completions.get(t.id)
        completion = completion_of(row)
        mins = minimums_of(trainings[t.training_id], settings)
        q = rules.qualification(completion, mins)
        amount = rules.trainee_amount(completion, settings).amount if q.qualified else Decimal("0.00")
        out.append({
            "id": t.id, "training_id": t.training_id, "enterprise_id": t.enterprise_id, "name": t.name,
            "id_number_masked": t.id_masked,
            "online_hours": None if completion is None else rules.hours_str(completion.online_hours),
            "offline_hours": None if completion is None else rules.hours_str(completion.offline_hours),
            "certificate_level": None if row is None else row.certificate_level,
            "fee_paid": None if row is None else row.fee_paid,
            "completion_revision": 0 if row is None else row.revision,
            "qualified": q.qualified, "missing": list(q.reasons),
            "online_hours_min": rules.hours_str(mins.online), "offline_hours_min": rules.hours_str(mins.offline),
            "minimums_from": mins.source, "amount": to_fen(amount),
            "scheme_id": None if scheme is None else scheme.id,
            "settings_version": None if scheme is None else scheme.settings_version,
            "claim_id": held[t.id][0] if t.id in held else None,
        })
    return out


__all__ = ["create_training", "get_training", "training_page", "training_view", "enrol", "get_trainee",
           "check_trainee_reader", "trainee_page", "record_completion", "trainee_views", "reference_scheme",
           "holding_claims", "completion_of", "minimums_of"]

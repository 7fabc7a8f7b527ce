"""The same trainee claimed at once, under one scheme and under two: exactly one claim wins.

Claims under one scheme serialise on the scheme's row; claims under two schemes (two years open at
once) meet on the trainee's row, and the partial unique index on (programme, ID digest) of active
lines stands behind both. On PostgreSQL the claims really run in parallel."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from claims.models import Claim
from kernel.money import parse_money
from ledger import service as ledger
from parties.actors import Actor
from schemes import budget
from schemes import service as schemes
from talent import claiming
from talent import service as talent
from talent.errors import TraineeAlreadyClaimed
from talent.models import TalentClaimLine
from tests.support.people import resident_id
from yunquan.db import UowFactory, make_engine

KEY = b"k" * 32
ATTEMPTS = 12


def test_twelve_claims_at_once_for_one_trainee_under_two_schemes_make_one_claim(db, world, uow_factory, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    admin = world.user("admin")[0]
    provider = world.org("provider")
    enterprise = world.org("enterprise", city="佛山")
    provider_actor = Actor(world.user("provider", provider)[0], provider.id)
    users = [Actor(world.user("enterprise", enterprise)[0], enterprise.id) for _ in range(ATTEMPTS)]
    scheme_ids = []
    for year in (2026, 2027):
        with uow_factory() as u:
            scheme_ids.append(schemes.create(
                u, actor_id=admin, kind="talent", name=f"{year}年人才券", year=year, budget_fen=1_000_000_00,
                apply_from=dt.date(2026, 1, 1), apply_to=dt.date(year, 12, 31), redeem_from=dt.date(2026, 1, 1),
                redeem_to=dt.date(year, 12, 31)).id)
    with uow_factory() as u:
        training = talent.create_training(u, actor=provider_actor, title="实训", tracks=[], online_hours_min=40,
                                          offline_hours_min=16, fee=3500_00)
    with uow_factory() as u:
        trainee = talent.enrol(u, actor=users[0], training_id=training.id, name="张三", id_number=resident_id(), key=KEY)
    with uow_factory() as u:
        talent.record_completion(u, actor=provider_actor, trainee_id=trainee.id, online_hours=40, offline_hours=16,
                                 certificate_level="高级", fee_paid=3500_00)

    url = db.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=ATTEMPTS, max_overflow=0) if db.dialect.name == "postgresql" else db
    factory = UowFactory(engine)

    def claim(i: int) -> str:
        try:
            factory.run(lambda u: claiming.submit(u, actor=users[i], scheme_id=scheme_ids[i % 2],
                                                  trainee_ids=[trainee.id]))
            return "claimed"
        except TraineeAlreadyClaimed:
            return "refused"
    try:
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            outcomes = list(pool.map(claim, range(ATTEMPTS)))
    finally:
        if engine is not db:
            engine.dispose()

    assert outcomes.count("claimed") == 1 and outcomes.count("refused") == ATTEMPTS - 1
    with db.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Claim.__table__)).scalar() == 1
        assert c.execute(sa.select(sa.func.count()).select_from(TalentClaimLine.__table__)
                         .where(TalentClaimLine.active)).scalar() == 1
    with uow_factory() as u:
        reserved = [budget.read(u.session, sid).reserved for sid in scheme_ids]
        assert sorted(reserved) == [0, parse_money("3000.00")]
        assert ledger.verify(u.session).ok


def test_the_database_refuses_a_second_active_line_for_one_person_in_one_programme(db, world, uow_factory,
                                                                                   frozen_clock):
    """The partial unique index itself, with the service's checks out of the way: a line of a second
    claim naming the same person in the same programme is refused while the first is active, and
    accepted as history (inactive)."""
    frozen_clock("2026-03-02T10:00:00+08:00")
    admin = world.user("admin")[0]
    provider = world.org("provider")
    enterprise = world.org("enterprise", city="佛山")
    p = Actor(world.user("provider", provider)[0], provider.id)
    e = Actor(world.user("enterprise", enterprise)[0], enterprise.id)
    with uow_factory() as u:
        scheme = schemes.create(u, actor_id=admin, kind="talent", name="人才券", year=2026, budget_fen=100_000_00,
                                apply_from=dt.date(2026, 1, 1), apply_to=dt.date(2026, 12, 31),
                                redeem_from=dt.date(2026, 1, 1), redeem_to=dt.date(2026, 12, 31))
    with uow_factory() as u:
        training = talent.create_training(u, actor=p, title="实训", tracks=[], online_hours_min=1, offline_hours_min=1,
                                          fee=100_00)
    trainees = []
    for name in ("张三", "李四"):
        with uow_factory() as u:
            trainees.append(talent.enrol(u, actor=e, training_id=training.id, name=name, id_number=resident_id(),
                                         key=KEY))
        with uow_factory() as u:
            talent.record_completion(u, actor=p, trainee_id=trainees[-1].id, online_hours=1, offline_hours=1,
                                     certificate_level="初级", fee_paid=100_00)
    claim_ids = []
    for trainee in trainees:
        with uow_factory() as u:
            claim_ids.append(claiming.submit(u, actor=e, scheme_id=scheme.id, trainee_ids=[trainee.id]).id)
    zhang = trainees[0]
    line = {"claim_id": claim_ids[1], "line_no": 2, "trainee_id": zhang.id, "training_id": training.id,
            "id_digest": zhang.id_digest, "certificate_level": "初级", "online_tenths": 10, "offline_tenths": 10,
            "online_min_tenths": 10, "offline_min_tenths": 10, "fee_paid": 100_00, "amount_by_level": 100_00,
            "amount": 100_00, "active": True}
    with pytest.raises(sa.exc.IntegrityError):
        with db.begin() as c:
            c.execute(sa.insert(TalentClaimLine.__table__).values(**line))
    with db.begin() as c:
        c.execute(sa.insert(TalentClaimLine.__table__).values(**{**line, "active": False}))

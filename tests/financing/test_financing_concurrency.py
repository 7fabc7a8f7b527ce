"""Loans under concurrent requests. On PostgreSQL the requests really run in parallel and serialise
on the loan row (and the scheme row for rewards); on SQLite on BEGIN IMMEDIATE. Either way no
interest is rewarded twice and no repayment is lost or allocated against a stale schedule."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import sqlalchemy as sa

from claims.models import Claim
from financing import loans, rewards
from financing.errors import InterestAlreadyRewarded
from financing.models import LoanRepayment
from kernel.errors import DomainError
from parties.actors import Actor
from schemes import budget
from schemes import service as schemes
from yunquan.db import UowFactory, make_engine

WORKERS = 10


def _parallel_factory(db) -> UowFactory:
    url = db.url.render_as_string(hide_password=False)
    return UowFactory(make_engine(url, pool_size=WORKERS, max_overflow=0) if db.dialect.name == "postgresql" else db)


def _setup(db, world, frozen_clock):
    frozen_clock("2026-01-10T10:00:00+08:00")
    uowf = UowFactory(db)
    bank, maker, ent = world.org("financier"), world.org("guarantor"), world.org("enterprise")
    bank_user, ent_user = world.user("financier", bank)[0], world.user("enterprise", ent)[0]
    admin = world.user("admin")[0]
    with uowf() as u:
        scheme = schemes.create(u, actor_id=admin, kind="financing", name="融资券", year=2026, budget_fen=1_000_000_00,
                                apply_from=dt.date(2026, 1, 1), apply_to=dt.date(2026, 12, 31),
                                redeem_from=dt.date(2026, 1, 1), redeem_to=dt.date(2026, 12, 31))
    request = loans.LoanRequest(kind="instalment", enterprise_id=ent.id, guarantor_id=maker.id,
                                principal=120_000_00, annual_rate=Decimal("0.06"), term_months=12, method="annuity",
                                first_due_on=dt.date(2026, 1, 31))
    with uowf() as u:
        loan = loans.register(u, actor=Actor(bank_user, bank.id), request=request)
    return uowf, scheme, loan, Actor(bank_user, bank.id), Actor(ent_user, ent.id)


def test_concurrent_reward_requests_for_the_same_interest_reward_it_once_even_from_two_schemes(db, world,
                                                                                               frozen_clock):
    """Half the requests go to a second financing scheme: its scheme lock does not serialise them
    with the first scheme's, the loan's lock does."""
    uowf, scheme, loan, bank, ent = _setup(db, world, frozen_clock)
    with uowf() as u:
        other = schemes.create(u, actor_id=scheme.created_by, kind="financing", name="融资券（追加）", year=2026,
                               budget_fen=1_000_000_00, apply_from=dt.date(2026, 1, 1), apply_to=dt.date(2026, 12, 31),
                               redeem_from=dt.date(2026, 1, 1), redeem_to=dt.date(2026, 12, 31))
    frozen_clock("2026-02-01T10:00:00+08:00")
    with uowf() as u:
        loans.repay(u, actor=bank, loan_id=loan.id, paid_on=dt.date(2026, 1, 31), amount=10_327_97)
    factory = _parallel_factory(db)

    def ask(i):
        scheme_id = (scheme.id, other.id)[i % 2]
        try:
            return factory.run(lambda u: rewards.claim_reward(u, actor=ent, loan_id=loan.id, scheme_id=scheme_id,
                                                              period_from=1, period_to=1)).final_amount
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(ask, range(WORKERS)))
    assert sorted(outcomes, key=str) == [192_50] + [InterestAlreadyRewarded.code] * (WORKERS - 1)
    with db.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Claim.__table__)).scalar() == 1
    with uowf() as u:
        assert budget.read(u.session, scheme.id).reserved + budget.read(u.session, other.id).reserved == 192_50


def test_concurrent_repayments_are_each_allocated_after_the_one_before(db, world, frozen_clock):
    uowf, _, loan, bank, _ = _setup(db, world, frozen_clock)
    frozen_clock("2026-01-31T10:00:00+08:00")
    factory = _parallel_factory(db)

    def pay(_):
        return factory.run(lambda u: loans.repay(u, actor=bank, loan_id=loan.id, paid_on=dt.date(2026, 1, 31),
                                                 amount=1_000_00)[0].seq)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        seqs = sorted(pool.map(pay, range(WORKERS)))
    assert seqs == list(range(1, WORKERS + 1))
    with uowf() as u:
        st = loans.state(u.session, loans.get(u.session, loan.id), today=dt.date(2026, 1, 31))
        assert sum(u.session.exec(sa.select(LoanRepayment.amount)).scalars()) == 10_000_00
    # 10,000.00 on the first due date: January's 10,327.97 is not settled, nothing is prepaid
    first = st.schedule.instalment(1)
    assert (first.paid_interest, first.paid_principal) == (Decimal("600.00"), Decimal("9400.00"))
    assert st.schedule.outstanding_principal == Decimal("110600.00")

"""One process of the workload: a seeded random walk over its own enterprises' vouchers and claims
for one simulated day, through the services (as the API calls them). It records, for each
operation, the order in which the service serialised it: the workload's patch of
``schemes.service.lock`` draws from a PostgreSQL sequence once the scheme lock is held, and the
lock is held to the commit, so those numbers are the order the model must apply them in."""
from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from claims import evidence
from claims import service as claims
from kernel import clock
from kernel.errors import DomainError
from parties.actors import Actor
from schemes import service as schemes
from vouchers import applications, redemption
from yunquan.bootstrap import bootstrap
from yunquan.db import UowFactory, make_engine

bootstrap()
_order: list[int | None] = [None]
_real_lock = schemes.lock


def _recording_lock(uow, scheme_id, *, today=None, settle=True):
    scheme = _real_lock(uow, scheme_id, today=today, settle=settle)
    if _order[0] is None:
        _order[0] = uow.session.execute(sa.text("SELECT nextval('yq_workload_order')")).scalar()
    return scheme


def _record_lock_order() -> None:
    """In the workload's own processes only (never in the test runner that imports this module)."""
    schemes.lock = _recording_lock


@dataclass
class Plan:
    """What one process owns and believes (its view may be stale: others' rejections promote its
    waitlisted vouchers)."""
    index: int
    enterprise_users: dict[int, int]            # org id -> user id
    contracts: dict[int, tuple[int, int, int]]  # contract id -> (org id, amount A, face V)
    vouchers: dict[int, list] = field(default_factory=dict)   # voucher id -> [contract, status]
    claims: dict[int, list] = field(default_factory=dict)     # claim id -> [voucher, status]
    uploads: int = 0


def day_at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.timezone.utc)  # 10:00 in Guangzhou


def run_day(args: dict[str, Any]) -> tuple[Plan, list[dict]]:
    plan: Plan = args["plan"]
    _record_lock_order()
    engine = make_engine(args["url"], pool_size=2)
    factory = UowFactory(engine)
    clock.set_clock(lambda: day_at(args["day"]))
    rng = random.Random(f"{args['seed']}:{plan.index}:{args['day']}")
    reviewer = Actor(user_id=args["reviewer_user"], org_id=args["authority"], org_city="广州", is_staff=True,
                     city_scoped=True)
    log = []
    try:
        for _ in range(args["ops"]):
            log.append(_one(rng, plan, factory, reviewer, args))
    finally:
        engine.dispose()
    return plan, log


def _enterprise(plan: Plan, org_id: int) -> Actor:
    return Actor(user_id=plan.enterprise_users[org_id], org_id=org_id, org_city="佛山")


def _call(factory, fn) -> tuple[str, Any, int | None]:
    def attempt(u):
        _order[0] = None
        return fn(u)
    try:
        return "ok", factory.run(attempt), _order[0]
    except DomainError as exc:
        return exc.code, None, _order[0]


def _one(rng: random.Random, plan: Plan, factory, reviewer: Actor, args) -> dict:
    scheme_id = args["scheme_id"]
    mine = lambda states: [v for v, (c, s) in plan.vouchers.items() if s in states]  # noqa: E731
    my_claims = lambda states: [c for c, (v, s) in plan.claims.items() if s in states]  # noqa: E731
    applied = {c for c, s in plan.vouchers.values() if s != "rejected"}
    fresh = [c for c in plan.contracts if c not in applied]
    choices = [("apply", 5 if fresh else 0), ("apply_again", 1 if applied else 0),
               ("approve_voucher", 4 if mine(("reserved", "waitlisted")) else 0),
               ("reject_voucher", 1 if mine(("reserved", "waitlisted")) else 0),
               ("claim", 4 if mine(("issued",)) else 0), ("approve_claim", 3 if my_claims(("submitted",)) else 0),
               ("return_claim", 1 if my_claims(("submitted",)) else 0),
               ("resubmit", 2 if my_claims(("returned",)) else 0), ("object", 1 if my_claims(("publicity",)) else 0)]
    kinds, weights = zip(*[(k, w) for k, w in choices if w])
    kind = rng.choices(kinds, weights)[0]
    op: dict[str, Any] = {"op": kind, "process": plan.index}
    if kind in ("apply", "apply_again"):
        contract = rng.choice(fresh if kind == "apply" else sorted(applied))
        org, amount, face = plan.contracts[contract]
        actor = _enterprise(plan, org)
        code, voucher, order = _call(factory, lambda u: applications.apply(u, actor=actor, scheme_id=scheme_id,
                                                                            contract_id=contract))
        op.update(op="apply", contract=contract, amount=amount, face=face,
                  voucher_id=voucher.id if voucher else None, outcome=voucher.status if voucher else code)
        if voucher is not None:
            plan.vouchers[voucher.id] = [contract, voucher.status]
    elif kind in ("approve_voucher", "reject_voucher"):
        vid = rng.choice(sorted(mine(("reserved", "waitlisted"))))
        step = applications.approve if kind == "approve_voucher" else \
            (lambda u, **kw: applications.reject(u, reason="预算调整", **kw))
        code, voucher, order = _call(factory, lambda u: step(u, actor=reviewer, voucher_id=vid))
        op.update(voucher=vid, outcome=code)
        if voucher is not None:
            plan.vouchers[vid][1] = voucher.status
    elif kind in ("claim", "resubmit"):
        if kind == "claim":
            vid = rng.choice(sorted(mine(("issued",))))
        else:
            cid = rng.choice(sorted(my_claims(("returned",))))
            vid = plan.claims[cid][0]
        contract = plan.vouchers[vid][0]
        org, amount, _ = plan.contracts[contract]
        paid = rng.randint(amount * 85 // 100, amount) if rng.random() < 0.8 else rng.randint(amount // 2, amount)
        actor = _enterprise(plan, org)
        ids = _evidence(factory, plan, org, args)
        code, claim, order = _call(factory, lambda u: redemption.submit(
            u, actor=actor, voucher_id=vid, invoice_amount=paid, paid_amount=paid, evidence_ids=ids))
        op.update(op="claim", voucher=vid, paid=paid, claim_id=claim.id if claim else None, outcome=code)
        if claim is not None:
            plan.claims[claim.id] = [vid, claim.status]
            plan.vouchers[vid][1] = "redeemed"
    else:
        states = {"approve_claim": ("submitted",), "return_claim": ("submitted",), "object": ("publicity",)}[kind]
        cid = rng.choice(sorted(my_claims(states)))
        if kind == "approve_claim":
            step = lambda u: claims.approve(u, actor=reviewer, claim_id=cid)  # noqa: E731
        elif kind == "return_claim":
            step = lambda u: claims.return_for_rework(u, actor=reviewer, claim_id=cid, reason="发票不清晰")  # noqa: E731
        else:
            step = lambda u: claims.object_to(u, actor=reviewer, claim_id=cid, reason="群众异议")  # noqa: E731
        code, claim, order = _call(factory, step)
        op.update(claim=cid, outcome=code)
        if claim is not None:
            plan.claims[cid][1] = claim.status
    op["order"] = order
    return op


def _evidence(factory, plan: Plan, org: int, args) -> list[int]:
    ids = []
    uploader = evidence.Uploader(user_id=plan.enterprise_users[org], org_id=org)
    for kind, head in (("invoice", b"%PDF-1.4\n"), ("payment_proof", b"\x89PNG\r\n\x1a\n"),
                       ("acceptance_report", b"\xff\xd8\xff\xe0")):
        plan.uploads += 1
        body = head + f"{args['seed']}:{plan.index}:{plan.uploads}".encode()
        with factory() as u:
            ids.append(evidence.store(u, uploader=uploader, kind=kind, filename=f"{kind}.bin", stream=io.BytesIO(body),
                                      directory=args["evidence_dir"], max_bytes=1 << 20).id)
    return ids

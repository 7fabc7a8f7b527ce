"""Defects a review found, each pinned by the test that first showed it."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from claims.models import Claim
from tests.claims.conftest import budget_of
from tests.support.pilot import JPEG, PDF, PNG


def test_the_same_document_uploaded_again_cannot_back_a_second_claim(pilot, scheme, voucher):
    first = [pilot.upload("南海陶瓷", kind, content + b"same").json["id"]
             for kind, content in (("invoice", PDF), ("payment_proof", PNG), ("acceptance_report", JPEG))]
    assert pilot.claim("南海陶瓷", voucher["id"], "190000.00", evidence=first).status_code == 201
    second_voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    again = [pilot.upload("南海陶瓷", kind, content + b"same").json["id"]
             for kind, content in (("invoice", PDF), ("payment_proof", PNG), ("acceptance_report", JPEG))]
    r = pilot.claim("南海陶瓷", second_voucher["id"], "190000.00", evidence=again)
    assert r.status_code == 409 and r.json["code"] == "EVIDENCE_IN_USE"
    assert sorted(r.json["details"]["evidence_ids"]) == sorted(again)


def test_a_claim_left_returned_lapses_with_the_window_and_frees_its_money(pilot, scheme, voucher, frozen_clock):
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    pilot.ok("POST", f"/claims/{claim['id']}/return", pilot.reviewer, json={"reason": "发票不清晰"})
    assert budget_of(pilot, scheme["id"])["reserved"] == "55000.00"
    frozen_clock("2027-01-04T09:00:00+08:00")  # the scheme's redemption window ended 2026-12-31
    r = pilot.claim("南海陶瓷", voucher["id"], "190000.00")
    assert r.status_code == 409 and r.json["code"] == "VOUCHER_EXPIRED"
    assert pilot.ok("GET", f"/vouchers/{voucher['id']}", pilot.auditor)["status"] == "expired"
    assert pilot.get_claim(claim["id"])["status"] == "lapsed"
    assert budget_of(pilot, scheme["id"])["reserved"] == "0.00"
    assert budget_of(pilot, scheme["id"])["available"] == "1000000.00"
    assert pilot.verify()["ok"] is True


def test_a_claim_turning_payable_while_a_batch_is_built_waits_for_the_next_batch(pilot, scheme, payable, db):
    """Under READ COMMITTED a claim can become payable between the batch's two statements (a bank
    return, publicity ending): it must stay payable, not turn in_batch without a line."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the interleaving needs PostgreSQL")
    with db.begin() as c:  # a fourth claim, parked outside the payable set for now
        late = c.execute(sa.select(Claim.id).where(Claim.id == payable[-1])).scalar()
        c.execute(sa.update(Claim).where(Claim.id == late).values(status="paid"))
    main, fired = threading.get_ident(), []

    def meanwhile(conn, cursor, statement, parameters, *args):
        if threading.get_ident() == main and not fired and statement.startswith("UPDATE claim SET status") \
                and "in_batch" in str(parameters):
            fired.append(1)

            def flip():
                with db.begin() as c:
                    c.execute(sa.update(Claim).where(Claim.id == late).values(status="payable"))
            t = threading.Thread(target=flip)
            t.start()
            t.join(20)
    sa.event.listen(db, "before_cursor_execute", meanwhile)
    try:
        batch = pilot.build_batch(scheme["id"])
    finally:
        sa.event.remove(db, "before_cursor_execute", meanwhile)
    assert fired and batch.status_code == 201, batch.json
    assert batch.json["total"] == "104500.00"
    assert pilot.get_claim(late)["status"] == "payable"
    assert pilot.build_batch(scheme["id"]).json["total"] == "52250.00"


def test_names_that_would_run_as_spreadsheet_formulas_are_refused(client, world):
    from tests.support.world import auth, uscc
    admin = world.token("admin")
    body = {"kind": "enterprise", "uscc": uscc(), "city": "佛山", "founded_on": "2015-01-01"}
    r = client.post("/api/v1/orgs", json=body | {"name": '=HYPERLINK("http://x/","ok")'}, headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "name"
    r = client.post("/api/v1/orgs", json=body | {"name": "正常企业", "bank_name": "工行", "bank_account": "+1 555"},
                    headers=auth(admin))
    assert r.status_code == 422 and r.json["details"]["field"] == "bank_account"


def test_the_bank_file_never_starts_a_cell_with_a_formula():
    from payouts.batches import spreadsheet_safe
    assert spreadsheet_safe("=1+1") == "'=1+1" and spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("佛山市南海陶瓷有限公司") == "佛山市南海陶瓷有限公司"
    assert spreadsheet_safe("6222000011112222") == "6222000011112222"


def test_a_claim_due_at_once_is_settled_by_the_writer_that_waited_for_its_approval(pilot, scheme, voucher, db,
                                                                                  world):
    """A claim approved with no publicity days is payable at once. A writer that waited for the
    scheme lock while it was approved must store it so: "due?" is never judged by the statement
    that waited for the lock, whose snapshot predates the commit it waited for."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; the interleaving needs PostgreSQL")
    from claims import service as claims
    from claims.service import PublicityPolicy
    from parties.actors import Actor
    from tests.support.pilot import WORKED_LINES
    from yunquan.db import UowFactory
    claim = pilot.claim("南海陶瓷", voucher["id"], "190000.00").json
    contract = pilot.contract("南海陶瓷", WORKED_LINES)
    authority = world.org("authority")
    reviewer = Actor(world.user("reviewer", authority)[0], authority.id, authority.city, True)
    holding, go, answers = threading.Event(), threading.Event(), []

    def approve_and_hold_the_lock():
        with UowFactory(db)() as u:
            commit = u.commit

            def commit_when_told():
                holding.set()
                go.wait(30)
                commit()
            u.commit = commit_when_told
            claims.approve(u, actor=reviewer, claim_id=claim["id"], policy=PublicityPolicy(days_override=0))
    approving = threading.Thread(target=approve_and_hold_the_lock)
    approving.start()
    assert holding.wait(30)
    applying = threading.Thread(target=lambda: answers.append(pilot.apply("南海陶瓷", scheme["id"], contract["id"])))
    applying.start()
    waiting = 0
    for _ in range(300):  # until the application waits for the scheme lock
        with db.connect() as c:
            waiting = c.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock'")).scalar()
        if waiting:
            break
        threading.Event().wait(0.05)
    go.set()
    approving.join(30)
    applying.join(30)
    assert waiting == 1 and answers and answers[0].status_code == 201, answers and answers[0].json
    with db.connect() as c:
        assert c.execute(sa.select(Claim.status).where(Claim.id == claim["id"])).scalar() == "payable"

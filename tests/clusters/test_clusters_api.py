"""Cluster pilots through the HTTP API: who records and reads a task book, and bad input that
is refused with a stable code and writes nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from clusters.models import BenchmarkCase, Cluster, ClusterMember, ExperienceCentre
from tests.support.pilot import Pilot
from tests.support.world import row_count

TABLES = (Cluster, ClusterMember, ExperienceCentre, BenchmarkCase)


def counts(db) -> dict[str, int]:
    return {m.__tablename__: row_count(db, m) for m in TABLES}


@pytest.fixture
def pilot(client, world, frozen_clock):
    frozen_clock("2026-03-02T10:00:00+08:00")
    return Pilot(client, world)


@pytest.fixture
def cluster(pilot) -> dict:
    body = {"name": "南海陶瓷集群", "industry": "建筑陶瓷", "starting_area": "南海区西樵镇", "city": "佛山市",
            "lead_org_id": pilot.provider.id, "year": 2026}
    return pilot.ok("POST", "/clusters", pilot.admin, 201, json=body)


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status and response.json["code"] == code, (response.status_code, response.json)
    if field is not None:
        assert response.json["details"]["field"] == field, response.json
    return response.json


BAD_PILOTS = [
    ({"starting_area": ["南海区西樵镇", "南海区九江镇"]}, "starting_area"),
    ({"starting_area": "西樵镇 | 九江镇"}, "starting_area"),
    ({"starting_area": "西樵镇\n九江镇"}, "starting_area"),
    ({"starting_area": " "}, "starting_area"),
    ({"industry": ""}, "industry"),
    ({"year": 1999}, "year"),
]


def test_bad_pilots_are_refused_and_nothing_is_written(pilot, db):
    before = counts(db)
    for over, field in BAD_PILOTS:
        body = {"name": "试点", "industry": "建筑陶瓷", "starting_area": "南海区西樵镇", "city": "佛山",
                "lead_org_id": pilot.provider.id, "year": 2026, **over}
        refused(pilot.call("POST", "/clusters", pilot.admin, json=body), 422, "VALIDATION_ERROR", field)
        assert counts(db) == before, over


def test_an_enterprise_cannot_lead_a_pilot(pilot, db):
    ent = pilot.enterprise("南海陶瓷")
    body = {"name": "试点", "industry": "建筑陶瓷", "starting_area": "西樵镇", "city": "佛山", "lead_org_id": ent.id,
            "year": 2026}
    refused(pilot.call("POST", "/clusters", pilot.admin, json=body), 422, "VALIDATION_ERROR", "lead_org_id")
    assert row_count(db, Cluster) == 0


def test_a_refused_lead_limit_says_why(pilot, world, db):
    lead = world.org("provider", provider_class="operator")
    body = {"name": "试点", "industry": "纺织", "starting_area": "西樵镇", "city": "佛山", "lead_org_id": lead.id,
            "year": 2026}
    pilot.ok("POST", "/clusters", pilot.admin, 201, json=body)
    details = refused(pilot.call("POST", "/clusters", pilot.admin, json={**body, "starting_area": "九江镇"}),
                      409, "LEAD_LIMIT_EXCEEDED")["details"]
    assert details == {"lead_org_id": lead.id, "provider_class": "operator", "limit": 1, "per_year": False, "leads": 1}
    assert counts(db)["cluster"] == 1 and counts(db)["cluster_member"] == 1


def test_only_the_lead_unit_records_the_task_book(pilot, world, cluster, db):
    other = world.token("provider", world.org("provider", provider_class="other"))
    ent = pilot.enterprise("南海陶瓷")
    path = f"/clusters/{cluster['id']}"
    before = counts(db)
    refused(pilot.call("POST", f"{path}/experience-centres", other, json={"name": "中心", "opened_on": "2026-02-01"}),
            403, "FORBIDDEN")
    refused(pilot.call("POST", f"{path}/benchmark-cases", pilot.enterprise_tokens["南海陶瓷"],
                       json={"title": "案例", "case_type": "智能制造"}), 403, "FORBIDDEN")
    refused(pilot.call("POST", f"{path}/benchmark-cases", pilot.admin, json={"title": "案例", "case_type": "智能制造"}),
            403, "FORBIDDEN")
    assert counts(db) == before and ent.id


def test_task_book_records_are_checked(pilot, cluster, db):
    path = f"/clusters/{cluster['id']}"
    token = pilot.provider_token
    pilot.ok("POST", f"{path}/experience-centres", token, 201, json={"name": "体验中心", "opened_on": "2026-03-02"})
    pilot.ok("POST", f"{path}/benchmark-cases", token, 201, json={"title": "窑炉优化", "case_type": "智能制造"})
    before = counts(db)
    refused(pilot.call("POST", f"{path}/experience-centres", token, json={"name": "新中心", "opened_on": "2026-03-03"}),
            422, "VALIDATION_ERROR", "opened_on")
    refused(pilot.call("POST", f"{path}/experience-centres", token, json={"name": " 体验中心 ", "opened_on": "2026-03-01"}),
            409, "DUPLICATE_RECORD")
    refused(pilot.call("POST", f"{path}/benchmark-cases", token, json={"title": "窑炉优化", "case_type": "供应链"}),
            409, "DUPLICATE_RECORD")
    refused(pilot.call("POST", f"{path}/benchmark-cases", token, json={"title": "案例二", "case_type": ""}),
            422, "VALIDATION_ERROR", "case_type")
    refused(pilot.call("POST", "/clusters/999/benchmark-cases", token, json={"title": "案例", "case_type": "智能制造"}),
            404, "NOT_FOUND")
    assert counts(db) == before


def test_a_cancelled_pilot_records_nothing_more(pilot, cluster, db):
    with db.begin() as c:
        c.execute(sa.update(Cluster.__table__).values(status="cancelled"))
    refused(pilot.call("POST", f"/clusters/{cluster['id']}/benchmark-cases", pilot.provider_token,
                       json={"title": "案例", "case_type": "智能制造"}), 409, "INVALID_STATE")
    assert pilot.ok("GET", f"/clusters/{cluster['id']}", pilot.auditor)["status"] == "cancelled"


def test_a_pilot_is_read_by_staff_and_its_lead_with_members_and_task_book(pilot, world, cluster):
    ent = pilot.enterprise("南海陶瓷")
    pilot.ok("POST", f"/clusters/{cluster['id']}/members", pilot.admin, 201, json={"org_id": ent.id, "role": "enterprise"})
    pilot.ok("POST", f"/clusters/{cluster['id']}/benchmark-cases", pilot.provider_token, 201,
             json={"title": "窑炉优化", "case_type": "智能制造"})
    for token in (pilot.auditor, pilot.reviewer, pilot.admin, pilot.provider_token):
        seen = pilot.ok("GET", f"/clusters/{cluster['id']}", token)
        assert (seen["status"], seen["city"], [m["role"] for m in seen["members"]]) == \
            ("active", "佛山", ["partner", "enterprise"])
        assert seen["task_book"]["benchmark_cases"][0]["case_type"] == "智能制造"
        assert seen["task_book"]["targets"] == {"experience_centres": 1, "benchmark_cases": 2,
                                                "enterprises_on_platform": 20}
    other = world.token("provider", world.org("provider"))
    for token in (pilot.enterprise_tokens["南海陶瓷"], other):
        refused(pilot.call("GET", f"/clusters/{cluster['id']}", token), 403, "FORBIDDEN")


def test_performance_is_for_staff(pilot, cluster):
    pilot.enterprise("南海陶瓷")
    for token in (pilot.auditor, pilot.reviewer, pilot.admin):
        assert pilot.ok("GET", f"/clusters/{cluster['id']}/performance", token)["member_enterprises"] == 0
    for token in (pilot.provider_token, pilot.enterprise_tokens["南海陶瓷"]):
        refused(pilot.call("GET", f"/clusters/{cluster['id']}/performance", token), 403, "FORBIDDEN")
    refused(pilot.call("GET", "/clusters/999/performance", pilot.auditor), 404, "NOT_FOUND")


def test_reading_performance_writes_nothing(pilot, cluster, db):
    from tests.claims.test_reads_never_write import snapshot
    before = snapshot(db)
    pilot.ok("GET", f"/clusters/{cluster['id']}/performance", pilot.auditor)
    pilot.ok("GET", f"/clusters/{cluster['id']}", pilot.auditor)
    assert snapshot(db) == before

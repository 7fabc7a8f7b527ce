"""``review_scope: city``: reviewers and finance staff of a city authority neither act on nor read
other cities' vouchers, claims and evidence. Lists leave them out; a read by id is FORBIDDEN.
Auditors and admins read everything; a scheme without the setting limits nobody."""
from __future__ import annotations

import pytest

from tests.support.pilot import WORKED_LINES


@pytest.fixture
def two_cities(pilot, world):
    """A city-scoped scheme with a claim from 佛山 and one from 广州, and each city's reviewer."""
    scheme = pilot.scheme(settings={"review_scope": "city"})
    foshan_reviewer = world.token("reviewer", world.org("authority", city="佛山"))
    out = {"scheme": scheme, "reviewer": {"佛山": foshan_reviewer, "广州": pilot.reviewer}}
    for name, city, reviewer in (("南海陶瓷", "佛山", foshan_reviewer), ("番禺电子", "广州", pilot.second_reviewer)):
        pilot.enterprise(name, city=city)
        contract = pilot.contract(name, WORKED_LINES)
        voucher = pilot.apply(name, scheme["id"], contract["id"]).json
        pilot.ok("POST", f"/vouchers/{voucher['id']}/approve", reviewer)
        evidence = pilot.evidence_set(name)
        claim = pilot.call("POST", f"/vouchers/{voucher['id']}/claims", pilot.enterprise_tokens[name],
                           json={"invoice_amount": "190000.00", "paid_amount": "190000.00",
                                 "evidence_ids": evidence}).json
        out[city] = {"voucher": voucher["id"], "claim": claim["id"], "evidence": evidence[0]}
    return out


def ids(pilot, path, token):
    return [item["id"] for item in pilot.ok("GET", path, token)["items"]]


def test_a_city_reviewer_lists_only_their_own_citys_vouchers_and_claims(pilot, two_cities):
    guangzhou = two_cities["reviewer"]["广州"]
    assert ids(pilot, "/vouchers", guangzhou) == [two_cities["广州"]["voucher"]]
    assert ids(pilot, "/claims", guangzhou) == [two_cities["广州"]["claim"]]
    assert ids(pilot, f"/claims?scheme_id={two_cities['scheme']['id']}", two_cities["reviewer"]["佛山"]) == \
        [two_cities["佛山"]["claim"]]


def test_a_city_reviewer_may_not_read_another_citys_voucher_claim_or_evidence(pilot, two_cities):
    guangzhou, foshan = two_cities["reviewer"]["广州"], two_cities["佛山"]
    for path in (f"/vouchers/{foshan['voucher']}", f"/claims/{foshan['claim']}", f"/evidence/{foshan['evidence']}"):
        r = pilot.call("GET", path, guangzhou)
        assert r.status_code == 403 and r.json["code"] == "FORBIDDEN", path
    own = two_cities["广州"]
    for path in (f"/vouchers/{own['voucher']}", f"/claims/{own['claim']}", f"/evidence/{own['evidence']}"):
        assert pilot.call("GET", path, guangzhou).status_code == 200, path


def test_finance_staff_of_a_city_are_scoped_too_and_auditors_see_everything(pilot, two_cities, world):
    maker = world.token("finance_maker", pilot.authority)  # an authority in 广州
    assert ids(pilot, "/claims", maker) == [two_cities["广州"]["claim"]]
    assert pilot.call("GET", f"/claims/{two_cities['佛山']['claim']}", maker).status_code == 403
    both = sorted([two_cities["佛山"]["claim"], two_cities["广州"]["claim"]])
    assert ids(pilot, "/claims", pilot.auditor) == both and ids(pilot, "/claims", pilot.admin) == both
    assert pilot.call("GET", f"/evidence/{two_cities['佛山']['evidence']}", pilot.auditor).status_code == 200


def test_a_reviewer_who_is_also_an_auditor_reads_every_city(pilot, two_cities, world):
    both = world.token(["reviewer", "auditor"], pilot.authority)
    assert len(ids(pilot, "/vouchers", both)) == 2


def test_without_the_city_scope_a_city_reviewer_reads_the_whole_province(pilot, world):
    scheme = pilot.scheme()
    pilot.enterprise("南海陶瓷", city="佛山")
    voucher = pilot.issued_voucher("南海陶瓷", scheme["id"])
    assert ids(pilot, "/vouchers", pilot.reviewer) == [voucher["id"]]
    assert pilot.call("GET", f"/vouchers/{voucher['id']}", pilot.reviewer).status_code == 200


def test_unclaimed_evidence_of_another_city_is_refused_to_a_scoped_reviewer(pilot, two_cities):
    r = pilot.upload("南海陶瓷", "invoice", b"%PDF-1.4 spare")
    assert pilot.call("GET", f"/evidence/{r.json['id']}", two_cities["reviewer"]["广州"]).status_code == 403
    assert pilot.call("GET", f"/evidence/{r.json['id']}", two_cities["reviewer"]["佛山"]).status_code == 200

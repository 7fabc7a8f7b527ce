"""Authorities with a level and a place (POST /orgs): what is accepted and what is refused."""
from __future__ import annotations

import pytest

from parties.models import Organisation
from tests.support.world import auth, row_count, uscc


@pytest.fixture
def admin(world):
    return world.token("admin")


def _org(client, admin, **extra):
    body = {"kind": "authority", "name": "西樵镇人民政府", "uscc": uscc(), "city": "佛山", **extra}
    return client.post("/api/v1/orgs", json=body, headers=auth(admin))


def test_an_authority_acts_for_the_province_unless_it_says_otherwise(client, admin):
    r = _org(client, admin)
    assert r.status_code == 201 and (r.json["level"], r.json["area"]) == ("province", None)


def test_an_area_government_names_its_area(client, admin):
    r = _org(client, admin, level="area", area=" 南海区西樵镇 ")
    assert r.status_code == 201 and (r.json["level"], r.json["area"]) == ("area", "南海区西樵镇")


@pytest.mark.parametrize("extra,field", [
    ({"level": "area"}, "area"),                          # an area government without its area
    ({"level": "city", "area": "南海区西樵镇"}, "area"),  # only an area government names an area
    ({"level": "county"}, "level"),                       # not a level
])
def test_an_authority_with_a_level_and_place_that_do_not_fit_is_refused(client, admin, db, extra, field):
    before = row_count(db, Organisation)
    r = _org(client, admin, **extra)
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR" and r.json["details"]["field"] == field
    assert row_count(db, Organisation) == before


def test_a_provider_has_no_level(client, admin, db):
    r = client.post("/api/v1/orgs", headers=auth(admin), json={
        "kind": "provider", "name": "佛山智造", "uscc": uscc(), "city": "佛山", "level": "city"})
    assert r.status_code == 422 and r.json["details"]["field"] == "level"

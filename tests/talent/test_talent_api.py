"""Programmes, trainees and talent claims through the HTTP API: bad input is refused with a stable
code and writes nothing, resident ID numbers never leave the service, each party sees its own."""
from __future__ import annotations

import json
import os
import stat

import pytest
import sqlalchemy as sa

from claims.models import Claim
from ledger.models import LedgerJournal as Journal
from talent.models import TalentClaimLine, Trainee, TraineeCompletion, Training
from tests.support.people import resident_id, with_check
from tests.support.world import row_count

TABLES = (Training, Trainee, TraineeCompletion, TalentClaimLine, Claim, Journal)


def counts(db) -> dict[str, int]:
    return {m.__tablename__: row_count(db, m) for m in TABLES}


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status and response.json["code"] == code, (response.status_code, response.json)
    if field is not None:
        assert response.json["details"]["field"] == field, response.json
    return response.json


# --- programmes -------------------------------------------------------------------------------

def test_a_programme_without_its_own_minimums_reads_the_schemes_defaults(desk, pilot):
    r = desk.training("精益生产线上课", online=None, fee="1200.00")
    assert r.status_code == 201, r.json
    assert (r.json["online_hours_min"], r.json["minimums_from"], r.json["fee"]) == (None, "scheme", "1200.00")
    assert pilot.ok("GET", f"/trainings/{r.json['id']}", pilot.auditor)["tracks"] == \
        ["精益", "软件", "装备", "自动化", "工艺材料"]


BAD_PROGRAMMES = [
    ({"online_hours_min": -1, "offline_hours_min": 16}, "online_hours_min"),
    ({"online_hours_min": 40, "offline_hours_min": 1000.5}, "offline_hours_min"),
    ({"online_hours_min": 40, "offline_hours_min": "1001"}, "offline_hours_min"),
    ({"online_hours_min": 40, "offline_hours_min": None}, "offline_hours_min"),
    ({"online_hours_min": "四十", "offline_hours_min": 16}, "online_hours_min"),
    ({"online_hours_min": True, "offline_hours_min": 16}, "online_hours_min"),
    ({"fee": "-1.00"}, "fee"),
    ({"fee": 3500}, "fee"),
    ({"title": " "}, "title"),
    ({"title": "=HYPERLINK(\"x\")"}, "title"),
]


def test_bad_programmes_are_refused_and_nothing_is_written(desk, pilot, db):
    before = counts(db)
    for body, field in BAD_PROGRAMMES:
        full = {"title": "实训", "online_hours_min": 40, "offline_hours_min": 16, "fee": "3500.00", **body}
        refused(pilot.call("POST", "/trainings", pilot.provider_token, json=full), 422, "VALIDATION_ERROR", field)
        assert counts(db) == before, body


def test_only_a_provider_runs_a_programme(pilot):
    body = {"title": "实训", "fee": "100.00"}
    refused(pilot.call("POST", "/trainings", pilot.enterprise_tokens["南海陶瓷"], json=body), 403, "FORBIDDEN")


# --- enrolment and privacy ------------------------------------------------------------------------

def test_the_id_number_is_stored_nowhere_and_shown_only_masked(desk, pilot, db):
    number = with_check("44010619900101123")
    r = desk.enrol("南海陶瓷", "张三", id_number=number.lower())
    assert r.status_code == 201, r.json
    assert r.json["id_number_masked"] == number[:4] + "*" * 10 + number[-4:] and "id_number" not in r.json
    assert number not in json.dumps(r.json) and number not in json.dumps(desk.trainee("张三"))
    with db.connect() as c:
        for table in ("trainee", "idempotent_request"):
            dumped = json.dumps([list(map(str, row)) for row in c.execute(sa.text(f"SELECT * FROM {table}"))])
            assert number not in dumped and number[:-1] not in dumped


def test_the_development_key_file_is_private_to_its_owner(desk, app):
    assert desk.enrol("南海陶瓷", "张三").status_code == 201
    mode = stat.S_IMODE(os.stat(app.config["ID_KEY_FILE"]).st_mode)
    assert mode == 0o600


def test_a_configured_key_is_used_instead_of_the_file(desk, app, db):
    app.config["ID_KEY"] = "k" * 40
    number = resident_id()
    assert desk.enrol("南海陶瓷", "张三", id_number=number).status_code == 201
    from talent.rules import resident_id_digest
    with db.connect() as c:
        assert c.execute(sa.select(Trainee.id_digest)).scalar() == resident_id_digest(b"k" * 40, number)
    assert not os.path.exists(app.config["ID_KEY_FILE"])


BAD_NUMBERS = [
    ("44010619900101123", "length"),
    ("4401061990010112345", "length"),
    ("4401061990O101123X", "characters"),
    (with_check("44010619900231123"), "birth_date"),
    (with_check("44010620300101123"), "birth_date"),
    (with_check("00010619900101123"), "area"),
    (with_check("44010619900101123")[:17] + "Z", "characters"),
]


def test_bad_id_numbers_are_refused_with_their_reason_and_nothing_is_written(desk, pilot, db):
    before = counts(db)
    for number, why in BAD_NUMBERS:
        body = refused(desk.enrol("南海陶瓷", "张三", id_number=number), 422, "VALIDATION_ERROR", "id_number")
        assert body["details"]["reason"] == why and number not in json.dumps(body), number
        assert counts(db) == before, number


def test_a_wrong_check_digit_is_refused(desk, db):
    good = with_check("44010619900101123")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    before = counts(db)
    assert refused(desk.enrol("南海陶瓷", "张三", id_number=bad), 422, "VALIDATION_ERROR",
                   "id_number")["details"]["reason"] == "check_digit"
    assert counts(db) == before


def test_the_same_person_cannot_enrol_twice_in_one_programme_but_may_in_another(desk, pilot, db):
    number = resident_id()
    assert desk.enrol("南海陶瓷", "张三", id_number=number).status_code == 201
    before = counts(db)
    refused(desk.enrol("南海陶瓷", "张三again", id_number=number.lower()), 409, "DUPLICATE_TRAINEE")
    assert counts(db) == before
    assert desk.training("工艺材料专题").status_code == 201
    assert desk.enrol("南海陶瓷", "张三", training="工艺材料专题", id_number=number).status_code == 201


def test_only_an_enterprise_enrols(desk, pilot):
    training_id = desk.only_training()
    refused(pilot.call("POST", f"/trainings/{training_id}/trainees", pilot.provider_token,
                       json={"name": "张三", "id_number": resident_id()}), 403, "FORBIDDEN")


# --- completion -----------------------------------------------------------------------------------

BAD_COMPLETIONS = [
    (-1, 16, "中级", "3500.00", "online_hours"),
    (40, -0.5, "中级", "3500.00", "offline_hours"),
    (1000.1, 16, "中级", "3500.00", "online_hours"),
    (40, 1001, "中级", "3500.00", "offline_hours"),
    (40, 16, "特级", "3500.00", "certificate_level"),
    (40, 16, "junior", "3500.00", "certificate_level"),
    (40, 16, "中级", "-1.00", "fee_paid"),
    (40, 16, "中级", "3500.01", "fee_paid"),
    (40, 16, "中级", 3500, "fee_paid"),
]


def test_bad_completions_are_refused_and_nothing_is_written(desk, db):
    desk.enrol("南海陶瓷", "张三")
    before = counts(db)
    for online, offline, level, fee, field in BAD_COMPLETIONS:
        refused(desk.complete("张三", online, offline, level, fee), 422, "VALIDATION_ERROR", field)
        assert counts(db) == before, field


def test_only_the_programmes_provider_records_completion(desk, pilot, world):
    desk.enrol("南海陶瓷", "张三")
    other = world.token("provider", world.org("provider", city="广州"))
    refused(desk.complete("张三", 40, 16, "中级", "3500.00", token=other), 403, "FORBIDDEN")


def test_a_completion_can_be_corrected_until_a_claim_holds_it(desk):
    desk.enrol("南海陶瓷", "张三")
    assert desk.complete("张三", 30, 16, "初级", "3500.00").json["qualified"] is False
    seen = desk.complete("张三", "40.5", 16, "初级", "3500.00").json
    assert (seen["qualified"], seen["online_hours"], seen["completion_revision"]) == (True, "40.5", 2)


# --- who reads a trainee ------------------------------------------------------------------------------

def test_a_trainee_is_read_by_its_enterprise_the_programmes_provider_and_staff_only(desk, pilot, world):
    desk.enrol("南海陶瓷", "张三")
    for token in (pilot.enterprise_tokens["南海陶瓷"], pilot.provider_token, pilot.auditor, pilot.reviewer):
        assert desk.trainee("张三", token)["name"] == "张三"
    pilot.enterprise("大岭山家具", city="东莞")
    stranger = world.token("provider", world.org("provider", city="广州"))
    for token in (pilot.enterprise_tokens["大岭山家具"], stranger):
        refused(pilot.call("GET", f"/trainees/{desk.trainees['张三']}", token), 403, "FORBIDDEN")


def test_an_enterprise_lists_only_its_own_trainees_and_the_provider_all(desk, pilot):
    pilot.enterprise("大岭山家具", city="东莞")
    desk.enrol("南海陶瓷", "张三")
    desk.enrol("大岭山家具", "李四")
    path = f"/trainings/{desk.only_training()}/trainees"
    assert [t["name"] for t in pilot.ok("GET", path, pilot.enterprise_tokens["南海陶瓷"])["items"]] == ["张三"]
    assert [t["name"] for t in pilot.ok("GET", path, pilot.provider_token)["items"]] == ["张三", "李四"]


def test_a_trainee_reads_what_a_claim_would_pay_under_the_newest_talent_scheme(desk, pilot, talent_scheme):
    desk.qualified("南海陶瓷", "张三", "高级")
    seen = desk.trainee("张三")
    assert (seen["amount"], seen["scheme_id"], seen["settings_version"]) == ("3000.00", talent_scheme["id"], 1)
    pilot.ok("PATCH", f"/schemes/{talent_scheme['id']}/settings", pilot.admin, json={"talent_amount_senior": "2500.00"})
    assert desk.trainee("张三")["amount"] == "2500.00"
    cloud = pilot.scheme()
    refused(pilot.call("GET", f"/trainees/{desk.trainees['张三']}?scheme_id={cloud['id']}", pilot.auditor),
            409, "WRONG_SCHEME_KIND")


# --- claims ---------------------------------------------------------------------------------------

def test_a_talent_claim_prints_the_settings_it_used(desk, talent_scheme, pilot):
    desk.qualified("南海陶瓷", "张三", "中级", fee_paid="1500.00")
    r = desk.claim("南海陶瓷", talent_scheme["id"], ["张三"])
    assert r.status_code == 201, r.json
    assert (r.json["kind"], r.json["status"], r.json["final_amount"], r.json["trainee_ids"]) == \
        ("talent", "submitted", "1500.00", [desk.trainees["张三"]])
    b = r.json["breakdown"]
    assert b["settings_version"] == 1 and b["settings"] == {
        "talent_amount_junior": "1000.00", "talent_amount_intermediate": "2000.00", "talent_amount_senior": "3000.00",
        "talent_online_hours_min": 40, "talent_offline_hours_min": 16, "enterprise_cap": "100000.00"}
    line = b["lines"][0]
    assert (line["amount_by_level"], line["fee_paid"], line["amount"], line["binding"], line["minimums_from"]) == \
        ("2000.00", "1500.00", "1500.00", ["fee_paid"], "programme")
    assert line["id_number_masked"].count("*") == 10 and desk.numbers["张三"] not in json.dumps(r.json)


def test_a_programme_without_minimums_is_judged_by_the_claiming_schemes_defaults(desk, pilot):
    scheme = desk.scheme(talent_online_hours_min=30, talent_offline_hours_min=8)
    desk.training("精益生产线上课", online=None)
    desk.enrol("南海陶瓷", "张三", training="精益生产线上课")
    assert desk.complete("张三", 30, 8, "初级", "3500.00").json["qualified"] is True
    r = desk.claim("南海陶瓷", scheme["id"], ["张三"])
    assert r.status_code == 201, r.json
    line = r.json["breakdown"]["lines"][0]
    assert (line["online_hours_min"], line["offline_hours_min"], line["minimums_from"]) == ("30", "8", "scheme")


def test_a_claim_naming_no_trainee_or_unknown_ones_is_refused(desk, pilot, talent_scheme, db):
    before = counts(db)
    for trainee_ids, status, code in (([], 422, "VALIDATION_ERROR"), (["x"], 422, "VALIDATION_ERROR"),
                                      ([2**31], 422, "VALIDATION_ERROR"), ([999999], 404, "NOT_FOUND")):
        refused(pilot.call("POST", "/talent-claims", pilot.enterprise_tokens["南海陶瓷"],
                           json={"scheme_id": talent_scheme["id"], "trainee_ids": trainee_ids}), status, code)
        assert counts(db) == before, trainee_ids


def test_a_trainee_named_twice_in_one_claim_is_refused(desk, pilot, talent_scheme, db):
    tid = desk.qualified("南海陶瓷", "张三")
    before = counts(db)
    refused(pilot.call("POST", "/talent-claims", pilot.enterprise_tokens["南海陶瓷"],
                       json={"scheme_id": talent_scheme["id"], "trainee_ids": [tid, tid]}), 422, "VALIDATION_ERROR",
            "trainee_ids")
    assert counts(db) == before


def test_an_enterprise_cannot_claim_another_enterprises_trainee(desk, pilot, talent_scheme, db):
    desk.qualified("南海陶瓷", "张三")
    pilot.enterprise("大岭山家具", city="东莞")
    before = counts(db)
    refused(desk.claim("大岭山家具", talent_scheme["id"], ["张三"]), 403, "FORBIDDEN")
    assert counts(db) == before


def test_talent_is_claimed_under_a_talent_scheme_only(desk, pilot, db):
    desk.qualified("南海陶瓷", "张三")
    cloud = pilot.scheme()
    before = counts(db)
    refused(desk.claim("南海陶瓷", cloud["id"], ["张三"]), 409, "WRONG_SCHEME_KIND")
    assert counts(db) == before


def test_a_claim_outside_the_window_is_refused(desk, pilot, db):
    scheme = desk.scheme(apply_from="2026-04-01")
    desk.qualified("南海陶瓷", "张三")
    refused(desk.claim("南海陶瓷", scheme["id"], ["张三"]), 409, "OUTSIDE_APPLICATION_WINDOW")


def test_an_ineligible_enterprise_cannot_claim(desk, pilot, db):
    scheme = desk.scheme()
    pilot.enterprise("深圳智造", city="深圳")
    desk.qualified("深圳智造", "张三")
    refused(desk.claim("深圳智造", scheme["id"], ["张三"]), 409, "ENTERPRISE_INELIGIBLE")


def test_a_short_budget_refuses_the_claim_and_moves_nothing(desk, pilot, db):
    scheme = desk.scheme("2500.00")
    desk.qualified("南海陶瓷", "张三", "高级")
    before = counts(db)
    body = refused(desk.claim("南海陶瓷", scheme["id"], ["张三"]), 409, "BUDGET_EXHAUSTED")
    assert body["details"] == {"available": "2500.00", "final_amount": "3000.00"}
    assert counts(db) == before and pilot.budget(scheme["id"])["available"] == "2500.00"


def test_a_claim_can_be_replayed_with_its_idempotency_key(desk, pilot, talent_scheme, db):
    desk.qualified("南海陶瓷", "张三")
    body = {"scheme_id": talent_scheme["id"], "trainee_ids": [desk.trainees["张三"]]}
    headers = {"Idempotency-Key": "talent-claim-1"}
    first = pilot.call("POST", "/talent-claims", pilot.enterprise_tokens["南海陶瓷"], json=body, headers=headers)
    again = pilot.call("POST", "/talent-claims", pilot.enterprise_tokens["南海陶瓷"], json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]
    assert row_count(db, Claim) == 1


def test_an_objection_keeps_the_trainees_held_and_a_second_approval_settles_them(desk, pilot, talent_scheme):
    desk.qualified("南海陶瓷", "张三")
    claim = desk.claim("南海陶瓷", talent_scheme["id"], ["张三"]).json
    pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.reviewer)
    pilot.ok("POST", f"/claims/{claim['id']}/object", pilot.second_reviewer, json={"reason": "培训记录存疑"})
    refused(desk.claim("南海陶瓷", talent_scheme["id"], ["张三"]), 409, "TRAINEE_ALREADY_CLAIMED")
    assert pilot.ok("POST", f"/claims/{claim['id']}/approve", pilot.second_reviewer)["status"] == "publicity"
    assert desk.trainee("张三")["claim_id"] == claim["id"]


def test_a_resubmission_cannot_add_trainees(desk, pilot, talent_scheme):
    desk.qualified("南海陶瓷", "张三")
    desk.qualified("南海陶瓷", "李四")
    claim = desk.claim("南海陶瓷", talent_scheme["id"], ["张三"]).json
    pilot.ok("POST", f"/claims/{claim['id']}/return", pilot.reviewer, json={"reason": "补充材料"})
    refused(pilot.call("POST", f"/talent-claims/{claim['id']}/resubmit", pilot.enterprise_tokens["南海陶瓷"],
                       json={"trainee_ids": [desk.trainees["李四"]]}), 422, "VALIDATION_ERROR", "trainee_ids")


def test_the_service_refuses_to_start_with_a_short_id_key(monkeypatch):
    from yunquan import config
    monkeypatch.setenv("YUNQUAN_ID_KEY", "too short")
    with pytest.raises(ValueError, match="YUNQUAN_ID_KEY"):
        config.from_environment()
    monkeypatch.setenv("YUNQUAN_ID_KEY", "x" * 32)
    assert config.from_environment()["ID_KEY"] == "x" * 32

"""Talent vouchers as the HTTP API sees them: programmes, trainees and claims, on top of ``Pilot``."""
from __future__ import annotations

from tests.support.people import resident_id
from tests.support.pilot import Pilot


class TalentDesk:
    """``desk = TalentDesk(pilot)``; people are named, the desk remembers their ids and numbers."""

    def __init__(self, pilot: Pilot):
        self.pilot = pilot
        self.trainings: dict[str, int] = {}
        self.trainees: dict[str, int] = {}
        self.numbers: dict[str, str] = {}

    def scheme(self, budget: str = "500000.00", **over) -> dict:
        body = {"kind": "talent", "name": "2026年人才上云服务券", "year": 2026, "budget": budget,
                "apply_from": "2026-01-01", "apply_to": "2026-12-31", "redeem_from": "2026-01-01",
                "redeem_to": "2026-12-31", **over}
        return self.pilot.ok("POST", "/schemes", self.pilot.admin, 201, json=body)

    def training(self, title: str, *, online=40, offline=16, fee: str = "3500.00", token: str | None = None):
        body = {"title": title, "tracks": ["精益", "软件", "装备", "自动化", "工艺材料"], "fee": fee}
        if online is not None:
            body.update(online_hours_min=online, offline_hours_min=offline)
        r = self.pilot.call("POST", "/trainings", token or self.pilot.provider_token, json=body)
        if r.status_code == 201:
            self.trainings[title] = r.json["id"]
        return r

    def only_training(self) -> int:
        assert len(self.trainings) == 1, self.trainings
        return next(iter(self.trainings.values()))

    def enrol(self, enterprise: str, person: str, *, training: str | None = None, id_number: str | None = None):
        number = id_number or self.numbers.get(person) or resident_id()
        training_id = self.trainings[training] if training else self.only_training()
        r = self.pilot.call("POST", f"/trainings/{training_id}/trainees", self.pilot.enterprise_tokens[enterprise],
                            json={"name": person, "id_number": number})
        if r.status_code == 201:
            self.trainees[person] = r.json["id"]
            self.numbers[person] = number
        return r

    def complete(self, person: str, online, offline, level, fee_paid: str, token: str | None = None):
        return self.pilot.call("POST", f"/trainees/{self.trainees[person]}/completion",
                               token or self.pilot.provider_token,
                               json={"online_hours": online, "offline_hours": offline, "certificate_level": level,
                                     "fee_paid": fee_paid})

    def trainee(self, person: str, token: str | None = None) -> dict:
        return self.pilot.ok("GET", f"/trainees/{self.trainees[person]}", token or self.pilot.auditor)

    def claim(self, enterprise: str, scheme_id: int, persons: list[str]):
        return self.pilot.call("POST", "/talent-claims", self.pilot.enterprise_tokens[enterprise],
                               json={"scheme_id": scheme_id, "trainee_ids": [self.trainees[p] for p in persons]})

    def qualified(self, enterprise: str, person: str, level: str = "中级", fee_paid: str = "3500.00") -> int:
        """Enrol and complete a trainee who qualifies; returns the trainee id."""
        r = self.enrol(enterprise, person)
        assert r.status_code == 201, r.json
        r = self.complete(person, 40, 16, level, fee_paid)
        assert r.status_code == 200 and r.json["qualified"], r.json
        return self.trainees[person]

"""Demo talent vouchers: a provider's 线上+线下 programme and four employees of the demo ceramics
enterprise, one at each "1+X" level and one still short of the offline hours. Nothing is claimed:
try ``POST /api/v1/talent-claims``. Re-runnable."""
from __future__ import annotations

import os

from flask import current_app, has_app_context
from sqlmodel import select

from kernel.money import format_fen
from parties.actors import Actor
from talent import idkey, rules
from talent import service as talent
from talent.models import Trainee, Training

TITLE = "陶瓷行业“精益+软件+装备+自动化+工艺材料”复合型人才实训"
# name, the first 17 characters of a made-up resident ID number (南海区), online and offline hours, level
PEOPLE = [
    ("陈志强", "44060519880312301", 42, 16, "初级"),
    ("李晓燕", "44060519920725402", 48, 20, "中级"),
    ("黄伟明", "44060519851109113", 60, 24, "高级"),
    ("张丽娟", "44060519950203224", 40, 12, None),  # offline hours short, no certificate yet
]


def load_demo_talent(uow_factory, orgs: dict[str, int], users: dict[str, int]) -> list[str]:
    provider = Actor(users["integrator"], orgs["integrator"])
    enterprise = Actor(users["enterprise"], orgs["ceramics"])
    with uow_factory() as u:
        training = u.session.exec(select(Training).where(Training.provider_id == provider.org_id,
                                                         Training.title == TITLE)).first()
    if training is None:
        training = uow_factory.run(lambda u: talent.create_training(
            u, actor=provider, title=TITLE, tracks=["精益", "软件", "装备", "自动化", "工艺材料"],
            online_hours_min=40, offline_hours_min=16, fee=3500_00))
    key = idkey.key_from(current_app.config if has_app_context() else
                         {"ID_KEY": os.environ.get("YUNQUAN_ID_KEY"), "ID_KEY_FILE": os.environ.get("YUNQUAN_ID_KEY_FILE")})
    out = [f"  training {training.id} {TITLE} (provider: integrator; 40 h online, 16 h offline, fee 3500.00)"]
    for name, first17, online, offline, level in PEOPLE:
        digest = rules.resident_id_digest(key, first17 + rules.id_check_character(first17))
        with uow_factory() as u:
            trainee = u.session.exec(select(Trainee).where(Trainee.training_id == training.id,
                                                           Trainee.id_digest == digest)).first()
        if trainee is None:
            trainee = uow_factory.run(lambda u: talent.enrol(
                u, actor=enterprise, training_id=training.id, name=name,
                id_number=first17 + rules.id_check_character(first17), key=key))
            uow_factory.run(lambda u: talent.record_completion(
                u, actor=provider, trainee_id=trainee.id, online_hours=online, offline_hours=offline,
                certificate_level=level, fee_paid=3500_00))
        with uow_factory() as u:
            view = talent.trainee_views(u.session, [trainee])[0]
        out.append(f"  trainee {trainee.id:<3} {name} {view['id_number_masked']} {level or '无证书'}: "
                   f"{'qualified, ' + format_fen(view['amount']) if view['qualified'] else 'not qualified'}")
    return ["demo talent vouchers (enterprise: ceramics):"] + out

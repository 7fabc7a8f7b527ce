"""What cloud vouchers count towards a cluster pilot's performance (registered with
``clusters.performance`` at start-up): vouchers issued to its member enterprises on contracts with
its alliance's providers, and their face value."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import one_of
from vouchers import applications
from vouchers.models import Voucher

ISSUED = ("issued", "redeemed", "settled")  # issued and still holding, or having used, its money


def pilot_figures(session, scope) -> dict[str, int]:
    if not scope.enterprises:
        return {"vouchers_issued": 0, "vouchers_face_value": 0}
    issued = sa.or_(*(applications.status_is(status, scope.today) for status in ISSUED))
    count, face = session.exec(
        select(sa.func.count(), sa.func.coalesce(sa.func.sum(Voucher.face_value), 0))
        .where(one_of(session, Voucher.enterprise_id, list(scope.enterprises)),
               one_of(session, Voucher.provider_id, list(scope.providers)), issued)).one()
    return {"vouchers_issued": int(count), "vouchers_face_value": int(face)}

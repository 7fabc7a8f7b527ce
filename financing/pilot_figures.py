"""Connected devices (设备联网数) for a pilot's yearly assessment (registered with
``clusters.assessment`` at start-up): the units of device kinds (CPE gateways, MEC servers, indoor
small cells, 5G industrial terminals) on contracts between the pilot's member enterprises and its
alliance's providers that went ahead, through a cloud voucher issued (or used) on them or a loan
that financed them. Each contract counts once, however many vouchers or loans name it."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import one_of
from catalog.models import ProductVersion
from financing.models import Loan
from vouchers import applications
from vouchers.models import Contract, ContractLine, Voucher
from vouchers.performance import ISSUED

DEVICE_KINDS = ("cpe_gateway", "mec_server", "indoor_small_cell", "industrial_terminal")


def assessment_figures(session, scope) -> dict[str, int]:
    if not scope.enterprises:
        return {"connected_devices": 0}
    issued = sa.or_(*(applications.status_is(status, scope.today) for status in ISSUED))
    with_voucher = select(Voucher.contract_id).where(issued)
    with_loan = select(Loan.contract_id).where(Loan.contract_id.is_not(None))
    quantities = session.exec(
        select(ContractLine.quantity).join(Contract, Contract.id == ContractLine.contract_id)
        .join(ProductVersion, ProductVersion.id == ContractLine.version_id)
        .where(one_of(session, Contract.enterprise_id, list(scope.enterprises)),
               one_of(session, Contract.provider_id, list(scope.providers)),
               ProductVersion.item_kind.in_(DEVICE_KINDS),
               sa.or_(Contract.id.in_(with_voucher), Contract.id.in_(with_loan)))).all()
    return {"connected_devices": int(sum((Decimal(q) for q in quantities), Decimal(0)))}

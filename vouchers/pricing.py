"""What a contract's voucher is worth now: each line's subsidy by its product version's standard,
then the caps of POLICY.md §6 with what the enterprise, the provider and the city have used."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from catalog import products
from catalog.models import ProductVersion
from catalog.rules import line_subsidy, standard_to_dict
from kernel.money import from_fen, to_fen
from parties import service as organisations
from parties.models import Organisation
from schemes import rules as scheme_rules
from schemes import service as schemes
from schemes.models import Scheme
from vouchers import contracts, rules, usage
from vouchers.models import COUNTING_STATUSES, Contract, Voucher

__all__ = ["COUNTING_STATUSES", "committed", "price", "facts", "city_left"]


def committed(session, *conditions) -> int:
    """Money held by counting vouchers matching ``conditions``, summed from the vouchers (reports
    and tests; the hot path reads ``vouchers.usage`` rows instead)."""
    return int(session.exec(select(sa.func.coalesce(sa.func.sum(
        sa.func.coalesce(Voucher.final_amount, Voucher.face_value)), 0))
        .where(Voucher.status.in_(COUNTING_STATUSES), *conditions)).one())


def price(session, *, scheme: Scheme, settings: scheme_rules.Settings, contract: Contract,
          enterprise: Organisation, exclude_voucher: int | None = None) -> rules.FaceValue:
    provider = organisations.get(session, contract.provider_id)
    priced = []
    for line in contracts.lines_of(session, contract.id):
        version = session.get(ProductVersion, line.version_id)
        standard = products.load_standard(version.standard)
        quantity, amount = contracts.quantity_of(line), from_fen(line.amount)
        priced.append(rules.PricedLine(
            line_no=line.line_no, product_id=line.product_id, version_id=line.version_id,
            item_kind=version.item_kind, quantity=quantity,
            unit_price=from_fen(line.unit_price), amount=amount, standard=standard_to_dict(standard),
            subsidy=line_subsidy(standard, quantity=quantity, amount=amount)))
    held = usage.used(session, scheme.id, enterprise_id=enterprise.id, provider_id=provider.id, city=enterprise.city)
    own = 0
    if exclude_voucher is not None:
        mine = session.get(Voucher, exclude_voucher)
        own = usage.counted(mine.status, mine.final_amount, mine.face_value)
    ent_used, prov_used = held["enterprise"] - own, held["provider"] - own
    return rules.face_value(
        priced, city=enterprise.city, settings=settings,
        enterprise_cap_left=settings.enterprise_cap - from_fen(ent_used),
        provider_quota_left=settings.provider_quota(provider.provider_class) - from_fen(prov_used))


def facts(org: Organisation) -> scheme_rules.EnterpriseFacts:
    return schemes.enterprise_facts(org)


def city_left(session, scheme: Scheme, settings: scheme_rules.Settings, city: str) -> int | None:
    """What the city's quota has left, or None when the scheme sets no quota for it."""
    quota = settings.city_quota(city)
    if quota is None:
        return None
    return to_fen(quota) - usage.city_used(session, scheme.id, city)

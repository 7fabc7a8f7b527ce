"""What a contract's voucher is worth now: each line's subsidy by its product version's standard,
then the caps of POLICY.md §6 with what the enterprise, the provider and the city have used."""
from __future__ import annotations

import functools

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
from vouchers.models import COUNTING_STATUSES, Contract, ContractLine, Voucher

__all__ = ["COUNTING_STATUSES", "committed", "price", "priced_lines", "capped", "facts", "city_room",
           "city_left"]


def committed(session, *conditions) -> int:
    """Money held by counting vouchers matching ``conditions``, summed from the vouchers (reports
    and tests; the hot path reads ``vouchers.usage`` rows instead)."""
    return int(session.exec(select(sa.func.coalesce(sa.func.sum(
        sa.func.coalesce(Voucher.final_amount, Voucher.face_value)), 0))
        .where(Voucher.status.in_(COUNTING_STATUSES), *conditions)).one())


@functools.lru_cache(maxsize=4096)
def _standard(stored: str):
    """A product version's standard, parsed once per distinct text (the text is the key: reviewed
    versions never change, and a changed text is simply another key)."""
    standard = products.load_standard(stored)
    return standard, standard_to_dict(standard)


def priced_lines(session, contract: Contract) -> list[rules.PricedLine]:
    """Each line's subsidy by its pinned product version: one query for the lines and their
    versions, nothing that changes while the scheme is locked (versions are immutable), so it is
    computed before the lock is taken."""
    rows = session.execute(sa.select(ContractLine, ProductVersion.item_kind, ProductVersion.standard)
                           .join(ProductVersion, ProductVersion.id == ContractLine.version_id)
                           .where(ContractLine.contract_id == contract.id).order_by(ContractLine.line_no)).all()
    priced = []
    for line, item_kind, stored in rows:
        standard, printed = _standard(stored)
        quantity, amount = contracts.quantity_of(line), from_fen(line.amount)
        priced.append(rules.PricedLine(
            line_no=line.line_no, product_id=line.product_id, version_id=line.version_id,
            item_kind=item_kind, quantity=quantity,
            unit_price=from_fen(line.unit_price), amount=amount, standard=printed,
            subsidy=line_subsidy(standard, quantity=quantity, amount=amount)))
    return priced


def capped(*, scheme: Scheme, settings: scheme_rules.Settings, lines: list[rules.PricedLine],
           enterprise: Organisation, provider: Organisation, held: dict[str, int], own: int = 0) -> rules.FaceValue:
    """The face value under the caps, given what the enterprise and the provider hold now
    (``held``: ``usage.used``; ``own`` is what the voucher being priced holds itself)."""
    return rules.face_value(
        lines, city=enterprise.city, settings=settings,
        enterprise_cap_left=settings.enterprise_cap - from_fen(held["enterprise"] - own),
        provider_quota_left=settings.provider_quota(provider.provider_class) - from_fen(held["provider"] - own))


def price(session, *, scheme: Scheme, settings: scheme_rules.Settings, contract: Contract,
          enterprise: Organisation, exclude_voucher: int | None = None) -> rules.FaceValue:
    provider = organisations.get(session, contract.provider_id)
    own = 0
    if exclude_voucher is not None:
        mine = session.get(Voucher, exclude_voucher)
        own = usage.counted(mine.status, mine.final_amount, mine.face_value)
    held = usage.used(session, scheme.id, enterprise_id=enterprise.id, provider_id=provider.id, city=enterprise.city)
    return capped(scheme=scheme, settings=settings, lines=priced_lines(session, contract), enterprise=enterprise,
                  provider=provider, held=held, own=own)


def facts(org: Organisation) -> scheme_rules.EnterpriseFacts:
    return schemes.enterprise_facts(org)


def city_room(settings: scheme_rules.Settings, city: str, used: int) -> int | None:
    """What the city's quota has left when the city holds ``used`` fen, or None when the scheme
    sets no quota for it."""
    quota = settings.city_quota(city)
    return None if quota is None else to_fen(quota) - used


def city_left(session, scheme: Scheme, settings: scheme_rules.Settings, city: str) -> int | None:
    """``city_room`` now: the city's usage is read only when the scheme sets it a quota."""
    if settings.city_quota(city) is None:
        return None
    return city_room(settings, city, usage.city_used(session, scheme.id, city))

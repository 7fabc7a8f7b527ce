"""Contracts between a provider and an enterprise; every line pins an approved product version.

The same contract recorded twice (same provider, enterprise, signing date and lines, in any order)
is ``DUPLICATE_CONTRACT``, unless the provider declares it a separate contract (``separate``): two
identical orders on one day do happen. The check is a fingerprint with a unique index, so two
requests racing with the same contract cannot both pass it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import select

from adapters.tables import fetch, party_page
from catalog import products
from catalog.rules import check_quantity
from clusters.service import in_alliance
from kernel import clock
from kernel.errors import Forbidden, ValidationError
from kernel.money import from_fen, round_half_up_fen, to_fen
from parties import service as organisations
from parties.models import Organisation
from vouchers.errors import ContractNotFound, DuplicateContract, ProductNotInAlliance
from vouchers.models import Contract, ContractLine

MAX_LINES = 200


def fingerprint(*, provider_id: int, enterprise_id: int, signed_on: dt.date, lines: list[ContractLine]) -> str:
    """What makes two contracts the same: the parties, the date and the lines (order aside)."""
    body = {"provider": provider_id, "enterprise": enterprise_id, "signed_on": signed_on.isoformat(),
            "lines": sorted([line.product_id, line.quantity, line.unit_price] for line in lines)}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _duplicate(existing_id: int | None) -> DuplicateContract:
    return DuplicateContract(
        "this contract (same parties, signing date and lines) is recorded already; send \"separate\": true "
        "if it is a separate contract", details={"contract_id": existing_id, "field": "separate"})


def record(uow, *, actor_id: int, provider_id: int, enterprise_id: int, signed_on: dt.date,
           lines: list[dict], separate: bool = False) -> tuple[Contract, list[ContractLine]]:
    """``lines``: ``{"product_id": int, "quantity": Decimal, "unit_price": int fen}``; ``separate``:
    the provider says an identical contract recorded before is another contract."""
    s = uow.session
    if signed_on > clock.today():
        raise ValidationError("a contract cannot be signed in the future", field="signed_on")
    enterprise = organisations.get(s, enterprise_id)
    if enterprise.kind != "enterprise":
        raise ValidationError("enterprise_id must name an enterprise", field="enterprise_id")
    if not lines:
        raise ValidationError("a contract needs at least one line", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationError(f"at most {MAX_LINES} lines", field="lines")
    rows = []
    total = 0
    for no, line in enumerate(lines, start=1):
        where = f"lines[{no - 1}]"
        pin = products.pin_for_contract(s, product_id=line["product_id"], on_date=signed_on)
        if not in_alliance(s, lead_id=provider_id, partner_id=pin.provider_id):
            raise ProductNotInAlliance("the product belongs to a provider outside your alliance",
                                       details={"field": f"{where}.product_id", "product_id": pin.product_id,
                                                "product_provider_id": pin.provider_id})
        quantity = check_quantity(pin.item_kind, line["quantity"], field=f"{where}.quantity")
        if line["unit_price"] <= 0:
            raise ValidationError("unit_price must be positive", field=f"{where}.unit_price")
        amount = to_fen(round_half_up_fen(quantity * from_fen(line["unit_price"])))
        total += amount
        rows.append(ContractLine(line_no=no, product_id=pin.product_id, version_id=pin.version_id,
                                 quantity=quantity_text(quantity), unit_price=line["unit_price"], amount=amount))
    print_ = None if separate else fingerprint(provider_id=provider_id, enterprise_id=enterprise_id,
                                               signed_on=signed_on, lines=rows)
    if print_ is not None:
        existing = s.exec(select(Contract.id).where(Contract.fingerprint == print_)).first()
        if existing is not None:
            raise _duplicate(existing)
    contract = Contract(provider_id=provider_id, enterprise_id=enterprise_id, signed_on=signed_on, amount=total,
                        created_by=actor_id, fingerprint=print_)
    s.add(contract)
    try:
        s.flush()
    except sa.exc.IntegrityError as exc:  # the same contract recorded by a concurrent request
        raise _duplicate(None) from exc
    for row in rows:
        row.contract_id = contract.id
        s.add(row)
    uow.commit()
    return contract, rows


def get(session, contract_id: int, *, lock: bool = False) -> Contract:
    return fetch(session, Contract, contract_id, lock=lock, missing=ContractNotFound, what="contract")


def with_parties(session, contract_id: int, *, lock: bool = False) -> tuple[Contract, Organisation, Organisation]:
    """The contract (locked ``FOR UPDATE`` if asked) with its enterprise and its provider, in one
    query, or ``ContractNotFound``."""
    enterprise, provider = aliased(Organisation), aliased(Organisation)
    q = (select(Contract, enterprise, provider).join(enterprise, enterprise.id == Contract.enterprise_id)
         .join(provider, provider.id == Contract.provider_id).where(Contract.id == contract_id))
    if lock:
        q = q.with_for_update(of=Contract).execution_options(populate_existing=True)
    row = session.exec(q).first()
    if row is None:
        raise ContractNotFound(f"contract {contract_id} not found", details={"contract_id": contract_id})
    return tuple(row)


def lines_of(session, contract_id: int) -> list[ContractLine]:
    return list(session.exec(select(ContractLine).where(ContractLine.contract_id == contract_id)
                             .order_by(ContractLine.line_no)))


def list_page(session, *, actor, after: int, limit: int, enterprise_id: int | None = None,
              provider_id: int | None = None, signed_from: dt.date | None = None,
              signed_to: dt.date | None = None) -> list[Contract]:
    """A page of contracts the actor may read: a provider its own, an enterprise those signed with
    it, staff all; filtered by party and signing date."""
    where = []
    if signed_from is not None:
        where.append(Contract.signed_on >= signed_from)
    if signed_to is not None:
        where.append(Contract.signed_on <= signed_to)
    return party_page(session, Contract, actor=actor, after=after, limit=limit, where=where,
                      enterprise_id=enterprise_id, provider_id=provider_id)


def check_party(contract: Contract, *, org_id: int | None, is_staff: bool) -> None:
    if not is_staff and org_id not in (contract.provider_id, contract.enterprise_id):
        raise Forbidden("this contract belongs to other organisations")


def check_enterprise(contract: Contract, *, org_id: int | None) -> None:
    """Only the contract's own enterprise (FORBIDDEN otherwise)."""
    if org_id != contract.enterprise_id:
        raise Forbidden("this contract was signed by another enterprise")


def quantity_text(quantity: Decimal) -> str:
    """'10' for whole quantities, '2000.50' otherwise: exact, and never scientific notation."""
    return str(int(quantity)) if quantity == quantity.to_integral_value() else format(quantity, "f")


def quantity_of(line: ContractLine) -> Decimal:
    return Decimal(line.quantity)

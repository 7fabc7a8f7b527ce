"""Contracts between a provider and an enterprise; every line pins an approved product version."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import select

from adapters.tables import fetch, party_page
from catalog import products
from catalog.rules import check_quantity
from clusters.service import in_alliance
from kernel import clock
from kernel.errors import Forbidden, ValidationError
from kernel.money import from_fen, round_half_up_fen, to_fen
from parties import service as organisations
from vouchers.errors import ContractNotFound, ProductNotInAlliance
from vouchers.models import Contract, ContractLine

MAX_LINES = 200


def record(uow, *, actor_id: int, provider_id: int, enterprise_id: int, signed_on: dt.date,
           lines: list[dict]) -> tuple[Contract, list[ContractLine]]:
    """``lines``: ``{"product_id": int, "quantity": Decimal, "unit_price": int fen}``."""
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
    contract = Contract(provider_id=provider_id, enterprise_id=enterprise_id, signed_on=signed_on, amount=total,
                        created_by=actor_id)
    s.add(contract)
    s.flush()
    for row in rows:
        row.contract_id = contract.id
        s.add(row)
    uow.commit()
    return contract, rows


def get(session, contract_id: int, *, lock: bool = False) -> Contract:
    return fetch(session, Contract, contract_id, lock=lock, missing=ContractNotFound, what="contract")


def lines_of(session, contract_id: int) -> list[ContractLine]:
    return list(session.exec(select(ContractLine).where(ContractLine.contract_id == contract_id)
                             .order_by(ContractLine.line_no)))


def check_party(contract: Contract, *, org_id: int | None, is_staff: bool) -> None:
    if not is_staff and org_id not in (contract.provider_id, contract.enterprise_id):
        raise Forbidden("this contract belongs to other organisations")


def quantity_text(quantity: Decimal) -> str:
    """'10' for whole quantities, '2000.50' otherwise: exact, and never scientific notation."""
    return str(int(quantity)) if quantity == quantity.to_integral_value() else format(quantity, "f")


def quantity_of(line: ContractLine) -> Decimal:
    return Decimal(line.quantity)


def list_page(session, *, actor, after: int, limit: int, enterprise_id: int | None = None,
              provider_id: int | None = None) -> list[Contract]:
    """Contracts after id ``after``: an organisation sees those it is a party to, staff all."""
    return party_page(session, Contract, actor=actor, after=after, limit=limit, enterprise_id=enterprise_id,
                      provider_id=provider_id)

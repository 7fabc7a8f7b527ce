"""Use cases for organisations (enterprises, providers, financiers, guarantors, authorities)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import fetch
from kernel import clock, text
from kernel.errors import ValidationError
from parties import rules
from parties.errors import DuplicateOrganisation, OrganisationNotFound
from parties.models import BankAccountChange, Organisation


def register(uow, *, kind: str, name: str, uscc: str, city: str, founded_on: dt.date | None = None,
             prior_year_revenue: int | None = None, provider_class: str | None = None,
             bank_name: str | None = None, bank_account: str | None = None, level: str | None = None,
             area: str | None = None) -> Organisation:
    if kind not in rules.ORG_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(rules.ORG_KINDS)}", field="kind")
    if not name or not name.strip():
        raise ValidationError("name is required", field="name")
    uscc = rules.validate_uscc(uscc)
    city = rules.normalise_city(city)
    if kind == "provider":
        provider_class = provider_class or "other"
        if provider_class not in rules.PROVIDER_CLASSES:
            raise ValidationError(f"provider_class must be one of {', '.join(rules.PROVIDER_CLASSES)}",
                                  field="provider_class")
    elif provider_class is not None:
        raise ValidationError("provider_class applies to providers only", field="provider_class")
    level, area = _level(kind, level, area)
    if kind == "enterprise" and founded_on is None:
        raise ValidationError("an enterprise needs founded_on (eligibility depends on it)", field="founded_on")
    rules.check_founded_on(founded_on, today=clock.today())
    if prior_year_revenue is not None and prior_year_revenue < 0:
        raise ValidationError("prior_year_revenue must not be negative", field="prior_year_revenue")
    text.check_name(name, field="name")  # names go into bank files and spreadsheets; nothing hides in them
    bank_name, bank_account = _bank_details(bank_name, bank_account)
    s = uow.session
    if s.exec(select(Organisation.id).where(Organisation.uscc == uscc)).first() is not None:
        raise DuplicateOrganisation("an organisation with this 统一社会信用代码 exists", details={"uscc": uscc})
    org = Organisation(kind=kind, name=name.strip(), uscc=uscc, city=city, founded_on=founded_on,
                       prior_year_revenue=prior_year_revenue, provider_class=provider_class,
                       bank_name=bank_name, bank_account=bank_account, level=level, area=area)
    s.add(org)
    try:
        s.flush()
    except sa.exc.IntegrityError as exc:  # a concurrent insert of the same USCC
        raise DuplicateOrganisation("an organisation with this 统一社会信用代码 exists",
                                    details={"uscc": uscc}) from exc
    uow.commit()
    return org


def _level(kind: str, level: str | None, area: str | None) -> tuple[str | None, str | None]:
    """An authority acts for the province (the default), a city, or an area of its city."""
    if kind != "authority":
        if level is not None or area is not None:
            raise ValidationError("level and area apply to authorities only", field="level" if level else "area")
        return None, None
    level = level or "province"
    if level not in rules.AUTHORITY_LEVELS:
        raise ValidationError(f"level must be one of {', '.join(rules.AUTHORITY_LEVELS)}", field="level")
    area = " ".join(area.split()) if isinstance(area, str) else None
    if level == "area":
        if not area:
            raise ValidationError("an area authority names its area (专业镇, park or county)", field="area")
        text.check_name(area, field="area")
        if len(area) > 100:
            raise ValidationError("area has at most 100 characters", field="area")
        return level, area
    if area:
        raise ValidationError("only an area authority names an area", field="area")
    return level, None


def _bank_details(bank_name: str | None, bank_account: str | None) -> tuple[str | None, str | None]:
    bank_name = (bank_name or "").strip() or None
    bank_account = (bank_account or "").strip() or None
    if bool(bank_name) != bool(bank_account):
        raise ValidationError("bank_name and bank_account go together", field="bank_account")
    text.check_name(bank_name, field="bank_name")
    if bank_account is not None:
        bank_account = bank_account.replace(" ", "")
        if not bank_account.isascii() or not bank_account.isdigit() or not 6 <= len(bank_account) <= 40:
            raise ValidationError("bank_account must be 6 to 40 digits", field="bank_account")
    return bank_name, bank_account


def change_bank_account(uow, *, actor_id: int, org_id: int, bank_name: str, bank_account: str,
                        reason: str) -> Organisation:
    """Correct where an organisation is paid. The change is recorded (who, when, old and new, why)
    in ``bank_account_change``, which is never updated; payout batches built afterwards pay the new
    account, batches built before keep the account they were built with."""
    if not reason or not reason.strip():
        raise ValidationError("a reason is required: the change is audited", field="reason")
    bank_name, bank_account = _bank_details(bank_name, bank_account)
    if bank_account is None:
        raise ValidationError("bank_name and bank_account are required", field="bank_account")
    s = uow.session
    org = fetch(s, Organisation, org_id, lock=True, missing=OrganisationNotFound, what="organisation")
    s.add(BankAccountChange(org_id=org.id, changed_by=actor_id, old_bank_name=org.bank_name,
                            old_bank_account=org.bank_account, new_bank_name=bank_name,
                            new_bank_account=bank_account, reason=reason.strip()[:500]))
    org.bank_name, org.bank_account = bank_name, bank_account
    s.add(org)
    uow.commit()
    return org


def bank_account_changes(session, org_id: int) -> list[BankAccountChange]:
    get(session, org_id)
    return list(session.exec(select(BankAccountChange).where(BankAccountChange.org_id == org_id)
                             .order_by(BankAccountChange.id)))


def get(session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise OrganisationNotFound(f"organisation {org_id} not found", details={"org_id": org_id})
    return org



def list_page(session, *, kind: str | None, after: int, limit: int) -> list[Organisation]:
    q = select(Organisation).where(Organisation.id > after).order_by(Organisation.id).limit(limit)
    if kind:
        q = q.where(Organisation.kind == kind)
    return list(session.exec(q))

"""Product use cases: register, change (a new version), submit, review, delist, read, and the
pinning of an approved version that the contract code calls.

Roles are checked by the API; ownership and maker-checker are checked here, where every caller
(API, import, demo) passes through them."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from sqlmodel import select

from adapters.tables import locked
from catalog import rules
from catalog.errors import (
    DuplicateProduct,
    Forbidden,
    InvalidProductState,
    ProductNotApproved,
    ProductNotFound,
    ProductNotValidOnDate,
    SelfApproval,
    ValidationError,
)
from catalog.models import Product, ProductVersion
from kernel import clock
from kernel.errors import Unauthenticated
from kernel.money import from_fen, to_fen
from parties.models import Organisation

V = ProductVersion


@dataclass(frozen=True)
class Actor:
    """Who acts or reads: ``None`` as a whole means an anonymous reader."""
    user_id: int | None
    org_id: int | None
    staff: bool = False


@dataclass(frozen=True)
class ProductView:
    """One version of a product as callers see it; ``id`` is the product id."""
    id: int
    version_id: int
    version: int
    status: str
    provider_id: int
    provider_name: str
    name: str
    item_kind: str
    unit: str
    unit_price: int
    scenario: str
    modules: tuple[str, ...]
    expected_effect: str
    standard: rules.Standard
    valid_from: dt.date
    valid_to: dt.date
    rejection_reason: str | None
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime

    @property
    def item_kind_label(self) -> str:
        return rules.ITEM_KINDS[self.item_kind].label_zh

    @property
    def standard_text(self) -> str:
        return rules.describe_standard(self.standard, self.unit)


@dataclass(frozen=True)
class PinnedProduct:
    """The approved version a contract line is signed on; the contract stores ``version_id``."""
    product_id: int
    version_id: int
    version: int
    provider_id: int
    name: str
    item_kind: str
    unit: str
    unit_price: int
    standard: rules.Standard


def _view(v: ProductVersion, provider_id: int, provider_name: str) -> ProductView:
    return ProductView(
        id=v.product_id, version_id=v.id, version=v.version, status=v.status, provider_id=provider_id,
        provider_name=provider_name, name=v.name, item_kind=v.item_kind, unit=v.unit, unit_price=v.unit_price,
        scenario=v.scenario, modules=tuple(json.loads(v.modules)), expected_effect=v.expected_effect,
        standard=load_standard(v.standard), valid_from=v.valid_from, valid_to=v.valid_to,
        rejection_reason=v.rejection_reason, submitted_at=v.submitted_at, reviewed_at=v.reviewed_at,
        created_at=v.created_at)


def load_standard(stored: str) -> rules.Standard:
    return rules.parse_standard(json.loads(stored))


def _dump_standard(std: rules.Standard) -> str:
    return json.dumps(rules.standard_to_dict(std), ensure_ascii=False, sort_keys=True)


def _spec_fields(spec: rules.ProductSpec) -> dict[str, Any]:
    return dict(name=spec.name, item_kind=spec.item_kind, unit=spec.unit, unit_price=to_fen(spec.unit_price),
                scenario=spec.scenario, modules=json.dumps(list(spec.modules), ensure_ascii=False),
                expected_effect=spec.expected_effect, standard=_dump_standard(spec.standard),
                valid_from=spec.valid_from, valid_to=spec.valid_to)


def _version_fields(v: ProductVersion) -> dict[str, Any]:
    """A stored version back in ``check_product``'s terms, to merge a change into."""
    return dict(name=v.name, item_kind=v.item_kind, unit=v.unit, unit_price=from_fen(v.unit_price),
                scenario=v.scenario, modules=json.loads(v.modules), expected_effect=v.expected_effect,
                standard=load_standard(v.standard), valid_from=v.valid_from, valid_to=v.valid_to)


def _as_rules_input(fields: dict[str, Any]) -> dict[str, Any]:
    """The API hands money as integer fen; the rules speak Decimal yuan."""
    out = dict(fields)
    price = out.get("unit_price")
    if isinstance(price, int) and not isinstance(price, bool):
        out["unit_price"] = from_fen(price)
    return out


# ------------------------------------------------------------------------------------------
# Writes
# ------------------------------------------------------------------------------------------

def provider_of(session, actor: Actor) -> Organisation:
    """The provider organisation an actor registers products for."""
    org = session.get(Organisation, actor.org_id) if actor.org_id is not None else None
    if org is None or org.kind != "provider":
        raise Forbidden("only a user of a provider organisation registers products")
    return org


def names_in_use(session, provider_id: int, *, except_product: int | None = None) -> set[str]:
    """The names of a provider's products (latest versions): a provider lists a product once.

    Only writers call this, and it locks the provider's row first, so two concurrent registrations
    cannot both see a name as free (PostgreSQL runs at READ COMMITTED)."""
    session.exec(select(Organisation.id).where(Organisation.id == provider_id).with_for_update()).first()
    q = (select(V.name).join(Product, Product.id == V.product_id)
         .where(Product.provider_id == provider_id, V.version == Product.latest_version))
    if except_product is not None:
        q = q.where(Product.id != except_product)
    return set(session.exec(q))


def add_draft(session, *, provider_id: int, spec: rules.ProductSpec, actor: Actor) -> ProductVersion:
    """Insert a new product with its first version as a draft (no commit: the caller commits)."""
    now = clock.now()
    product = Product(provider_id=provider_id, latest_version=1, status="draft", created_at=now, updated_at=now)
    session.add(product)
    session.flush()
    version = V(product_id=product.id, version=1, status="draft", created_by=actor.user_id, created_at=now,
                **_spec_fields(spec))
    session.add(version)
    session.flush()
    return version


def register(uow, *, actor: Actor, name: Any, item_kind: Any, unit: Any, unit_price: Any, scenario: Any,
             modules: Any, expected_effect: Any, standard: Any, valid_from: Any, valid_to: Any) -> ProductView:
    """A provider lists a product: version 1, a draft until submitted."""
    s = uow.session
    org = provider_of(s, actor)
    spec = rules.product_spec(**_as_rules_input(dict(
        name=name, item_kind=item_kind, unit=unit, unit_price=unit_price, scenario=scenario, modules=modules,
        expected_effect=expected_effect, standard=standard, valid_from=valid_from, valid_to=valid_to)))
    if spec.name in names_in_use(s, org.id):
        raise DuplicateProduct(f"you already list a product named {spec.name}", details={"field": "name"})
    version = add_draft(s, provider_id=org.id, spec=spec, actor=actor)
    view = _view(version, org.id, org.name)
    uow.commit()
    return view


def _lock(session, product_id: int) -> tuple[Product, ProductVersion, Organisation]:
    product = session.exec(locked(select(Product).where(Product.id == product_id))).first()
    if product is None:
        raise ProductNotFound(f"product {product_id} not found", details={"product_id": product_id})
    latest = session.exec(select(V).where(V.product_id == product_id, V.version == product.latest_version)).one()
    return product, latest, session.get(Organisation, product.provider_id)


def _own(product: Product, actor: Actor) -> None:
    if actor.org_id != product.provider_id:
        raise Forbidden("this product belongs to another provider", details={"product_id": product.id})


def _expect(latest: ProductVersion, *statuses: str, doing: str) -> None:
    if latest.status not in statuses:
        raise InvalidProductState(
            f"cannot {doing}: version {latest.version} is {latest.status}, not {' or '.join(statuses)}",
            details={"status": latest.status, "version": latest.version, "expected": list(statuses)})


def change(uow, *, actor: Actor, product_id: int, changes: dict[str, Any]) -> ProductView:
    """A provider changes a product. A draft is edited in place; a reviewed version (approved or
    rejected, delisted) is never touched: the change becomes the next version, a draft that needs
    approval again, while an approved old version stays valid for contracts signed on it. This is
    also how a delisted product comes back."""
    unknown = sorted(set(changes) - set(rules.PRODUCT_FIELDS))
    if unknown:
        raise ValidationError(f"{unknown[0]} cannot be changed", field=unknown[0])
    if not changes:
        raise ValidationError("nothing to change: send at least one field")
    s = uow.session
    product, latest, org = _lock(s, product_id)
    _own(product, actor)
    _expect(latest, "draft", "approved", "rejected", "delisted", doing="change the product")
    merged = {**_version_fields(latest), **_as_rules_input(changes)}
    spec = rules.product_spec(**merged)
    if spec.name in names_in_use(s, product.provider_id, except_product=product.id):
        raise DuplicateProduct(f"you already list a product named {spec.name}", details={"field": "name"})
    now = clock.now()
    if latest.status == "draft":
        for key, value in _spec_fields(spec).items():
            setattr(latest, key, value)
        version = latest
    else:
        version = V(product_id=product.id, version=latest.version + 1, status="draft", created_by=actor.user_id,
                    created_at=now, **_spec_fields(spec))
        s.add(version)
        product.latest_version = version.version
        product.status = "draft"
    product.updated_at = now
    s.flush()
    view = _view(version, org.id, org.name)
    uow.commit()
    return view


def submit(uow, *, actor: Actor, product_id: int) -> ProductView:
    s = uow.session
    product, latest, org = _lock(s, product_id)
    _own(product, actor)
    _expect(latest, "draft", doing="submit")
    now = clock.now()
    latest.status, latest.submitted_by, latest.submitted_at = "submitted", actor.user_id, now
    product.status, product.updated_at = "submitted", now
    s.flush()
    view = _view(latest, org.id, org.name)
    uow.commit()
    return view


def _review(uow, actor: Actor, product_id: int, *, approve: bool, reason: str | None) -> ProductView:
    s = uow.session
    product, latest, org = _lock(s, product_id)
    _expect(latest, "submitted", doing="approve" if approve else "reject")
    if actor.org_id == product.provider_id:
        raise SelfApproval("a reviewer of the organisation that registered the product cannot review it",
                           details={"product_id": product.id})
    if actor.user_id is not None and actor.user_id in (latest.submitted_by, latest.created_by):
        raise SelfApproval("the user who registered or submitted this version cannot review it",
                           details={"product_id": product.id, "version": latest.version})
    now = clock.now()
    latest.reviewed_by, latest.reviewed_at = actor.user_id, now
    if approve:
        latest.status = "approved"
        product.approved_version = latest.version
    else:
        latest.status, latest.rejection_reason = "rejected", reason
    product.status, product.updated_at = latest.status, now
    s.flush()
    view = _view(latest, org.id, org.name)
    uow.commit()
    return view


def approve(uow, *, actor: Actor, product_id: int) -> ProductView:
    return _review(uow, actor, product_id, approve=True, reason=None)


def reject(uow, *, actor: Actor, product_id: int, reason: str) -> ProductView:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("a rejection needs a reason the provider can act on", field="reason")
    if len(reason) > 500:
        raise ValidationError("the reason has more than 500 characters", field="reason")
    return _review(uow, actor, product_id, approve=False, reason=reason)


def delist(uow, *, actor: Actor, product_id: int) -> ProductView:
    """Take a product out of the catalogue: no new contract can use it. Contracts already signed
    keep their pinned version id; the version rows themselves stay."""
    s = uow.session
    product, latest, org = _lock(s, product_id)
    if not actor.staff:
        _own(product, actor)
    approved = list(s.exec(select(V).where(V.product_id == product.id, V.status == "approved")))
    if not approved:
        raise InvalidProductState("cannot delist: no version is approved", details={"status": latest.status})
    for v in approved:
        v.status = "delisted"
    product.approved_version = None
    product.status, product.updated_at = latest.status, clock.now()
    s.flush()
    newest = max(approved, key=lambda v: v.version)
    view = _view(newest, org.id, org.name)
    uow.commit()
    return view


# ------------------------------------------------------------------------------------------
# Reads
# ------------------------------------------------------------------------------------------

def _sees_everything(viewer: Actor | None, product: Product) -> bool:
    return viewer is not None and (viewer.staff or viewer.org_id == product.provider_id)


def get(session, *, viewer: Actor | None, product_id: int,
        version: int | None = None) -> tuple[ProductView, list[ProductView]]:
    """The product as ``viewer`` may see it (the latest version for its provider and staff, the
    newest approved one for everyone else), and the versions ``viewer`` may see."""
    product = session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} not found", details={"product_id": product_id})
    org = session.get(Organisation, product.provider_id)
    q = select(V).where(V.product_id == product_id).order_by(V.version)
    if not _sees_everything(viewer, product):
        q = q.where(V.status == "approved")
    versions = [_view(v, org.id, org.name) for v in session.exec(q)]
    if not versions:
        if viewer is None:
            raise Unauthenticated("this product is not published; sign in as its provider or as staff")
        raise Forbidden("this product is not published and belongs to another provider",
                        details={"product_id": product_id})
    if version is None:
        return versions[-1], versions
    chosen = [v for v in versions if v.version == version]
    if not chosen:
        raise ProductNotFound(f"product {product_id} has no version {version} you may see",
                              details={"product_id": product_id, "version": version})
    return chosen[0], versions


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_page(session, *, viewer: Actor | None, item_kind: str | None = None, status: str | None = None,
              provider_id: int | None = None, q: str | None = None, valid_on: dt.date | None = None,
              after: int = 0, limit: int = 50, provider_ids: Sequence[int] | None = None) -> list[ProductView]:
    """One row per product: its newest version that ``viewer`` may see and that matches
    ``status``/``provider_id``/``valid_on`` (everyone sees approved versions; a provider also its
    own, staff all). ``item_kind`` and ``q`` then filter that row, so a search never surfaces a
    superseded version. Ordered by product id; ``after`` is the last product id of the previous page."""
    chosen = [Product.provider_id == provider_id] if provider_id is not None else []
    if provider_ids is not None:  # e.g. the providers of one cluster pilot's alliance
        chosen.append(Product.provider_id.in_(list(provider_ids)))
    if viewer is None or not (viewer.staff or viewer.org_id is not None):
        chosen.append(V.status == "approved")
    elif not viewer.staff:
        chosen.append(sa.or_(V.status == "approved", Product.provider_id == viewer.org_id))
    if status:
        chosen.append(V.status == status)
    if valid_on is not None:
        chosen += [V.valid_from <= valid_on, V.valid_to >= valid_on]
    newest = (select(sa.func.max(V.id)).join(Product, Product.id == V.product_id)
              .where(*chosen).group_by(V.product_id))
    stmt = (select(V, Product.provider_id, Organisation.name)
            .join(Product, Product.id == V.product_id)
            .join(Organisation, Organisation.id == Product.provider_id)
            .where(V.id.in_(newest.scalar_subquery()), V.product_id > after)
            .order_by(V.product_id).limit(limit))
    if item_kind:
        stmt = stmt.where(V.item_kind == item_kind)
    if q and q.strip():
        pattern = _like(q.strip())
        stmt = stmt.where(sa.or_(*(col.ilike(pattern, escape="\\")
                                   for col in (V.name, V.scenario, V.modules, V.expected_effect))))
    return [_view(v, pid, pname) for v, pid, pname in session.exec(stmt)]


def pin_for_contract(session, *, product_id: int, on_date: dt.date) -> PinnedProduct:
    """The approved version of ``product_id`` valid on ``on_date`` (the newest if several)."""
    product = session.get(Product, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} not found", details={"product_id": product_id})
    approved = list(session.exec(select(V).where(V.product_id == product_id, V.status == "approved")
                                 .order_by(V.version.desc())))
    if not approved:
        raise ProductNotApproved(f"product {product_id} has no approved version",
                                 details={"product_id": product_id, "status": product.status})
    for v in approved:
        if v.valid_from <= on_date <= v.valid_to:
            return PinnedProduct(product_id=product_id, version_id=v.id, version=v.version,
                                 provider_id=product.provider_id, name=v.name, item_kind=v.item_kind, unit=v.unit,
                                 unit_price=v.unit_price, standard=load_standard(v.standard))
    raise ProductNotValidOnDate(
        f"no approved version of product {product_id} is valid on {on_date.isoformat()}",
        details={"product_id": product_id, "on_date": on_date.isoformat(),
                 "windows": [{"version": v.version, "valid_from": v.valid_from.isoformat(),
                              "valid_to": v.valid_to.isoformat()} for v in approved]})


__all__ = ["Actor", "ProductView", "PinnedProduct", "register", "change", "submit", "approve", "reject", "delist",
           "get", "list_page", "pin_for_contract", "add_draft", "names_in_use", "provider_of", "load_standard"]

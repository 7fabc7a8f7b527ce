"""Lists of a party's objects: staff see all, an organisation sees what it is a party to."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select


def party_page(session, model, *, actor, after: int, limit: int, **equal) -> list:
    """Rows of ``model`` (which has ``enterprise_id`` and ``provider_id``) after id ``after``,
    filtered by the non-empty ``equal`` values."""
    q = select(model).where(model.id > after).order_by(model.id).limit(limit)
    if not actor.is_staff:
        q = q.where(sa.or_(model.enterprise_id == actor.org_id, model.provider_id == actor.org_id))
    for column, value in equal.items():
        if value:
            q = q.where(getattr(model, column) == value)
    return list(session.exec(q))

"""Building blocks for tests: organisations and users made through the real services."""
from __future__ import annotations

import datetime as dt
import itertools

from parties import service as organisations
from parties.rules import uscc_check_digit
from yunquan import users

_counter = itertools.count(1)


def uscc(n: int | None = None, area: str = "440600") -> str:
    n = next(_counter) if n is None else n
    first17 = f"91{area}MA{n:07d}"
    return first17 + uscc_check_digit(first17)


class World:
    """``w = World(uow_factory)``; ``w.org("enterprise", city="佛山")``; ``w.user("reviewer", org)``."""

    def __init__(self, uow_factory):
        self.uow_factory = uow_factory

    def org(self, kind: str, *, name: str | None = None, city: str = "佛山", founded_on=dt.date(2015, 1, 1),
            prior_year_revenue: int | None = 100_000_000, provider_class: str | None = None, **extra):
        if kind == "provider" and provider_class is None:
            provider_class = "other"
        if kind != "enterprise":
            prior_year_revenue = extra.pop("prior_year_revenue", None) if "prior_year_revenue" in extra else None
        with self.uow_factory() as uow:
            return organisations.register(
                uow, kind=kind, name=name or f"{kind} {next(_counter)}", uscc=uscc(), city=city,
                founded_on=founded_on, prior_year_revenue=prior_year_revenue, provider_class=provider_class,
                bank_name=extra.get("bank_name", "测试银行"), bank_account=extra.get("bank_account", "6222000011112222"),
                level=extra.get("level"), area=extra.get("area"))

    def user(self, roles: str | list[str], org=None, *, username: str | None = None) -> tuple[int, str]:
        roles = [roles] if isinstance(roles, str) else roles
        with self.uow_factory() as uow:
            user, token = users.create_user(uow, username=username or f"u{next(_counter)}", roles=roles,
                                            org_id=org.id if org is not None else None)
        return user.id, token

    def token(self, roles, org=None) -> str:
        return self.user(roles, org)[1]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def row_count(engine, model) -> int:
    import sqlalchemy as sa
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar()

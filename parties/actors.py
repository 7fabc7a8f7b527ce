"""Who is acting: a user, the organisation they act for, and whether they are staff.

Services take an ``Actor`` rather than the web request's principal, so they run the same from the
API, the CLI, the demo loader and the tests."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int
    org_id: int | None
    org_city: str | None = None
    is_staff: bool = False
    # Reviewers and finance staff act province-wide unless a scheme sets ``review_scope: city``;
    # then they see and act on their authority's city only. Auditors and admins always see all.
    city_scoped: bool = False

    @property
    def scoped_city(self) -> str | None:
        """The city a ``review_scope: city`` scheme limits this actor to (None: not limited)."""
        return self.org_city if self.is_staff and self.city_scoped else None

    @classmethod
    def of(cls, principal) -> "Actor":
        """The actor behind an authenticated principal (``adapters.access.Principal``)."""
        return cls(user_id=principal.user_id, org_id=principal.org_id, org_city=principal.org_city,
                   is_staff=principal.is_staff, city_scoped=principal.is_staff and not principal.has("auditor", "admin"))

"""Kinds of claim register what happens to their own objects as a claim moves through review.

A voucher's redemption, a financing reward and a talent voucher are all claims: one review,
rework, publicity, objection and payout (``claims.service``). What differs is what each kind
opens the claim on and what it must do to its own objects when the claim is approved, objected
to or lapses. Each kind subclasses ``ClaimKind`` and is registered at start-up by the one
bootstrap function (``yunquan.bootstrap``) that the app, the CLI and the tests call; ``claims``
never imports a kind.

A hook runs inside the caller's unit of work, with the claim's scheme and the claim locked. It
never commits, and its errors propagate: a hook that fails fails the whole step.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from kernel.errors import DomainError


class UnknownClaimKind(DomainError):
    status = 500
    code = "UNKNOWN_CLAIM_KIND"


class ClaimKind:
    """The base of every kind; the defaults do nothing."""

    code: ClassVar[str] = ""
    # Fields this kind adds to every claim of its kind in API responses (name -> marshmallow field),
    # e.g. a voucher claim's ``voucher_id``; documented on the claim schema.
    response_fields: ClassVar[dict[str, Any]] = {}

    def on_approved(self, uow, claim, *, on: dt.date) -> None:
        """The claim was approved: its money is payable, the rest of its reservation freed."""

    def on_objected(self, uow, claim, *, on: dt.date) -> None:
        """An objection sent the claim back to review: its money is held again."""

    def on_lapsed(self, uow, claim, *, on: dt.date) -> None:
        """A returned claim was not corrected before ``claim.lapses_on``: its money is freed."""

    def details(self, session, claims: list) -> dict[int, dict[str, Any]]:
        """What this kind shows of each claim beyond the shared fields (``response_fields``)."""
        return {}


_KINDS: dict[str, ClaimKind] = {}


def register(kind: ClaimKind) -> None:
    """Register a kind (at start-up). Registering the same code again replaces it."""
    if not kind.code:
        raise ValueError("a claim kind needs a code")
    _KINDS[kind.code] = kind


def get(code: str) -> ClaimKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise UnknownClaimKind(f"no claim kind {code!r} is registered; the service was not bootstrapped",
                               details={"kind": code}) from None


def registered() -> dict[str, ClaimKind]:
    return dict(_KINDS)

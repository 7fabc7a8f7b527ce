"""Portal passwords and login attempts.

A password is stored only as an argon2id hash (argon2-cffi's ``PasswordHasher``, its recommended
parameters, rehashed on login when they change). Login attempts are rows of ``login_attempt``, so
the limits hold across every gunicorn worker and machine: an attempt is written and committed
before it is counted, so attempts made at the same moment all count against each other, and an
attempt over a limit is refused without looking at the password."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import select

from kernel import clock
from kernel.errors import DomainError, ValidationError
from yunquan.models import LoginAttempt, User

MIN_LENGTH = 10
MAX_LENGTH = 200
_hasher = PasswordHasher()
# verified when the username is unknown, so an unknown name takes as long as a wrong password
_DUMMY = _hasher.hash("yunquan-no-such-user")


class LoginFailed(DomainError):
    def __init__(self):
        super().__init__("wrong username or password", code="LOGIN_FAILED", status=401)


class LoginRateLimited(DomainError):
    def __init__(self, minutes: int):
        super().__init__(f"too many failed login attempts; try again in {minutes} minutes",
                         code="LOGIN_RATE_LIMITED", status=429, details={"retry_after_minutes": minutes})


@dataclass(frozen=True)
class Limits:
    per_username: int = 5     # failed attempts per username in the window
    per_address: int = 20     # failed attempts per client address in the window
    window_minutes: int = 15


def check_password_rules(password) -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationError(f"password must be {MIN_LENGTH} to {MAX_LENGTH} characters", field="password")
    if "\x00" in password:
        raise ValidationError("text must not contain NUL characters", field="password")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password_rules(password))


def set_password(uow, *, user_id: int, password: str) -> None:
    """Set (or replace) a user's portal password."""
    user = uow.session.get(User, user_id)
    if user is None:
        from kernel.errors import NotFound
        raise NotFound(f"user {user_id} not found", details={"user_id": user_id})
    user.password_hash = hash_password(password)
    uow.session.add(user)
    uow.commit()


def _failures(session, column, value, since: dt.datetime) -> int:
    return session.execute(select(sa.func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.ok.is_(False), LoginAttempt.at >= since)).scalar_one()


def login(uow_factory, *, username: str, password: str, address: str, limits: Limits = Limits()) -> int:
    """The user id for a right username and password of an active user; ``LoginFailed`` otherwise,
    ``LoginRateLimited`` when the username or the address failed too often in the window."""
    username = (username or "").strip()[:80]
    address = (address or "unknown")[:64]
    now = clock.now()
    with uow_factory() as uow:
        attempt = LoginAttempt(username=username, address=address, ok=False, at=now)
        uow.session.add(attempt)
        uow.session.flush()
        attempt_id = attempt.id
        uow.commit()
    since = now - dt.timedelta(minutes=limits.window_minutes)
    with uow_factory.reader() as s:
        last_ok = s.execute(select(sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.ok.is_(True))).scalar_one()
        if last_ok is not None:
            last_ok = last_ok if last_ok.tzinfo else last_ok.replace(tzinfo=dt.timezone.utc)
        by_name = _failures(s, LoginAttempt.username, username, max(since, last_ok) if last_ok else since)
        by_address = _failures(s, LoginAttempt.address, address, since)
        if by_name > limits.per_username or by_address > limits.per_address:
            raise LoginRateLimited(limits.window_minutes)
        user = s.exec(select(User).where(User.username == username)).first()
        stored = user.password_hash if user is not None and user.active else None
    try:
        _hasher.verify(stored or _DUMMY, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise LoginFailed() from None
    if stored is None:
        raise LoginFailed()
    with uow_factory() as uow:
        uow.session.execute(sa.update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(ok=True))
        if _hasher.check_needs_rehash(stored):
            uow.session.execute(sa.update(User).where(User.id == user.id).values(password_hash=_hasher.hash(password)))
        uow.commit()
    return user.id


def purge_attempts(session, *, older_than_hours: int = 24) -> int:
    cutoff = clock.now() - dt.timedelta(hours=older_than_hours)
    return session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount

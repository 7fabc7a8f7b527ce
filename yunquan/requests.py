"""Per-request hooks: bearer-token authentication and ``Idempotency-Key`` replays.

A POST with ``Idempotency-Key`` is looked up under (user, key): a stored answer is replayed
(``Idempotent-Replayed: true``), or refused as ``IDEMPOTENCY_MISMATCH`` if the key came with a
different request. Otherwise the request's work is held uncommitted (``yunquan.db.HeldWork``)
and committed together with the row that stores its response, so a key is done with its response
or not done at all. A server error stores nothing: a retry runs again. Two requests with the same
key at once: the second waits on the first's row (PostgreSQL's unique index; SQLite serialises
writers), finds it and drops its own work, answering with the first's response; its work is never
saved twice. Answers live ``IDEMPOTENCY_TTL_HOURS`` (24 by default; ``yunquan daily`` purges them),
bodies larger than ``IDEMPOTENCY_MAX_RESPONSE_BYTES`` are not kept (a replay then answers
``IDEMPOTENCY_RESPONSE_NOT_KEPT`` with the status), and fields a view marks secret (``keep_secret``:
the token of ``POST /users``) are stored as null: a replay never shows a secret.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from sqlmodel import Session

from kernel import clock
from kernel.text import NUL_MESSAGE
from kernel.errors import Conflict, DomainError, Unauthenticated, ValidationError
from yunquan.db import HeldWork, close_read_session
from yunquan.models import IdempotentRequest
from yunquan.users import principal_for_token

IR = IdempotentRequest.__table__


def _ext():
    from flask import current_app
    return current_app.extensions["yunquan"]


def authenticate() -> None:
    g.principal = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization must be 'Bearer <token>'")
    with _ext().uow_factory.reader() as s:
        principal = principal_for_token(s, token.strip())
    if principal is None:
        raise Unauthenticated("the token is unknown or revoked")
    g.principal = principal


def _request_hash() -> str:
    h = hashlib.sha256()
    h.update(f"{request.method} {request.path}?{request.query_string.decode()}\n".encode())
    if request.mimetype == "multipart/form-data":
        # the boundary is random per request: the same upload sent twice differs in its raw bytes,
        # so hash what was sent (fields, file names and contents), not how it was framed
        for name, value in sorted(request.form.items(multi=True)):
            _part(h, "field", name, value.encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: (kv[0], kv[1].filename or "")):
            _part(h, "file", name, (upload.filename or "").encode())
            start = upload.stream.tell()
            for chunk in iter(lambda: upload.stream.read(1 << 16), b""):
                h.update(chunk)
            upload.stream.seek(start)
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def _part(h, kind: str, name: str, value: bytes) -> None:
    h.update(f"{kind}:{len(name.encode())}:{name}:{len(value)}:".encode())
    h.update(value)


def _replay(row) -> Response:
    if row.response_body is None:
        raise Conflict(f"this request was done (status {row.status_code}) but its response was too large to keep "
                       "for replays; read the result instead", code="IDEMPOTENCY_RESPONSE_NOT_KEPT",
                       details={"status": row.status_code})
    resp = Response(row.response_body, status=row.status_code, content_type=row.content_type)
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _lookup(session, user_id: int, key: str):
    """The live (not expired) stored answer under this user's key, or None."""
    return session.execute(sa.select(IR).where(IR.c.user_id == user_id, IR.c.key == key,
                                               IR.c.created_at >= clock.now() - _ttl())).first()


def _ttl() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])


def _mismatch(key: str) -> Conflict:
    return Conflict("this Idempotency-Key was used for a different request", code="IDEMPOTENCY_MISMATCH",
                    details={"key": key})


def replay_or_hold():
    """Before a POST with ``Idempotency-Key``: answer with the stored response, or hold the
    request's work until its response can be stored with it (``remember_response``)."""
    g.yq_idempotency = None
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or key is None or g.get("principal") is None:
        return None
    if not 1 <= len(key) <= 200 or not key.isprintable() or not key.isascii():
        raise ValidationError("Idempotency-Key must be 1 to 200 printable ASCII characters", field="Idempotency-Key")
    digest = _request_hash()
    with _ext().uow_factory.reader() as s:
        row = _lookup(s, g.principal.user_id, key)
    if row is not None:
        if row.request_hash != digest:
            raise _mismatch(key)
        return _replay(row)
    g.yq_idempotency = (key, digest)
    g.yq_held_work = HeldWork()
    return None


def _keepable(response: Response) -> str | None:
    """The body to store for replays: secrets the view named taken out; None when too large."""
    body = response.get_data(as_text=True)
    secret = g.get("yq_secret_fields") or ()
    if secret and response.is_json:
        data = json.loads(body)
        if isinstance(data, dict):
            body = json.dumps({k: (None if k in secret else v) for k, v in data.items()}, ensure_ascii=False)
    if len(body.encode()) > current_app.config["IDEMPOTENCY_MAX_RESPONSE_BYTES"]:
        return None
    return body


def remember_response(response: Response) -> Response:
    """After the view: store the response under its key in the transaction of the request's work
    and commit both; a server error stores nothing and lets its work roll back. If a concurrent
    request with the same key was stored first, its work stands, ours is dropped, and its answer
    is ours."""
    ticket, held = g.pop("yq_idempotency", None), g.pop("yq_held_work", None)
    if ticket is None:
        return response
    key, digest = ticket
    if response.status_code >= 500 or response.direct_passthrough:
        held.release()  # nothing of it is saved: a retry runs again
        return response
    row = dict(user_id=g.principal.user_id, key=key, method=request.method, path=request.path[:300],
               request_hash=digest, status_code=response.status_code, response_body=_keepable(response),
               content_type=response.content_type, created_at=clock.now())
    session = held.session or Session(_ext().engine, expire_on_commit=False)
    held.session = session
    try:
        # an expired answer under the same key makes room (rows live IDEMPOTENCY_TTL_HOURS)
        session.execute(sa.delete(IR).where(IR.c.user_id == row["user_id"], IR.c.key == key,
                                            IR.c.created_at < row["created_at"] - _ttl()))
        session.execute(sa.insert(IR).values(**row))
        held.commit()
    except sa.exc.IntegrityError:
        held.release()
        with _ext().uow_factory.reader() as s:
            first = _lookup(s, row["user_id"], key)
        if first is None:  # pragma: no cover - the winner's row expired in between
            raise
        if first.request_hash != digest:
            raise _mismatch(key) from None
        return _replay(first)
    finally:
        held.release()
    return response


def drop_held_work(_exc=None) -> None:
    """A request that ended without ``remember_response`` (an exception past every handler, a
    client gone) leaves nothing behind."""
    held = g.pop("yq_held_work", None)
    if held is not None:
        held.release()


def _nul(field: str) -> ValidationError:
    return ValidationError(NUL_MESSAGE, field=field)


def check_text_input() -> None:
    """NUL is refused wherever text comes in, with one message: the query string, form fields,
    uploaded files' names and JSON (PostgreSQL cannot store it; SQLite would)."""
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise _nul(name)
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in request.form.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise _nul(name)
        for name, upload in request.files.items(multi=True):
            if "\x00" in name or "\x00" in (upload.filename or ""):
                raise _nul(name)
    check_json_body()


def check_json_body() -> None:
    """Refuse JSON that no handler should see: text that is not valid Unicode (lone surrogates
    such as "\\ud800" cannot be stored or printed), NUL characters, nesting deeper than any request
    of this API, or integers longer than Python will convert."""
    if not request.is_json or not request.get_data(cache=True):
        return
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        raise DomainError("the request body is not valid JSON", code="MALFORMED_REQUEST", status=400) from None
    stack = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > 32:
            raise DomainError("the JSON body is nested too deeply", code="MALFORMED_REQUEST", status=400)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise _nul("body")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise DomainError("text must be valid Unicode (no lone surrogates)", code="VALIDATION_ERROR",
                                  status=422) from None


def register(app: Flask) -> None:
    app.before_request(check_text_input)
    app.before_request(authenticate)
    app.before_request(replay_or_hold)
    app.after_request(remember_response)
    app.teardown_request(drop_held_work)
    app.teardown_request(close_read_session)


def purge_expired(session, *, ttl_hours: int) -> int:
    """Delete stored answers older than ``ttl_hours`` (the daily job); returns how many."""
    cutoff = clock.now() - dt.timedelta(hours=ttl_hours)
    return session.execute(sa.delete(IR).where(IR.c.created_at < cutoff)).rowcount

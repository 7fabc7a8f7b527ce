"""Per-request hooks: bearer-token authentication and ``Idempotency-Key`` replays."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from flask import Flask, Response, g, request

from adapters.tables import utc
from kernel import clock
from kernel.errors import Conflict, DomainError, Unauthenticated
from yunquan.models import IdempotentRequest
from yunquan.users import principal_for_token

IR = IdempotentRequest.__table__
STALE_AFTER = dt.timedelta(minutes=5)  # an in-flight row older than this belonged to a crashed worker


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


def replay_or_reserve():
    """Before a POST with ``Idempotency-Key``: return the stored first response, or claim the key."""
    g.idempotency_row = None
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or g.get("principal") is None:
        return None
    if len(key) > 200:
        raise Conflict("Idempotency-Key is longer than 200 characters", code="VALIDATION_ERROR", status=422)
    digest = _request_hash()
    user_id = g.principal.user_id
    with _ext().uow_factory() as uow:
        s = uow.session
        row = s.execute(sa.select(IR).where(IR.c.user_id == user_id, IR.c.key == key)).first()
        if row is not None:
            if row.request_hash != digest:
                raise Conflict("this Idempotency-Key was used for a different request", code="IDEMPOTENCY_MISMATCH",
                               details={"key": key})
            if row.status_code is not None:
                resp = Response(row.response_body, status=row.status_code, content_type=row.content_type)
                resp.headers["Idempotent-Replayed"] = "true"
                return resp
            if clock.now() - utc(row.created_at) < STALE_AFTER:
                raise Conflict("a request with this Idempotency-Key is still being processed",
                               code="IDEMPOTENCY_IN_PROGRESS", details={"key": key})
            s.execute(sa.delete(IR).where(IR.c.id == row.id))
        try:
            new_id = s.execute(sa.insert(IR).values(user_id=user_id, key=key, method=request.method,
                                                    path=request.path[:300], request_hash=digest,
                                                    created_at=clock.now()).returning(IR.c.id)).scalar_one()
            s.commit()  # the key's own bookkeeping: not the request's work (uow.commit() would say it was)
        except sa.exc.IntegrityError:
            raise Conflict("a request with this Idempotency-Key is still being processed",
                           code="IDEMPOTENCY_IN_PROGRESS", details={"key": key}) from None
    g.idempotency_row = new_id
    return None


def remember_response(response: Response) -> Response:
    row_id = g.get("idempotency_row")
    if not row_id:
        return response
    g.idempotency_row = None
    with _ext().uow_factory() as uow:
        if response.direct_passthrough or (response.status_code >= 500 and not g.get("yq_committed")):
            uow.session.execute(sa.delete(IR).where(IR.c.id == row_id))  # nothing was saved: a retry may run
        else:
            uow.session.execute(sa.update(IR).where(IR.c.id == row_id).values(
                status_code=response.status_code, response_body=response.get_data(as_text=True),
                content_type=response.content_type))
        uow.commit()
    return response


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
                raise DomainError("text must not contain NUL characters", code="VALIDATION_ERROR", status=422)
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise DomainError("text must be valid Unicode (no lone surrogates)", code="VALIDATION_ERROR",
                                  status=422) from None


def register(app: Flask) -> None:
    app.before_request(check_json_body)
    app.before_request(authenticate)
    app.before_request(replay_or_reserve)
    app.after_request(remember_response)

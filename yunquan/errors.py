"""One error shape for every failure: ``{"code", "message", "details"}`` with the HTTP status."""
from __future__ import annotations

import decimal
import logging

from flask import Flask, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from adapters import i18n
from kernel.errors import N_, DomainError

log = logging.getLogger("yunquan")

HTTP_CODES = {
    400: "MALFORMED_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_ERROR",
}


def error_response(status: int, code: str, message: str, details: dict | None = None):
    """The one error shape; ``message`` (and the texts in ``details``) in the request's language."""
    details = i18n.translate_details(details or {})
    resp = jsonify({"code": code, "message": i18n.translate(message, code), "details": details})
    resp.status_code = status
    if status == 401:  # RFC 6750: how to authenticate, and (a token was sent) that it is not valid
        presented = has_request_context() and request.headers.get("Authorization")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="yunquan"' + (', error="invalid_token"' if presented else "")
    return resp


def http_error(error: HTTPException):
    """Werkzeug/webargs errors: 404/405 routing, bad JSON, schema validation (422)."""
    data = getattr(error, "data", None) or {}
    details = {}
    messages = data.get("messages") or data.get("errors")
    if messages:
        # webargs nests by location ("json", "query", "form"); flatten one level for readers
        details["fields"] = {k: v for loc in messages.values() for k, v in loc.items()} \
            if all(isinstance(v, dict) for v in messages.values()) else messages
    status = error.code or 500
    code = HTTP_CODES.get(status, f"HTTP_{status}")
    message = data.get("message") or error.description or error.name
    if status == 422:
        message = N_("the request does not satisfy the schema")
        if details.get("fields"):
            details.setdefault("field", first_path(details["fields"]))
    if status == 400 and "json" in str(error.description).lower():
        message = N_("the request body is not valid JSON")
    resp = error_response(status, code, message, details)
    allow = dict(error.get_headers()).get("Allow")
    if allow:  # a 405 says which methods the resource has (RFC 9110 §15.5.6)
        resp.headers["Allow"] = allow
    return resp


def first_path(errors) -> str:
    """The dotted path of the first failing leaf: {"lines": {0: {"quantity": [...]}}} -> lines[0].quantity."""
    path = ""
    while isinstance(errors, dict) and errors:
        key = next(iter(errors))
        path += f"[{key}]" if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else \
            (f".{key}" if path else str(key))
        errors = errors[key]
    return path


def domain_error(error: DomainError):
    return error_response(error.status, error.code, error.message, error.details)


def unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    if isinstance(error, (OverflowError, decimal.InvalidOperation)) or \
            isinstance(getattr(error, "orig", None), OverflowError) or type(error).__name__ == "DataError":
        # a number the database cannot hold (an id beyond any row, an absurd amount); nothing was saved
        return error_response(422, "VALIDATION_ERROR", N_("a number in the request is out of range"))
    log.exception("unhandled error")
    return error_response(500, "INTERNAL_ERROR", N_("an internal error occurred; nothing was saved"))


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)

"""Errors are values with a stable ``code``; the API maps them to one JSON shape."""
from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Marks a text for the message catalogue where it is written, when it is raised elsewhere
    (``yunquan/messages.py`` extracts it; ``adapters/i18n.py`` translates it when it is answered)."""
    return message


class DomainError(Exception):
    status = 409
    code = "CONFLICT"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationError(DomainError):
    status = 422
    code = "VALIDATION_ERROR"

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None,
                 code: str | None = None):
        details = dict(details or {})
        if field is not None:
            details.setdefault("field", field)
        super().__init__(message, details=details, code=code)


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    status = 401
    code = "UNAUTHENTICATED"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


class InvalidState(Conflict):
    """The object is not in a status that allows this step."""
    code = "INVALID_STATE"


class SelfApproval(Forbidden):
    """Maker-checker: nobody approves what they submitted or prepared themselves."""
    code = "SELF_APPROVAL"

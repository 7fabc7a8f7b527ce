"""Marshmallow fields of the API conventions: money as strings with two decimals."""
from __future__ import annotations

from marshmallow import ValidationError, fields

from kernel.money import format_fen, parse_money


class Money(fields.Field):
    """``"55000.00"`` on the wire, integer fen inside. Numbers are refused: no floats, ever."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("description", "money in yuan, a string with exactly two decimals")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format_fen(int(value))

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_money(value, allow_negative=self.allow_negative)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def _jsonschema_type_mapping(self):  # pragma: no cover - docs only
        return {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}


class Stamp(fields.Field):
    """A stored UTC timestamp as RFC 3339 (``2026-03-02T02:00:00Z``); dump only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("dump_only", True)
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        from adapters.tables import rfc3339
        return rfc3339(value)


class JsonText(fields.Field):
    """A column holding JSON text, dumped as the value it encodes (or one key of it); dump only."""

    def __init__(self, *, pick: str | None = None, **kwargs):
        self.pick = pick
        kwargs.setdefault("dump_only", True)  # several fields may read one column
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        import json
        data = json.loads(value)
        return data.get(self.pick) if self.pick else data  # a key one kind of claim has and another lacks: null


class Rate(fields.Field):
    """A decimal fraction as a string (``"0.30"``); kept as ``Decimal``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)

    def _deserialize(self, value, attr, data, **kwargs):
        from decimal import Decimal, InvalidOperation
        if not isinstance(value, str):
            raise ValidationError("a rate must be a string such as \"0.30\"")
        try:
            d = Decimal(value)
        except InvalidOperation as exc:
            raise ValidationError(f"{value!r} is not a decimal") from exc
        if not d.is_finite():
            raise ValidationError(f"{value!r} is not a finite decimal")
        return d


ID_MAX = 2**31 - 1  # the database's INTEGER primary keys


class Id(fields.Integer):
    """An id a client sends: a positive integer this service could have issued. A JSON number
    must be a whole number (2.5 is refused, not truncated); a query string must be digits."""

    def __init__(self, **kwargs):
        from marshmallow import validate
        kwargs.setdefault("validate", validate.Range(min=1, max=ID_MAX, error="not an id this service issues"))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit())):
            raise ValidationError("must be a whole number id")
        return super()._deserialize(value, attr, data, **kwargs)

"""Lists: ``?limit=&cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out.

The cursor is the last id seen, base64-encoded so clients treat it as opaque.
"""
from __future__ import annotations

import base64
from typing import Any, Callable, Sequence

import marshmallow as ma

from kernel.errors import ValidationError


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = ma.fields.String(load_default=None)


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The response schema of a list: ``{"items": [item, ...], "next_cursor": str | null}``."""
    return ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(item)),
                                "next_cursor": ma.fields.String(allow_none=True)}, name=name)


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except Exception as exc:  # any garbage is the client's error, never a 500
        raise ValidationError("cursor is not one this service issued", field="cursor") from exc


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def page(rows: Sequence[Any], limit: int, dump: Callable[[Any], Any] = lambda r: r,
         key: Callable[[Any], int] = lambda r: r.id):
    """``rows`` were fetched with ``limit + 1``; the extra one tells whether there is a next page.
    Items are returned as they are (the endpoint's response schema dumps them once) unless ``dump``
    prepares them."""
    more = len(rows) > limit
    rows = list(rows[:limit])
    return {"items": [dump(r) for r in rows], "next_cursor": encode_cursor(key(rows[-1])) if more and rows else None}

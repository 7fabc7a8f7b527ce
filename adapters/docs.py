"""OpenAPI fragments that views attach with ``@blp.doc(...)`` where marshmallow schemas cannot
say it (files)."""
from __future__ import annotations

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(description: str, *content_types: str) -> dict:
    """``@blp.doc(**file_response("the bank file", CSV))``: a 200 whose body is a file."""
    return {"responses": {"200": {"description": description, "content": {
        ct: {"schema": {"type": "string", "format": "binary"}} for ct in content_types}}}}

"""Configuration from the environment (twelve-factor); ``create_app(test_config)`` overrides it."""
from __future__ import annotations

import os
from pathlib import Path


def from_environment() -> dict:
    return {
        "DATABASE_URL": os.environ.get("YUNQUAN_DATABASE_URL", f"sqlite:///{Path.cwd() / 'yunquan.db'}"),
        "EVIDENCE_DIR": os.environ.get("YUNQUAN_EVIDENCE_DIR", str(Path.cwd() / "var" / "evidence")),
        "MAX_EVIDENCE_BYTES": int(os.environ.get("YUNQUAN_MAX_EVIDENCE_BYTES", str(10 * 1024 * 1024))),
        "PUBLICITY_DAYS_OVERRIDE": (int(os.environ["YUNQUAN_PUBLICITY_DAYS_OVERRIDE"])
                                    if os.environ.get("YUNQUAN_PUBLICITY_DAYS_OVERRIDE") else None),
        "HOLIDAYS": os.environ.get("YUNQUAN_HOLIDAYS", ""),
        # Idempotency-Key answers: how long a key is remembered, and the largest response kept for replays
        "IDEMPOTENCY_TTL_HOURS": int(os.environ.get("YUNQUAN_IDEMPOTENCY_TTL_HOURS", "24")),
        "IDEMPOTENCY_MAX_RESPONSE_BYTES": int(os.environ.get("YUNQUAN_IDEMPOTENCY_MAX_RESPONSE_BYTES",
                                                             str(1024 * 1024))),
        "MAX_CONTENT_LENGTH": int(os.environ.get("YUNQUAN_MAX_REQUEST_BYTES", str(32 * 1024 * 1024))),
    }

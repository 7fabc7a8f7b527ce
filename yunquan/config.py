"""Configuration from the environment (twelve-factor); ``create_app(test_config)`` overrides it."""
from __future__ import annotations

import os
from pathlib import Path


def from_environment() -> dict:
    return {
        "DATABASE_URL": os.environ.get("YUNQUAN_DATABASE_URL", f"sqlite:///{Path.cwd() / 'yunquan.db'}"),
        # JSON lines outside the database: the ledger heads anchored at every period close, payout
        # batch approval and `yunquan ledger anchor`; `verify` checks the chain still holds them.
        "LEDGER_ANCHORS": os.environ.get("YUNQUAN_LEDGER_ANCHORS", str(Path.cwd() / "var" / "ledger-anchors.jsonl")),
        "EVIDENCE_DIR": os.environ.get("YUNQUAN_EVIDENCE_DIR", str(Path.cwd() / "var" / "evidence")),
        "MAX_EVIDENCE_BYTES": int(os.environ.get("YUNQUAN_MAX_EVIDENCE_BYTES", str(10 * 1024 * 1024))),
        "PUBLICITY_DAYS_OVERRIDE": (int(os.environ["YUNQUAN_PUBLICITY_DAYS_OVERRIDE"])
                                    if os.environ.get("YUNQUAN_PUBLICITY_DAYS_OVERRIDE") else None),
        "HOLIDAYS": os.environ.get("YUNQUAN_HOLIDAYS", ""),
        "MAX_CONTENT_LENGTH": int(os.environ.get("YUNQUAN_MAX_REQUEST_BYTES", str(32 * 1024 * 1024))),
    }

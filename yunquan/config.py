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
        # resident ID numbers are hashed under this key (talent/idkey.py: production sets YUNQUAN_ID_KEY)
        "ID_KEY": os.environ.get("YUNQUAN_ID_KEY") or None,
        "ID_KEY_FILE": os.environ.get("YUNQUAN_ID_KEY_FILE", str(Path.cwd() / "var" / "id.key")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("YUNQUAN_MAX_REQUEST_BYTES", str(32 * 1024 * 1024))),
    }

"""Configuration from the environment (twelve-factor); ``create_app(test_config)`` overrides it."""
from __future__ import annotations

import os
from pathlib import Path


def from_environment() -> dict:
    id_key = os.environ.get("YUNQUAN_ID_KEY") or None
    if id_key is not None and len(id_key.encode("utf-8")) < 32:
        # refuse to start rather than fail at the first enrolment
        raise ValueError("YUNQUAN_ID_KEY must be at least 32 characters (it keys the digests of resident ID numbers)")
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
        # resident ID numbers are hashed under this key (talent/idkey.py: production sets YUNQUAN_ID_KEY)
        "ID_KEY": id_key,
        "ID_KEY_FILE": os.environ.get("YUNQUAN_ID_KEY_FILE", str(Path.cwd() / "var" / "id.key")),
        # Idempotency-Key answers: how long a key is remembered, and the largest response kept for replays
        "IDEMPOTENCY_TTL_HOURS": int(os.environ.get("YUNQUAN_IDEMPOTENCY_TTL_HOURS", "24")),
        "IDEMPOTENCY_MAX_RESPONSE_BYTES": int(os.environ.get("YUNQUAN_IDEMPOTENCY_MAX_RESPONSE_BYTES",
                                                             str(1024 * 1024))),
        # the portal's session cookie only over HTTPS (set it behind TLS); the signing key is
        # YUNQUAN_SECRET_KEY (portal/security.py)
        "SESSION_COOKIE_SECURE": os.environ.get("YUNQUAN_SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
        # how many reverse proxies in front set X-Forwarded-For/-Proto: the portal counts failed logins
        # per client address, which behind a proxy is only known from that header (0: no proxy)
        "TRUSTED_PROXIES": int(os.environ.get("YUNQUAN_TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("YUNQUAN_MAX_REQUEST_BYTES", str(32 * 1024 * 1024))),
    }

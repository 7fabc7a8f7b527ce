"""Time comes from here, so tests can freeze it; rules take dates as arguments."""
from __future__ import annotations

import datetime as dt
import os
from typing import Callable

_override: Callable[[], dt.datetime] | None = None


def now() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    if _override is not None:
        return _override()
    fixed = os.environ.get("YUNQUAN_FROZEN_NOW")
    if fixed:
        return dt.datetime.fromisoformat(fixed).astimezone(dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    """Today's date in China Standard Time (UTC+8): the policy's calendar."""
    return (now() + dt.timedelta(hours=8)).date()


def set_clock(fn: Callable[[], dt.datetime] | None) -> None:
    """Install a clock (tests); ``None`` restores the real one."""
    global _override
    _override = fn

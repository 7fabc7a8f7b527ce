"""Pure claim rules: the publicity (公示) calendar in working days, and what a claim's status is
on a given day. Standard library only."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

# --- calendar ----------------------------------------------------------------------------------

def add_working_days(start: dt.date, days: int, holidays: Sequence[str] = ()) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and holidays skipped)."""
    off = set(holidays)
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day.isoformat() not in off:
            left -= 1
    return day


def holiday_list(text: str) -> tuple[str, ...]:
    """``"2026-05-01, 2026-05-04"`` (the HOLIDAYS setting of the deployment) as sorted ISO dates."""
    days = set()
    for part in (text or "").split(","):
        part = part.strip()
        if part:
            days.add(dt.date.fromisoformat(part).isoformat())  # ValueError on garbage: a deployment error
    return tuple(sorted(days))


@dataclass(frozen=True)
class Publicity:
    """公示: the last day of publicity and the first day the claim may be paid.

    Publicity lasts ``days`` whole working days after the approval day (weekends and holidays
    skipped), so an objection can be lodged until the end of ``ends_on``; the claim is payable from
    the next day. With ``days == 0`` there is no publicity: payable on the approval day itself."""
    approved_on: dt.date
    ends_on: dt.date
    payable_from: dt.date


def publicity(approved_on: dt.date, days: int, holidays: Sequence[str] = ()) -> Publicity:
    if days < 0:
        raise ValueError("publicity days cannot be negative")
    if days == 0:
        return Publicity(approved_on, approved_on, approved_on)
    ends_on = add_working_days(approved_on, days, holidays)
    return Publicity(approved_on, ends_on, ends_on + dt.timedelta(days=1))




# --- status on a given day -----------------------------------------------------------------------

def effective_status(status: str, *, payable_from: dt.date | None, lapses_on: dt.date | None,
                     today: dt.date) -> str:
    """What a claim is on ``today``, though the stored status may not have caught up yet: a
    claim whose publicity is over is payable, a returned claim past its last day has lapsed.
    (The daily job and the next write to the scheme store it; a read never writes.)"""
    if status == "publicity" and payable_from is not None and payable_from <= today:
        return "payable"
    if status == "returned" and lapses_on is not None and lapses_on < today:
        return "lapsed"
    return status

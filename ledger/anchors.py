"""Anchors: committed chain heads written to a file outside the database, like a transparency
log's signed tree heads. Whoever can rewrite the database can rebuild the whole chain, or cut its
newest entries off and wind the head back; they cannot also change what was copied elsewhere. Ship
the file to another machine or an auditor to make that true.

One JSON object per line: ``{"seq": 12, "head_hash": "…", "at": "2026-03-02T02:00:00Z"}``.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Anchor:
    line: int
    seq: int
    head_hash: str


class AnchorFileError(Exception):
    """The file exists but a line of it (or the file itself) cannot be read as an anchor."""


def append(path: str | os.PathLike, *, seq: int, head_hash: str, at: str) -> dict:
    """Append one anchor durably: O_APPEND so concurrent writers never interleave within a line,
    fsync so a crash right after the commit cannot lose it."""
    record = {"seq": seq, "head_hash": head_hash, "at": at}
    data = (json.dumps(record, separators=(",", ":")) + "\n").encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if os.write(fd, data) != len(data):  # a regular file takes it whole or the disk is full
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the new directory entry must survive a crash too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return record


def read(path: str | os.PathLike | None) -> Iterator[Anchor]:
    """The anchors in the file, in order. A missing file has none; a line that is not an anchor raises
    ``AnchorFileError`` naming it. Blank lines are skipped."""
    if not path or not os.path.exists(path):
        return
    number = 0
    try:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    yield _parse(path, number, raw)
    except OSError as exc:
        where = f" past line {number}" if number else ""
        raise AnchorFileError(f"anchors file {path} cannot be read{where}: {exc.strerror}") from exc


def _parse(path, number: int, raw: bytes) -> Anchor:
    try:
        record = json.loads(raw.decode("utf-8"))
        seq, head_hash = record["seq"], record["head_hash"]
        if (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(head_hash, str)
                or not _HEX64.match(head_hash) or not isinstance(record.get("at"), str)):
            raise ValueError
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise AnchorFileError(f"anchors file {path} line {number} is not an anchor") from None
    return Anchor(number, seq, head_hash)

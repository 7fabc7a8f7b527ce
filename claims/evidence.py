"""Evidence files for claims (invoice, payment proof, acceptance report).

Files live under the configured folder, named by their SHA-256 (``ab/abcdef…``): the same bytes are
stored once, and a name can never collide with or overwrite another file. The type is decided by
the file's first bytes, never by what the client says: PDF, JPEG and PNG only. A file is written
before its row is committed, so a failed transaction leaves at most an orphan file, never a row
without its file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from sqlmodel import select

from adapters.tables import locked
from claims.errors import (
    EvidenceEmpty,
    EvidenceFileMissing,
    EvidenceInUse,
    EvidenceMissing,
    EvidenceNotFound,
    EvidenceTooLarge,
    EvidenceTypeNotAllowed,
)
from claims.models import EVIDENCE_KINDS, Evidence
from kernel.errors import Forbidden, ValidationError

MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"\x89PNG\r\n\x1a\n", "image/png"))
CHUNK = 1 << 16
MAX_PER_CLAIM = 30


@dataclass(frozen=True)
class Uploader:
    user_id: int
    org_id: int


def sniff(head: bytes) -> str | None:
    return next((mime for magic, mime in MAGIC if head.startswith(magic)), None)


def clean_filename(name: str | None) -> str:
    """Keep what a person would recognise; drop paths and control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    return (name or "upload")[:200]


def path_for(directory: str | Path, sha256: str) -> Path:
    return Path(directory) / sha256[:2] / sha256


def _save(stream: BinaryIO, directory: Path, max_bytes: int) -> tuple[str, int, str]:
    directory.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                size += len(chunk)
                if size > max_bytes:
                    raise EvidenceTooLarge(f"the file is larger than {max_bytes} bytes",
                                           details={"max_bytes": max_bytes})
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EvidenceEmpty("the file is empty", details={"field": "file"})
        content_type = sniff(head)
        if content_type is None:
            raise EvidenceTypeNotAllowed("only PDF, JPEG and PNG files are accepted (judged by their content)",
                                         details={"accepted": [m for _, m in MAGIC]})
        sha = digest.hexdigest()
        final = path_for(directory, sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        tmp = None
        return sha, size, content_type
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def store(uow, *, uploader: Uploader, kind: str, filename: str | None, stream: BinaryIO, directory: str | Path,
          max_bytes: int) -> Evidence:
    if kind not in EVIDENCE_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(EVIDENCE_KINDS)}", field="kind")
    sha, size, content_type = _save(stream, Path(directory), max_bytes)
    row = Evidence(owner_org_id=uploader.org_id, kind=kind, filename=clean_filename(filename), sha256=sha,
                   size=size, content_type=content_type, uploaded_by=uploader.user_id)
    uow.session.add(row)
    uow.commit()
    return row


def get(session, evidence_id: int) -> Evidence:
    row = session.get(Evidence, evidence_id)
    if row is None:
        raise EvidenceNotFound(f"evidence {evidence_id} not found", details={"evidence_id": evidence_id})
    return row


def check_reader(row: Evidence, *, org_id: int | None, is_staff: bool) -> None:
    """Never served to another organisation: the owner and staff only."""
    if not is_staff and org_id != row.owner_org_id:
        raise Forbidden("this evidence belongs to another organisation")


def open_file(row: Evidence, directory: str | Path) -> Path:
    path = path_for(directory, row.sha256)
    if not path.is_file() or path.stat().st_size != row.size:
        raise EvidenceFileMissing("the stored file is missing; ask the operator to restore it",
                                  details={"evidence_id": row.id, "sha256": row.sha256})
    return path


def bind(session, *, evidence_ids: Iterable[int], org_id: int, claim_id: int) -> list[int]:
    """Check a claim's evidence and bind it to the claim (call with the claim's scheme locked).

    Every file must exist, belong to the claiming enterprise and be unused by any other claim;
    together they must cover every kind (EVIDENCE_MISSING lists what is missing)."""
    ids = sorted(set(evidence_ids))
    if len(ids) > MAX_PER_CLAIM:
        raise ValidationError(f"at most {MAX_PER_CLAIM} evidence files per claim", field="evidence_ids")
    rows = list(session.exec(locked(select(Evidence).where(Evidence.id.in_(ids)).order_by(Evidence.id)))) \
        if ids else []
    found = {r.id for r in rows}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise EvidenceNotFound("evidence not found", details={"evidence_ids": unknown})
    foreign = [r.id for r in rows if r.owner_org_id != org_id]
    if foreign:
        raise Forbidden("evidence of another organisation cannot be used", details={"evidence_ids": foreign})
    used = [r.id for r in rows if r.claim_id not in (None, claim_id)]
    if used:
        raise EvidenceInUse("this evidence is already used by another claim", details={"evidence_ids": used})
    # An upload of the same bytes is a new row; the document is the same and backs one claim only.
    twins = session.exec(select(Evidence.sha256, Evidence.claim_id).where(
        Evidence.sha256.in_([r.sha256 for r in rows]), Evidence.claim_id.is_not(None),
        Evidence.claim_id != claim_id)).all()
    if twins:
        shas = {sha for sha, _ in twins}
        raise EvidenceInUse("the same file already backs another claim",
                            details={"evidence_ids": sorted(r.id for r in rows if r.sha256 in shas),
                                     "claim_ids": sorted({c for _, c in twins})})
    missing = [k for k in EVIDENCE_KINDS if k not in {r.kind for r in rows}]
    if missing:
        raise EvidenceMissing(f"evidence missing: {', '.join(missing)}", details={"missing": missing})
    for r in rows:
        r.claim_id = claim_id
        session.add(r)
    return ids


def unclaimed(session, *, org_id: int, limit: int = 200) -> list[Evidence]:
    """The organisation's evidence files no claim uses yet (what a new claim may attach)."""
    return list(session.exec(select(Evidence).where(Evidence.owner_org_id == org_id, Evidence.claim_id.is_(None))
                             .order_by(Evidence.id).limit(limit)))


def of_claim(session, claim_id: int) -> list[Evidence]:
    return list(session.exec(select(Evidence).where(Evidence.claim_id == claim_id).order_by(Evidence.id)))

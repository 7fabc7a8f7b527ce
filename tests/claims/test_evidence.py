"""Evidence files: stored by SHA-256, judged by content, limited in size, never shown to another
organisation."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.pilot import JPEG, PDF, PNG


@pytest.fixture
def ent(pilot):
    pilot.enterprise("南海陶瓷")
    pilot.enterprise("大岭山家具", city="东莞")
    return "南海陶瓷"


def _files(app) -> list[Path]:
    root = Path(app.config["EVIDENCE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_an_uploaded_pdf_is_stored_under_its_sha256_with_size_and_type(pilot, ent, app):
    content = PDF + b"invoice 190000.00"
    r = pilot.upload(ent, "invoice", content, "增值税发票.pdf")
    assert r.status_code == 201, r.json
    digest = hashlib.sha256(content).hexdigest()
    assert {k: r.json[k] for k in ("kind", "filename", "sha256", "size", "content_type")} == {
        "kind": "invoice", "filename": "增值税发票.pdf", "sha256": digest, "size": len(content),
        "content_type": "application/pdf"}
    stored = _files(app)
    assert [p.name for p in stored] == [digest] and stored[0].read_bytes() == content


@pytest.mark.parametrize("content, expected", [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")])
def test_the_type_comes_from_the_content_not_from_the_name(pilot, ent, content, expected):
    r = pilot.upload(ent, "payment_proof", content + b"x", "looks-like.docx")
    assert r.status_code == 201 and r.json["content_type"] == expected


@pytest.mark.parametrize("content", [b"GIF89a\x01\x00", b"PK\x03\x04word/document.xml", b"MZ\x90\x00",
                                     b"<html><script>alert(1)</script>", b" %PDF-1.4 leading space"])
def test_other_file_types_are_refused_and_nothing_is_kept(pilot, ent, app, content):
    r = pilot.upload(ent, "invoice", content, "发票.pdf")
    assert (r.status_code, r.json["code"]) == (415, "EVIDENCE_TYPE_NOT_ALLOWED")
    assert _files(app) == []


def test_an_empty_file_is_refused(pilot, ent, app):
    r = pilot.upload(ent, "invoice", b"", "empty.pdf")
    assert (r.status_code, r.json["code"]) == (422, "EVIDENCE_EMPTY")
    assert _files(app) == []


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_kept(pilot, ent, app):
    app.config["MAX_EVIDENCE_BYTES"] = 1000
    at_limit = PDF + b"x" * (1000 - len(PDF))
    r = pilot.upload(ent, "invoice", at_limit + b"y")
    assert (r.status_code, r.json["code"]) == (413, "EVIDENCE_TOO_LARGE")
    assert _files(app) == []
    assert pilot.upload(ent, "invoice", at_limit).status_code == 201


def test_an_unknown_kind_or_a_missing_file_is_a_validation_error(pilot, ent):
    assert pilot.upload(ent, "contract", PDF).json["code"] == "VALIDATION_ERROR"
    r = pilot.call("POST", "/evidence", pilot.enterprise_tokens[ent], data={"kind": "invoice"},
                   content_type="multipart/form-data")
    assert (r.status_code, r.json["code"]) == (422, "VALIDATION_ERROR")


def test_a_path_in_the_file_name_cannot_choose_where_the_file_goes(pilot, ent, app):
    r = pilot.upload(ent, "invoice", PDF + b"p", "../../etc/passwd.pdf")
    assert r.json["filename"] == "passwd.pdf"
    assert [p.name for p in _files(app)] == [r.json["sha256"]]


def test_the_same_bytes_are_stored_once_for_two_uploads(pilot, ent, app):
    a = pilot.upload(ent, "invoice", PDF + b"same").json
    b = pilot.upload("大岭山家具", "invoice", PDF + b"same").json
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    assert len(_files(app)) == 1


def test_only_enterprises_upload_evidence(pilot, ent):
    r = pilot.call("POST", "/evidence", pilot.provider_token, data={"kind": "invoice"},
                   content_type="multipart/form-data")
    assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")


def test_the_owner_and_staff_download_the_file_and_nobody_else_does(pilot, ent):
    content = PNG + b"proof"
    eid = pilot.upload(ent, "payment_proof", content, "转账凭证.png").json["id"]
    own = pilot.call("GET", f"/evidence/{eid}", pilot.enterprise_tokens[ent])
    assert own.status_code == 200 and own.data == content and own.mimetype == "image/png"
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in own.headers["Content-Disposition"]
    assert pilot.call("GET", f"/evidence/{eid}", pilot.reviewer).data == content
    for stranger in (pilot.enterprise_tokens["大岭山家具"], pilot.provider_token):
        r = pilot.call("GET", f"/evidence/{eid}", stranger)
        assert (r.status_code, r.json["code"]) == (403, "FORBIDDEN")
    assert pilot.call("GET", f"/evidence/{eid}", None).status_code == 401
    assert pilot.call("GET", "/evidence/999999", pilot.reviewer).status_code == 404


def test_a_stored_file_that_went_missing_is_reported_not_served_empty(pilot, ent, app):
    eid = pilot.upload(ent, "invoice", PDF + b"gone").json["id"]
    for p in _files(app):
        p.unlink()
    r = pilot.call("GET", f"/evidence/{eid}", pilot.reviewer)
    assert (r.status_code, r.json["code"]) == (404, "EVIDENCE_FILE_MISSING")

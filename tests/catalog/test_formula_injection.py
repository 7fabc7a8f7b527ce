"""Catalogue texts are published as the Annex 5 table and opened in spreadsheets: none starts like a
formula on the way in, and none runs as one on the way out."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from catalog.models import ProductVersion
from tests.catalog.conftest import API, product_body
from tests.catalog.test_import_export import HEADER, csv_bytes, upload
from tests.support.world import auth

FORMULAS = ['=HYPERLINK("http://x.example/","点此")', "+1+1", "-2+3", "@SUM(A1:A9)", " =1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("field", ["name", "scenario", "expected_effect", "modules"])
def test_a_product_text_starting_like_a_formula_is_refused(cast, field, formula):
    value = [formula] if field == "modules" else formula
    r = cast.client.post(f"{API}/products", json=product_body(**{field: value}), headers=auth(cast.provider_token))
    assert r.status_code == 422 and r.json["code"] == "VALIDATION_ERROR", r.json
    assert r.json["details"]["field"] == field and "formula" in r.json["message"]


def test_an_imported_row_starting_like_a_formula_is_reported_and_nothing_saved(cast):
    row = "=1+1,,设备联网,5G接入,联网率90%,每台补贴300.00元,cpe_gateway,台,1000.00,2026-01-01,2027-12-31"
    r = upload(cast, csv_bytes([row], header=HEADER))
    assert r.status_code == 200 and r.json["ok"] is False
    assert [(e["row"], e["field"]) for e in r.json["errors"]] == [(2, "name")]


@pytest.fixture
def legacy_formula_product(cast, db):
    """An approved product whose texts start like formulas: stored before the rule, straight in
    the database."""
    r = cast.client.post(f"{API}/products", json=product_body(), headers=auth(cast.provider_token))
    pid = r.json["id"]
    cast.client.post(f"{API}/products/{pid}/submit", headers=auth(cast.provider_token))
    cast.client.post(f"{API}/products/{pid}/approve", headers=auth(cast.reviewer_token))
    with db.begin() as c:
        c.execute(sa.update(ProductVersion).where(ProductVersion.product_id == pid).values(
            name="=1+1", scenario="@SUM(A1)", expected_effect="-2+3", modules='["+cmd|x"]'))
    return pid


def test_the_csv_export_neutralises_every_cell_that_would_run_as_a_formula(cast, legacy_formula_product):
    r = cast.client.get(f"{API}/products/export?format=csv")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert "'=1+1" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells and "'+cmd|x" in cells
    assert not any(c[:1] in "=+-@" for c in cells)


def test_the_xlsx_export_writes_formula_like_texts_as_plain_text(cast, legacy_formula_product):
    r = cast.client.get(f"{API}/products/export?format=xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    assert "'=1+1" in [c.value for c in cells]

"""Provider pages: products with the Annex 5 fields and a subsidy-standard editor with a preview,
their review status, contracts, and the product spreadsheet import with its dry-run report."""
from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for

from adapters.access import reader, uow
from catalog import importer, products, rules
from catalog.schemas import ProductIn
from kernel import clock
from kernel.errors import DomainError, ValidationError
from kernel.money import from_fen, to_fen
from parties import service as organisations
from portal import blp
from portal.helpers import LIST_LIMIT, actor, attempt, load, org_names, write
from portal.messages import error_text
from portal.security import page
from vouchers import contracts
from vouchers.schemas import ContractIn

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _catalog_actor() -> products.Actor:
    a = actor()
    return products.Actor(user_id=a.user_id, org_id=a.org_id, staff=a.is_staff)


def standard_from_form(form) -> dict:
    """The subsidy standard as the API takes it, from the editor's fields."""
    kind = form.get("standard_kind", "ratio")
    if kind == "ratio":
        std = {"kind": "ratio", "rate": form.get("rate", "").strip()}
        if form.get("cap", "").strip():
            std["cap"] = form["cap"].strip()
        return std
    if kind == "per_unit":
        std = {"kind": "per_unit", "amount": form.get("amount", "").strip()}
        if form.get("cap", "").strip():
            std["cap"] = form["cap"].strip()
        return std
    bands = []
    for line in (form.get("bands") or "").splitlines():
        if not line.strip():
            continue
        upto, _, rate = line.replace("，", ",").partition(",")
        bands.append({"upto": upto.strip() or None, "rate": rate.strip()})
    std = {"kind": "tiered", "bands": bands}
    if form.get("cap", "").strip():
        std["cap"] = form["cap"].strip()
    return std


def product_from_form(form) -> dict:
    return {
        "name": form.get("name", ""), "item_kind": form.get("item_kind", ""), "unit": form.get("unit", ""),
        "unit_price": form.get("unit_price", ""), "scenario": form.get("scenario", ""),
        "modules": [m.strip() for m in (form.get("modules") or "").splitlines() if m.strip()],
        "expected_effect": form.get("expected_effect", ""), "standard": standard_from_form(form),
        "valid_from": form.get("valid_from", ""), "valid_to": form.get("valid_to", ""),
    }


@blp.get("/provider/products")
@page("provider")
def provider_products():
    a = actor()
    with reader() as s:
        rows = products.list_page(s, viewer=_catalog_actor(), provider_id=require_org_of(a), after=0, limit=LIST_LIMIT)
    return render_template("portal/provider_products.html", title="我的产品", products=rows)


def require_org_of(a) -> int:
    if a.org_id is None:
        abort(403)
    return a.org_id


@blp.route("/provider/products/new", methods=["GET", "POST"])
@page("provider")
def provider_new_product():
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            data = load(ProductIn(), product_from_form(request.form))
            with uow() as u:
                view = products.register(u, actor=_catalog_actor(), **data)
        except (DomainError, ma.ValidationError) as exc:
            flash(error_text(exc), "error")
        else:
            flash(f"产品“{view.name}”已保存为草稿（编号 {view.id}），提交后进入审核。", "ok")
            return redirect(url_for("portal.provider_products"))
    return render_template("portal/provider_product_form.html", title="登记产品", form=form,
                           item_kinds=rules.ITEM_KINDS.values())


def form_from_product(view) -> dict:
    """The editor's fields from a product version (the inverse of ``product_from_form``)."""
    std = rules.standard_to_dict(view.standard) if not isinstance(view.standard, dict) else view.standard
    form = {"name": view.name, "item_kind": view.item_kind, "unit": view.unit,
            "unit_price": f"{from_fen(view.unit_price):.2f}", "scenario": view.scenario,
            "modules": "\n".join(view.modules), "expected_effect": view.expected_effect,
            "valid_from": view.valid_from.isoformat(), "valid_to": view.valid_to.isoformat(),
            "standard_kind": std.get("kind"), "rate": std.get("rate") or "", "amount": std.get("amount") or "",
            "cap": std.get("cap") or ""}
    if std.get("kind") == "tiered":
        form["bands"] = "\n".join(f"{b.get('upto') or ''},{b.get('rate')}" for b in std.get("bands", []))
    return form


@blp.route("/provider/products/<int:product_id>/edit", methods=["GET", "POST"])
@page("provider")
def provider_edit_product(product_id):
    """Edit a draft in place; a reviewed product gets a new version that goes through review again."""
    if request.method == "POST":
        form = request.form
        try:
            data = load(ProductIn(), product_from_form(request.form))
            with uow() as u:
                view = products.change(u, actor=_catalog_actor(), product_id=product_id, changes=data)
        except (DomainError, ma.ValidationError) as exc:
            flash(error_text(exc), "error")
        else:
            flash(f"产品“{view.name}”已保存（第 {view.version} 版，草稿），提交后进入审核。", "ok")
            return redirect(url_for("portal.provider_products"))
    else:
        try:
            with reader() as s:
                shown, _ = products.get(s, viewer=_catalog_actor(), product_id=product_id)
        except DomainError as exc:
            flash(error_text(exc), "error")
            return redirect(url_for("portal.provider_products"))
        if shown.provider_id != actor().org_id:
            return render_template("portal/error.html", title="无权访问", message="这是其他服务商的产品。"), 403
        form = form_from_product(shown)
    return render_template("portal/provider_product_form.html", title="修改产品", form=form,
                           item_kinds=rules.ITEM_KINDS.values(), editing=product_id)


@blp.get("/provider/standard-preview")
@page("provider")
def provider_standard_preview():
    """The subsidy a sample line would get under the standard being edited (a fragment; reads only)."""
    try:
        std = rules.parse_standard(standard_from_form(request.args))
        quantity = Decimal(request.args.get("quantity") or "1")
        price = Decimal(request.args.get("unit_price") or "0")
        if not quantity.is_finite() or not price.is_finite() or quantity < 0 or price < 0:
            raise ValidationError("数量和单价须为非负数", field="quantity")
        amount = (quantity * price).quantize(Decimal("0.01"))
        line = rules.line_subsidy(std, quantity=quantity, amount=amount)
    except (DomainError, InvalidOperation, ValueError) as exc:
        return render_template("portal/_preview.html", error=error_text(exc) if isinstance(exc, DomainError)
                               else "请填写有效的数字")
    unit = request.args.get("unit") or ""
    return render_template("portal/_preview.html", quantity=quantity, amount=to_fen(amount), line=line,
                           subsidy=to_fen(line.subsidy), before_cap=to_fen(line.before_cap),
                           text=rules.describe_standard(std, unit))


@blp.post("/provider/products/<int:product_id>/submit")
@page("provider")
def provider_submit_product(product_id):
    back = url_for("portal.provider_products")
    return attempt(lambda: write(lambda u: products.submit(u, actor=_catalog_actor(), product_id=product_id)),
                   ok="已提交审核。", back=back)


@blp.get("/provider/contracts")
@page("provider")
def provider_contracts():
    a = actor()
    with reader() as s:
        rows = contracts.list_page(s, actor=a, after=0, limit=LIST_LIMIT)
        names = org_names(s, {c.enterprise_id for c in rows})
        enterprises = organisations.list_page(s, kind="enterprise", after=0, limit=LIST_LIMIT)
        mine = products.list_page(s, viewer=_catalog_actor(), status="approved", after=0, limit=LIST_LIMIT)
    return render_template("portal/provider_contracts.html", title="合同", contracts=rows, names=names,
                           enterprises=enterprises, products=mine, today=clock.today())


@blp.post("/provider/contracts")
@page("provider")
def provider_record_contract():
    a = actor()
    lines = []
    for i in range(5):
        pid = request.form.get(f"product_id_{i}", "").strip()
        if pid:
            lines.append({"product_id": pid, "quantity": request.form.get(f"quantity_{i}", "").strip(),
                          "unit_price": request.form.get(f"unit_price_{i}", "").strip()})
    raw = {"enterprise_id": request.form.get("enterprise_id", ""), "signed_on": request.form.get("signed_on", ""),
           "lines": lines}

    def work():
        data = load(ContractIn(), raw)
        with uow() as u:
            contract, _ = contracts.record(u, actor_id=a.user_id, provider_id=require_org_of(a),
                                           enterprise_id=data["enterprise_id"], signed_on=data["signed_on"],
                                           lines=data["lines"])
        return contract
    return attempt(work, ok=lambda c: f"合同 {c.id} 已登记，金额 {from_fen(c.amount):,.2f} 元。",
                   back=url_for("portal.provider_contracts"))


@blp.route("/provider/import", methods=["GET", "POST"])
@page("provider")
def provider_import():
    """Upload → the dry-run report; confirm → the same bytes imported for real (all or nothing)."""
    if request.method == "GET":
        return render_template("portal/provider_import.html", title="批量导入产品")
    if "file" in request.files and request.files["file"].filename:
        upload = request.files["file"]
        data, filename = upload.read(MAX_IMPORT_BYTES + 1), upload.filename
        confirm = False
    else:
        try:
            data = base64.b64decode(request.form.get("data", ""), validate=True)
        except (binascii.Error, ValueError):
            data = b""
        filename, confirm = request.form.get("filename", ""), True
    if not data:
        flash("请选择要导入的 CSV 或 XLSX 文件。", "error")
        return redirect(url_for("portal.provider_import"))
    if len(data) > MAX_IMPORT_BYTES:
        flash("文件超过 2 MB，请分批导入。", "error")
        return redirect(url_for("portal.provider_import"))
    try:
        with uow() as u:
            report = importer.import_products(u, actor=_catalog_actor(), filename=filename, data=data,
                                              dry_run=not confirm).as_dict()
    except DomainError as exc:
        flash(error_text(exc), "error")
        report = exc.details if isinstance(exc.details, dict) and "errors" in exc.details else None
        return render_template("portal/provider_import.html", title="批量导入产品", report=report), exc.status
    if confirm:
        flash(f"已导入 {len(report['created'])} 个产品（草稿），请逐个提交审核。", "ok")
        return redirect(url_for("portal.provider_products"))
    return render_template("portal/provider_import.html", title="批量导入产品", report=report,
                           data=base64.b64encode(data).decode(), filename=filename)


@blp.get("/provider/trainings")
@page("provider")
def provider_trainings():
    """The provider's training programmes for talent vouchers (read only)."""
    from talent import service as talent
    a = actor()
    with reader() as s:
        rows = [talent.training_view(t) for t in talent.training_page(s, provider_id=require_org_of(a), after=0,
                                                                       limit=LIST_LIMIT)]
    return render_template("portal/provider_trainings.html", title="人才培训", trainings=rows)

"""The product catalogue over HTTP: thin views over ``catalog.products``, import and export."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters import i18n
from adapters.access import current_principal, optional_principal, public, reader, roles, uow
from adapters.docs import CSV, XLSX, file_response
from adapters.paging import decode_cursor, page
from catalog import export, importer, products
from catalog.schemas import (
    ExportArgs,
    ImportArgs,
    ImportFile,
    ImportOut,
    ProductArgs,
    ProductChangeIn,
    ProductDetail,
    ProductIn,
    ProductListArgs,
    ProductOut,
    ProductPage,
    RejectIn,
)

blp = Blueprint("catalog", __name__, description="Product catalogue (产品目录) and its review")


def _actor() -> products.Actor:
    p = current_principal()
    return products.Actor(user_id=p.user_id, org_id=p.org_id, staff=p.is_staff)


def _viewer() -> products.Actor | None:
    p = optional_principal()
    return None if p is None else products.Actor(user_id=p.user_id, org_id=p.org_id, staff=p.is_staff)


@blp.route("/products")
class Products(MethodView):
    @public
    @blp.arguments(ProductListArgs, location="query")
    @blp.response(200, ProductPage)
    def get(self, args):
        """Browse the catalogue; staff use ``?status=submitted`` as the review queue."""
        with reader() as s:
            rows = products.list_page(
                s, viewer=_viewer(), item_kind=args["item_kind"], status=args["status"],
                provider_id=args["provider_id"], q=args["q"], valid_on=args["valid_on"],
                after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
        return page(rows, args["limit"])

    @roles("provider")
    @blp.arguments(ProductIn)
    @blp.response(201, ProductOut)
    def post(self, data):
        """Register a product: version 1, a draft."""
        with uow() as u:
            return products.register(u, actor=_actor(), **data)


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    @public
    @blp.arguments(ProductArgs, location="query")
    @blp.response(200, ProductDetail)
    def get(self, args, product_id):
        """One product with its versions.

        Approved products are public; a product not yet published is shown to its provider and to staff only."""
        with reader() as s:
            shown, versions = products.get(s, viewer=_viewer(), product_id=product_id, version=args["version"])
        # the shown version plus the list of versions this caller may see
        return dict(vars(shown), item_kind_label=shown.item_kind_label, standard_text=shown.standard_text,
                    versions=versions)

    @roles("provider")
    @blp.arguments(ProductChangeIn)
    @blp.response(200, ProductOut)
    def patch(self, data, product_id):
        """Change a product: edits a draft, or makes the next version of a reviewed one."""
        with uow() as u:
            return products.change(u, actor=_actor(), product_id=product_id, changes=data)


@blp.route("/products/<int:product_id>/submit")
class Submit(MethodView):
    @roles("provider")
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Submit the newest draft version for review.

        The version becomes `submitted` and appears in the reviewers' queue (`GET /products?status=submitted`)."""
        with uow() as u:
            return products.submit(u, actor=_actor(), product_id=product_id)


@blp.route("/products/<int:product_id>/approve")
class Approve(MethodView):
    @roles("reviewer")
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Approve a submitted product version.

        A reviewer other than the one who registered or submitted it approves; from its `valid_from` the version
        can be put on contracts."""
        with uow() as u:
            return products.approve(u, actor=_actor(), product_id=product_id)


@blp.route("/products/<int:product_id>/reject")
class Reject(MethodView):
    @roles("reviewer")
    @blp.arguments(RejectIn)
    @blp.response(200, ProductOut)
    def post(self, data, product_id):
        """Reject a submitted product version.

        A reviewer of another organisation than the one that registered it sends it back with a `reason` the
        provider can act on; the version becomes `rejected`."""
        with uow() as u:
            return products.reject(u, actor=_actor(), product_id=product_id, reason=data["reason"])


@blp.route("/products/<int:product_id>/delist")
class Delist(MethodView):
    @roles("provider", "reviewer")
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Take the product out of the catalogue (its provider, or a reviewer)."""
        with uow() as u:
            return products.delist(u, actor=_actor(), product_id=product_id)


@blp.route("/products/import")
class Import(MethodView):
    @roles("provider")
    @blp.arguments(ImportArgs, location="query")
    @blp.arguments(ImportFile, location="files")
    @blp.response(200, ImportOut)
    def post(self, args, files):
        """Import products from CSV/XLSX; ``?dry_run=true`` only reports."""
        upload = files["file"]
        with uow() as u:
            report = importer.import_products(u, actor=_actor(), filename=upload.filename or "",
                                              data=upload.read(), dry_run=args["dry_run"])
        answer = report.as_dict()
        answer["errors"] = [{**e, "message": i18n.translate(e["message"])} for e in answer["errors"]]
        return answer, (200 if report.dry_run else 201)


@blp.route("/products/export")
class Export(MethodView):
    @public
    @blp.arguments(ExportArgs, location="query")
    @blp.doc(**file_response("The Annex 5 table (?format=csv or xlsx)", CSV, XLSX))
    def get(self, args):
        """The approved catalogue as the Annex 5 table."""
        with reader() as s:
            rows = export.annex5_rows(s, provider_id=args["provider_id"], item_kind=args["item_kind"],
                                      valid_on=args["valid_on"])
        body, mime = export.render(rows, args["format"])
        return Response(body, content_type=mime, headers={
            "Content-Disposition": f'attachment; filename="annex5-products.{args["format"]}"'})

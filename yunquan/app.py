"""The application factory."""
from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma
import json

from flask import Flask, current_app, jsonify, send_from_directory
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from adapters import i18n
from adapters.access import public
from yunquan import config, errors, messages, openapi, requests
from yunquan.bootstrap import bootstrap
from yunquan.db import UowFactory, make_engine


class BoundedInt(IntegerConverter):
    """Ids in URLs fit the database's integer columns; a larger one matches no route (404), where
    it would otherwise reach the database and fail there."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)
        self.regex = r"[0-9]+"  # ASCII digits only: "١" is not an id


class ErrorSchema(ma.Schema):
    """The one error shape of every failure (documented in the OpenAPI document)."""
    code = ma.fields.String(metadata={"description": "stable error code, e.g. CLAIM_UNDERPAID",
                                      "example": "CLAIM_UNDERPAID"})
    message = ma.fields.String(metadata={
        "description": "what went wrong, in English, or in Chinese with Accept-Language: zh-CN",
        "example": "the paid amount 40000.00 is below 0.9 of the contract amount 55000.00"})
    details = ma.fields.Dict(metadata={"description": "the values behind the message; a 422 names the field",
                                       "example": {"field": "paid_amount"}})


class YunquanApi(Api):
    """flask-smorest's Api with our single error shape instead of its own."""

    ERROR_SCHEMA = ErrorSchema

    # A blueprint's routes are registered at once; its part of the OpenAPI document (most of
    # create_app's time) is written the first time anything reads ``spec``, in registration order: the
    # same document, and a process (or a test's app) that never reads it never builds it.
    @property
    def spec(self):
        pending, self._pending_docs = self.__dict__.get("_pending_docs", []), []
        for document in pending:
            document()
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """flask-smorest's, with the document part deferred (see ``spec``)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document():
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})
        self._pending_docs = [*self.__dict__.get("_pending_docs", []), document]

    def _register_error_handlers(self):
        errors.register(self._app)

    def _openapi_json(self):
        """The document flask-smorest builds, finished by ``yunquan.openapi`` (access, errors): built
        on the first request and kept (the routes never change after start-up)."""
        body = self._app.extensions.get("yunquan_openapi_json")
        if body is None:
            doc = self.spec.to_dict()
            openapi.complete(self._app, doc["paths"], doc.setdefault("components", {}))
            body = self._app.extensions["yunquan_openapi_json"] = json.dumps(doc, ensure_ascii=False, indent=2)
        return current_app.response_class(body, mimetype="application/json")


@dataclass
class Extension:
    engine: object
    uow_factory: UowFactory


def create_app(test_config: dict | None = None) -> Flask:
    bootstrap()
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedInt
    app.config.update(config.from_environment())
    app.config.update(
        API_TITLE="yunquan 云券", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs", OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        JSON_AS_ASCII=False,
        API_SPEC_OPTIONS={"info": {"description": (
            "云券 yunquan: cloud, financing and talent vouchers, claims, payouts and an auditable ledger. "
            "Bearer tokens (`Authorization: Bearer <token>`); money is a string with two decimals; every error "
            "is `{code, message, details}`, and `Accept-Language: zh-CN` makes every `message` Chinese "
            "(the `code` never changes).")}},
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    i18n.init_app(app, str(messages.TRANSLATIONS))  # Accept-Language: zh-CN answers in Chinese (yunquan/translations)

    engine = app.config.get("ENGINE") or make_engine(app.config["DATABASE_URL"])
    app.extensions["yunquan"] = Extension(engine=engine, uow_factory=UowFactory(engine, anchors=app.config.get("LEDGER_ANCHORS") or None))

    api = YunquanApi(app, spec_kwargs={
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    })
    openapi.register_fields(api)  # before the schemas are read: types and examples of our fields
    requests.register(app)
    for blp in _blueprints():
        api.register_blueprint(blp, url_prefix="/api/v1")

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)

    from portal import register as register_portal  # the web portal: /, /login and its pages
    register_portal(app)

    @app.get("/healthz")
    @public
    def healthz():
        return jsonify({"ok": True})

    @app.get("/api/docs/assets/<path:filename>")
    @public
    def swagger_assets(filename):
        """Swagger UI served from the installed package: the docs work on a network without a CDN."""
        import swagger_ui_bundle
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
    return app


def _blueprints():
    from catalog.api import blp as catalog_blp
    from claims.api import blp as claims_blp
    from clusters.api import blp as clusters_blp
    from financing.api import blp as financing_blp
    from ledger.api import blp as ledger_blp
    from parties.api import blp as parties_blp
    from payouts.api import blp as payouts_blp
    from reports.api import blp as reports_blp
    from schemes.api import blp as schemes_blp
    from talent.api import blp as talent_blp
    from vouchers.api import blp as vouchers_blp
    from yunquan.users_api import blp as users_blp
    return [parties_blp, users_blp, catalog_blp, schemes_blp, clusters_blp, vouchers_blp, talent_blp, financing_blp,
            claims_blp, payouts_blp, ledger_blp, reports_blp]

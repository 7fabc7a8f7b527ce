"""HTTP endpoints of cluster pilots. No business logic here."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import public, reader, roles, transact, uow
from adapters.docs import CSV, XLSX, file_response
from catalog import export
from clusters import service as clusters
from clusters.schemas import ClusterIn, ClusterOut, MemberIn, MemberOut
from kernel.errors import ValidationError

blp = Blueprint("clusters", __name__, description="Cluster pilots (产业集群试点) and their alliances")


@blp.route("/clusters")
class Clusters(MethodView):
    @roles("admin")
    @blp.arguments(ClusterIn)
    @blp.response(201, ClusterOut)
    def post(self, data):
        return transact(lambda u: clusters.create(u, **data))


@blp.route("/clusters/<int:cluster_id>/members")
class ClusterMembers(MethodView):
    @roles("admin")
    @blp.arguments(MemberIn)
    @blp.response(201, MemberOut)
    def post(self, data, cluster_id):
        with uow() as u:
            return clusters.add_member(u, cluster_id=cluster_id, **data)


@blp.route("/clusters/<int:cluster_id>/products/export")
class ClusterCatalogue(MethodView):
    @public
    @blp.doc(**file_response("The Annex 5 table (?format=csv or xlsx)", CSV, XLSX))
    def get(self, cluster_id):
        """The Annex 5 product table of a cluster pilot: the approved products of its lead and partners."""
        fmt = request.args.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise ValidationError("format must be csv or xlsx", field="format")
        with reader() as s:
            rows = export.annex5_rows(s, provider_ids=clusters.alliance_providers(s, cluster_id))
        body, mime = export.render(rows, fmt)
        return Response(body, content_type=mime, headers={
            "Content-Disposition": f'attachment; filename="cluster-{cluster_id}-annex5.{fmt}"'})

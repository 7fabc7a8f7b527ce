"""HTTP endpoints of cluster pilots. No business logic here."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, current_principal, public, reader, roles, staff, transact, uow
from adapters.docs import CSV, XLSX, file_response
from catalog import export
from clusters import performance
from clusters import service as clusters
from clusters.schemas import (
    BenchmarkCaseIn,
    BenchmarkCaseOut,
    ClusterDetailOut,
    ClusterIn,
    ClusterOut,
    ExperienceCentreIn,
    ExperienceCentreOut,
    MemberIn,
    MemberOut,
    PerformanceOut,
)
from kernel import clock
from kernel.errors import ValidationError
from parties.actors import Actor

blp = Blueprint("clusters", __name__, description="Cluster pilots (产业集群试点) and their alliances")


@blp.route("/clusters")
class Clusters(MethodView):
    @roles("admin")
    @blp.arguments(ClusterIn)
    @blp.response(201, ClusterOut)
    def post(self, data):
        """Register a cluster pilot (产业集群试点).

        An admin names the pilot, its industry, its one starting area, its city, its lead unit and its year;
        lead limits apply (`LEAD_LIMIT_EXCEEDED`)."""
        return transact(lambda u: clusters.create(u, **data))


def _actor() -> Actor:
    return Actor.of(current_principal())


@blp.route("/clusters/<int:cluster_id>")
class ClusterById(MethodView):
    @authenticated
    @blp.response(200, ClusterDetailOut)
    def get(self, cluster_id):
        """The pilot, its members and its task book (staff and the lead unit)."""
        actor = _actor()
        with reader() as s:
            cluster = clusters.get(s, cluster_id)
            clusters.check_reader(cluster, actor)
            return clusters.view(s, cluster)


@blp.route("/clusters/<int:cluster_id>/experience-centres")
class ExperienceCentres(MethodView):
    @roles("provider")
    @blp.arguments(ExperienceCentreIn)
    @blp.response(201, ExperienceCentreOut)
    def post(self, data, cluster_id):
        """Record an experience centre (体验展示中心): the pilot's lead unit only."""
        actor = _actor()
        return transact(lambda u: clusters.record_experience_centre(u, actor=actor, cluster_id=cluster_id, **data))


@blp.route("/clusters/<int:cluster_id>/benchmark-cases")
class BenchmarkCases(MethodView):
    @roles("provider")
    @blp.arguments(BenchmarkCaseIn)
    @blp.response(201, BenchmarkCaseOut)
    def post(self, data, cluster_id):
        """Record a benchmark case (标杆案例) and its type: the pilot's lead unit only."""
        actor = _actor()
        return transact(lambda u: clusters.record_benchmark_case(u, actor=actor, cluster_id=cluster_id, **data))


@blp.route("/clusters/<int:cluster_id>/performance")
class ClusterPerformance(MethodView):
    @staff
    @blp.response(200, PerformanceOut)
    def get(self, cluster_id):
        """The task book against its targets, counted from the data as of today, and the money
        that reached the pilot's enterprises."""
        with reader() as s:
            return performance.read(s, clusters.get(s, cluster_id), clock.today())


@blp.route("/clusters/<int:cluster_id>/members")
class ClusterMembers(MethodView):
    @roles("admin")
    @blp.arguments(MemberIn)
    @blp.response(201, MemberOut)
    def post(self, data, cluster_id):
        """Add a member to a pilot.

        Enterprises and alliance partners (providers, makers, financiers) join a pilot; membership is unlimited."""
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

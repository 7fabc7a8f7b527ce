"""HTTP endpoints of cluster pilots. No business logic here."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from adapters.access import authenticated, current_principal, public, reader, roles, staff, transact, uow
from adapters.docs import CSV, XLSX, file_response
from catalog import export
from adapters.paging import decode_cursor, page
from clusters import applications, assessment, performance
from clusters import service as clusters
from clusters.schemas import (
    ApplicationIn,
    ApplicationListArgs,
    ApplicationOut,
    ApplicationPage,
    AssessmentIn,
    AssessmentList,
    AssessmentOut,
    DashboardArgs,
    DashboardOut,
    ReturnIn,
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


# --- pilot applications (申报书) -------------------------------------------------------------------

def _application(application_id: int) -> dict:
    with reader() as s:
        return applications.view(s, applications.get(s, application_id))


@blp.route("/pilot-applications")
class PilotApplications(MethodView):
    @roles("provider")
    @blp.arguments(ApplicationIn)
    @blp.response(201, ApplicationOut)
    def post(self, data):
        """Draft an application (申报书): the caller's provider leads it."""
        actor = _actor()
        app = transact(lambda u: applications.draft(u, actor=actor, **data))
        return _application(app.id)

    @authenticated
    @blp.arguments(ApplicationListArgs, location="query")
    @blp.response(200, ApplicationPage)
    def get(self, args):
        """A lead's own applications; for staff all of them, or with ``queue=true`` those waiting
        for the caller's authority (its level, and its city or area)."""
        actor = _actor()
        with reader() as s:
            rows = applications.list_page(s, actor=actor, status=args["status"], queue=args["queue"],
                                          after=decode_cursor(args["cursor"]), limit=args["limit"] + 1)
            return page(rows, args["limit"])


@blp.route("/pilot-applications/<int:application_id>")
class PilotApplicationById(MethodView):
    @authenticated
    @blp.response(200, ApplicationOut)
    def get(self, application_id):
        """The application with its annexes and every step of its path (the lead and staff)."""
        actor = _actor()
        with reader() as s:
            app = applications.get(s, application_id)
            applications.check_reader(s, app, actor)
            return applications.view(s, app)

    @roles("provider")
    @blp.arguments(ApplicationIn)
    @blp.response(200, ApplicationOut)
    def put(self, data, application_id):
        """Replace a draft's (or a returned application's) content: the lead only."""
        actor = _actor()
        transact(lambda u: applications.update(u, actor=actor, application_id=application_id, **data))
        return _application(application_id)


@blp.route("/pilot-applications/<int:application_id>/submit")
class SubmitApplication(MethodView):
    @roles("provider")
    @blp.response(200, ApplicationOut)
    def post(self, application_id):
        """The lead submits (again, after a return); the lead limits are checked."""
        actor = _actor()
        transact(lambda u: applications.submit(u, actor=actor, application_id=application_id))
        return _application(application_id)


def _advance(application_id: int, action: str) -> dict:
    actor = _actor()
    transact(lambda u: applications.advance(u, actor=actor, application_id=application_id, action=action))
    return _application(application_id)


@blp.route("/pilot-applications/<int:application_id>/recommend")
class RecommendApplication(MethodView):
    @roles("reviewer")
    @blp.response(200, ApplicationOut)
    def post(self, application_id):
        """推荐: the government of the application's starting area."""
        return _advance(application_id, "recommend")


@blp.route("/pilot-applications/<int:application_id>/review")
class ReviewApplication(MethodView):
    @roles("reviewer")
    @blp.response(200, ApplicationOut)
    def post(self, application_id):
        """审核: the authority of the application's city."""
        return _advance(application_id, "review")


@blp.route("/pilot-applications/<int:application_id>/approve")
class ApproveApplication(MethodView):
    @roles("reviewer")
    @blp.response(200, ApplicationOut)
    def post(self, application_id):
        """批准: the province; creates the pilot (``cluster_id``) with its alliance, within the lead limits."""
        return _advance(application_id, "approve")


@blp.route("/pilot-applications/<int:application_id>/return")
class ReturnApplication(MethodView):
    @roles("reviewer")
    @blp.arguments(ReturnIn)
    @blp.response(200, ApplicationOut)
    def post(self, data, application_id):
        """Return the application to its lead with a reason: the level it waits for."""
        actor = _actor()
        transact(lambda u: applications.send_back(u, actor=actor, application_id=application_id, reason=data["reason"]))
        return _application(application_id)


# --- the yearly assessment and the province's dashboard -------------------------------------------

@blp.route("/clusters/<int:cluster_id>/assessments")
class ClusterAssessments(MethodView):
    @roles("reviewer")
    @blp.arguments(AssessmentIn)
    @blp.response(201, AssessmentOut)
    def post(self, data, cluster_id):
        """评估 by the province: held figures from the data, the rest entered; a failed pilot is cancelled."""
        actor = _actor()
        row = transact(lambda u: assessment.assess(u, actor=actor, cluster_id=cluster_id, **data))
        with reader() as s:
            return assessment.view(row, clusters.get(s, cluster_id))

    @authenticated
    @blp.response(200, AssessmentList)
    def get(self, cluster_id):
        """Every assessment of the pilot (staff and the lead), also once it is cancelled."""
        actor = _actor()
        with reader() as s:
            cluster = clusters.get(s, cluster_id)
            clusters.check_reader(cluster, actor)
            return {"items": assessment.history(s, cluster)}


@blp.route("/clusters/dashboard")
class ClusterDashboard(MethodView):
    @staff
    @blp.arguments(DashboardArgs, location="query")
    @blp.response(200, DashboardOut)
    def get(self, args):
        """Pilots by year, status and latest assessment (passed, failed or not_assessed), with counts of each."""
        with reader() as s:
            return assessment.dashboard(s, year=args["year"], status=args["status"], assessment=args["assessment"])

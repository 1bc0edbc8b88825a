"""Results through the region API: a round's region, unit and segment figures (``results:read``, small
groups hidden as ``api.v1.disclosed`` explains) and each employee's result with this year's learning plan
(``results:personal``), read by the same services as the results pages.

Only rounds whose scoring is done have results (the pages' rule, ``reading.scored_rounds``). The
personal result is what the admin's page of one employee shows (``person_report``): the index and its
95 % interval, areas, competences from weakest to strongest, and the plan ``roadmaps.personal_plan``
makes from the region's catalogue. An incomplete attempt has no figures and no plan. Reading personal
results is audited once per request as an export of personal data, like the per-employee files.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from api.keys.scopes import Scope
from api.permissions import requires
from api.schema import ERRORS, MAX_ID, NIP, ROUND_ID, UNIT_ID, KnownParameters, id_of
from api.v1 import examples
from api.v1.base import RegionApiView, RegionGenericApiView
from api.v1.disclosed import Group, disclosed
from api.v1.paging import StrictPages
from assessment.results.models import Aggregate, Score, ScoringRun
from assessment.results.planning import Course, LearningPlan, learning_plan
from assessment.results.services import catalogue, reading
from assessment.results.services.aggregates import HISTOGRAM_EDGES
from assessment.rounds.models import Round
from audit import services as audit_trail

TAG = "results"


# ------------------------------------------------------------------------------------------ figures


class AreaMeanSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="Area code (1-5, DigComp areas).")
    mean = serializers.FloatField(allow_null=True)
    level_shares = serializers.ListField(child=serializers.FloatField(), help_text="Shares at levels 1-4.")


class FiguresSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Complete attempts: the people the figures describe.")
    incomplete = serializers.IntegerField(help_text="Incomplete attempts, counted apart.")
    mean = serializers.FloatField(allow_null=True, help_text="Index on the 1-4 scale.")
    mean_se = serializers.FloatField(allow_null=True)
    sd = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    level_shares = serializers.ListField(child=serializers.FloatField(), help_text="Shares at levels 1-4.")
    areas = AreaMeanSerializer(many=True)
    competence_means = serializers.DictField(child=serializers.FloatField())
    histogram_edges = serializers.ListField(child=serializers.FloatField())
    histogram = serializers.ListField(
        child=serializers.FloatField(), help_text="Expected people per index bin (mean over draws)."
    )


class GroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # the field, not Field.label
    suppressed = serializers.BooleanField(help_text="Hidden by the small-group rule: no figures.")
    reason = serializers.CharField(allow_null=True)
    eligible = serializers.IntegerField(allow_null=True, help_text="Employees invited (units only).")
    rank = serializers.IntegerField(
        allow_null=True, help_text="Rank by index among shown units of 30 or more people."
    )
    figures = FiguresSerializer(allow_null=True)


class RoundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RegionResultsSerializer(serializers.Serializer):
    round = RoundRefSerializer()
    min_group = serializers.IntegerField(help_text="Groups under this size are hidden (with others).")
    small_group = serializers.IntegerField(help_text="Units under this size are shown but not ranked.")
    areas = serializers.DictField(child=serializers.CharField(), help_text="Area code -> name.")
    region = GroupSerializer()


class UnitResultsSerializer(serializers.Serializer):
    round = RoundRefSerializer()
    min_group = serializers.IntegerField()
    units = GroupSerializer(many=True)


class UnitResultSerializer(serializers.Serializer):
    round = RoundRefSerializer()
    min_group = serializers.IntegerField()
    unit = GroupSerializer()


class BreakdownSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    withheld = serializers.BooleanField()
    groups = GroupSerializer(many=True)


class SegmentResultsSerializer(serializers.Serializer):
    round = RoundRefSerializer()
    min_group = serializers.IntegerField()
    segments = BreakdownSerializer(many=True)


def _figures(a: Aggregate) -> dict[str, Any]:
    shares = a.area_level_shares or [[]] * len(a.area_means or [])
    return {
        "n": a.n,
        "incomplete": a.incomplete,
        "mean": a.mean,
        "mean_se": a.mean_se,
        "sd": a.sd,
        "ci_low": a.ci_low,
        "ci_high": a.ci_high,
        "level_shares": list(a.level_shares or []),
        "areas": [
            {"area": str(k + 1), "mean": mean, "level_shares": list(shares[k]) if k < len(shares) else []}
            for k, mean in enumerate(a.area_means or [])
        ],
        "competence_means": dict(a.competence_means or {}),
        "histogram_edges": list(HISTOGRAM_EDGES),
        "histogram": list(a.histogram or []),
    }


def _group(g: Group) -> dict[str, Any]:
    return {
        "key": g.key,
        "label": g.label,
        "suppressed": g.suppressed,
        "reason": g.reason,
        "eligible": g.eligible,
        "rank": g.rank,
        "figures": _figures(g.figures) if g.figures is not None else None,
    }


def scored_round(round_id: int) -> Round:
    round_ = (
        Round.objects.filter(pk=round_id, scoring__state=ScoringRun.State.DONE)
        .select_related("bank__framework")
        .first()
    )
    if round_ is None:
        raise Http404
    return round_


def _ref(round_: Round) -> dict[str, Any]:
    return {"id": round_.pk, "name": round_.name}


class RegionResults(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_READ)]

    @extend_schema(
        tags=[TAG],
        operation_id="round_results_region",
        summary="Region figures of a round",
        description="The region's index with its interval, level shares, area means and competence "
        "means for a scored round, as the results page shows them. A round with fewer participants "
        "than `min_group` has its figures hidden.",
        parameters=[ROUND_ID],
        responses={200: RegionResultsSerializer, **ERRORS},
        examples=[OpenApiExample("Region figures", value=examples.REGION_RESULTS, response_only=True)],
    )
    def get(self, request: Request, round_id: str) -> Response:
        round_ = scored_round(id_of(round_id))
        view = disclosed(round_)
        data = {
            "round": _ref(round_),
            "min_group": view.min_cell,
            "small_group": view.small_group,
            "areas": dict(reading.framework_of(round_).areas),
            "region": _group(view.region),
        }
        return Response(RegionResultsSerializer(data).data)


class UnitResults(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_READ)]

    @extend_schema(
        tags=[TAG],
        operation_id="round_results_units",
        summary="Work-unit figures of a round",
        description="Every invited unit's figures, by name. Units under `min_group` people (and, where "
        "needed, others, so that no hidden unit can be worked out from the total) are `suppressed`; "
        "units of 30 or more are ranked by index, as on the results page.",
        parameters=[ROUND_ID],
        responses={200: UnitResultsSerializer, **ERRORS},
        examples=[OpenApiExample("Units", value=examples.UNIT_RESULTS, response_only=True)],
    )
    def get(self, request: Request, round_id: str) -> Response:
        round_ = scored_round(id_of(round_id))
        view = disclosed(round_)
        data = {"round": _ref(round_), "min_group": view.min_cell, "units": [_group(u) for u in view.units]}
        return Response(UnitResultsSerializer(data).data)


class UnitResult(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_READ)]

    @extend_schema(
        tags=[TAG],
        operation_id="round_results_unit",
        summary="One work unit's figures in a round",
        description="One unit's figures (404 when the unit was not invited to the round); hidden like "
        "in the list.",
        parameters=[ROUND_ID, UNIT_ID],
        responses={200: UnitResultSerializer, **ERRORS},
        examples=[OpenApiExample("One unit", value=examples.UNIT_RESULT, response_only=True)],
    )
    def get(self, request: Request, round_id: str, unit_id: str) -> Response:
        round_ = scored_round(id_of(round_id))
        wanted = str(id_of(unit_id))
        view = disclosed(round_)
        unit = next((u for u in view.units if u.key == wanted), None)
        if unit is None:
            raise Http404
        data = {"round": _ref(round_), "min_group": view.min_cell, "unit": _group(unit)}
        return Response(UnitResultSerializer(data).data)


class SegmentResults(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_READ)]

    @extend_schema(
        tags=[TAG],
        operation_id="round_results_segments",
        summary="Segment figures of a round",
        description="Figures by employment status, position type, rank group, age band, sex and "
        "education, with small groups hidden by the same rule as the national benchmark "
        "(docs/disclosure.md). `withheld`: the whole breakdown is hidden.",
        parameters=[ROUND_ID],
        responses={200: SegmentResultsSerializer, **ERRORS},
        examples=[OpenApiExample("Segments", value=examples.SEGMENT_RESULTS, response_only=True)],
    )
    def get(self, request: Request, round_id: str) -> Response:
        round_ = scored_round(id_of(round_id))
        view = disclosed(round_)
        segments = [
            {
                "dimension": b.dimension,
                "label": b.label,
                "withheld": b.withheld,
                "groups": [_group(g) for g in b.groups],
            }
            for b in view.segments
        ]
        data = {"round": _ref(round_), "min_group": view.min_cell, "segments": segments}
        return Response(SegmentResultsSerializer(data).data)


# ------------------------------------------------------------------------------------------ personal


class EmployeeRefSerializer(serializers.Serializer):
    nip = serializers.CharField()
    name = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class AreaScoreSerializer(serializers.Serializer):
    area = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)


class CompetenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.FloatField(help_text="Indicative level, 1-4.")
    shown = serializers.FloatField(help_text="The level as the page shows it (rounded down).")
    band = serializers.IntegerField(help_text="Whole level 1-4.")


class PlannedCourseSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    provider = serializers.CharField(allow_blank=True)
    mode = serializers.CharField(allow_blank=True)
    jp = serializers.IntegerField()
    cost_idr = serializers.IntegerField()
    competences = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class GapSerializer(serializers.Serializer):
    competence = serializers.CharField()
    level = serializers.FloatField()
    target = serializers.IntegerField()


class LearningPlanSerializer(serializers.Serializer):
    courses = PlannedCourseSerializer(many=True)
    total_jp = serializers.IntegerField()
    total_cost_idr = serializers.IntegerField()
    gaps = GapSerializer(many=True)
    uncovered = serializers.ListField(child=serializers.CharField())
    later = PlannedCourseSerializer(many=True, help_text="Fitting courses for next year's budget.")


class PersonResultSerializer(serializers.Serializer):
    round = RoundRefSerializer()
    employee = EmployeeRefSerializer()
    unit = UnitRefSerializer()
    complete = serializers.BooleanField(help_text="False: fewer than half the items answered; no figures.")
    index = serializers.FloatField(allow_null=True)
    index_low = serializers.FloatField(allow_null=True)
    index_high = serializers.FloatField(allow_null=True)
    level = serializers.IntegerField(help_text="1-4; 0 for an incomplete attempt.")
    level_name = serializers.CharField(allow_blank=True)
    areas = AreaScoreSerializer(many=True)
    competences = CompetenceSerializer(many=True)
    learning_plan = LearningPlanSerializer(allow_null=True)


class PersonResultsSerializer(serializers.Serializer):
    results = PersonResultSerializer(many=True)


def _plan(plan: LearningPlan) -> dict[str, Any]:
    def course(p: Any) -> dict[str, Any]:
        c = p.course
        return {
            "code": c.code,
            "title": c.title,
            "provider": c.provider,
            "mode": c.mode,
            "jp": c.jp,
            "cost_idr": c.cost_idr,
            "competences": list(p.competences),
            "reason": p.reason,
        }

    return {
        "courses": [course(p) for p in plan.courses],
        "total_jp": plan.total_jp,
        "total_cost_idr": plan.total_cost_idr,
        "gaps": [{"competence": g.competence, "level": g.level, "target": g.target} for g in plan.gaps],
        "uncovered": list(plan.uncovered),
        "later": [course(p) for p in plan.later],
    }


class _Frameworks:
    """Each round's framework, and the region's catalogue, read once per request (a page of 100
    results shares them)."""

    def __init__(self) -> None:
        self._seen: dict[int, reading.Framework] = {}
        self._courses: list[Course] | None = None

    def plan(self, score: Score) -> LearningPlan:
        """``roadmaps.personal_plan`` with the catalogue read once: the same call of the planner."""
        if self._courses is None:
            self._courses = catalogue.courses()
        areas = {str(a["area"]): a["score"] for a in score.areas}
        return learning_plan(score.competences, self._courses, area_scores=areas)

    def of(self, round_: Round) -> reading.Framework:
        if round_.pk not in self._seen:
            self._seen[round_.pk] = reading.framework_of(round_)
        return self._seen[round_.pk]


def person_result(score: Score, frameworks: _Frameworks) -> dict[str, Any]:
    fw = frameworks.of(score.round)
    complete = score.complete and score.index is not None
    low, high = reading.index_interval(score) if complete else (None, None)
    areas = reading.area_rows(score, fw) if complete else []
    return {
        "round": _ref(score.round),
        "employee": {"nip": score.employee.nip, "name": score.employee.full_name},
        "unit": {"id": score.unit.pk, "code": score.unit.code, "name": score.unit.name},
        "complete": complete,
        "index": score.index if complete else None,
        "index_low": low,
        "index_high": high,
        "level": score.level,
        "level_name": fw.levels.get(score.level, "") if complete else "",
        "areas": [
            {"area": str(a["area"]), "name": a["name"], "score": a.get("score"), "level": a.get("level")}
            for a in areas
        ],
        "competences": [
            {k: row[k] for k in ("code", "name", "level", "shown", "band")}
            for row in (reading.competence_rows(score, fw) if complete else [])
        ],
        "learning_plan": _plan(frameworks.plan(score)) if complete else None,
    }


def _scores() -> Any:
    return Score.objects.filter(round__scoring__state=ScoringRun.State.DONE).select_related(
        "round__bank__framework", "employee", "unit"
    )


class ByScore(StrictPages):
    """Scores in the order they were made: stable under new scores, so a cursor never skips one."""

    ordering = "pk"


class RoundPersonResults(KnownParameters, RegionGenericApiView):
    permission_classes = [requires(Scope.RESULTS_PERSONAL)]
    query_parameters = frozenset({"unit", "cursor", "page_size"})
    pagination_class = ByScore
    serializer_class = PersonResultSerializer

    @extend_schema(
        tags=[TAG],
        operation_id="round_employee_results",
        summary="Each employee's result in a round",
        description="Every scored employee of a scored round with their index, areas, competences and "
        "this year's learning plan (as on their result page), in pages of `page_size` (default 100, "
        "at most 500); follow `next`. Filter by `unit` (the unit's id). Personal data: audited.",
        parameters=[
            ROUND_ID,
            OpenApiParameter(
                "unit", {"type": "integer", "minimum": 1, "maximum": 2147483647}, description="Unit id."
            ),
        ],
        responses={200: PersonResultSerializer(many=True), **ERRORS},
        examples=[OpenApiExample("A page", value=examples.PERSON_PAGE, response_only=True)],
    )
    def get(self, request: Request, round_id: str) -> Response:
        round_ = scored_round(id_of(round_id))
        scores = _scores().filter(round=round_)
        unit = request.query_params.get("unit")
        if unit is not None:
            if not unit.isascii() or not unit.isdigit() or not 1 <= int(unit) <= MAX_ID:
                raise ParseError(_("'unit' must be a work unit's id."))
            scores = scores.filter(unit_id=int(unit))
        page = self.paginate_queryset(scores)
        frameworks = _Frameworks()
        rows = [person_result(s, frameworks) for s in page or []]
        audit_trail.personal_export(request, "employee_results", "api", subject=round_)
        return self.get_paginated_response(PersonResultSerializer(rows, many=True).data)


class EmployeePersonResults(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_PERSONAL)]

    @extend_schema(
        tags=[TAG],
        operation_id="employee_results",
        summary="One employee's results, by NIP",
        description="The employee's result in every scored round, newest first, each with that round's "
        "learning plan. 404 when no employee has the NIP. Personal data: audited.",
        parameters=[NIP],
        responses={200: PersonResultsSerializer, **ERRORS},
        examples=[OpenApiExample("By NIP", value=examples.PERSON_RESULTS, response_only=True)],
    )
    def get(self, request: Request, nip: str) -> Response:
        from assessment.people.models import Employee

        employee = Employee.objects.filter(nip=nip).first()
        if employee is None:
            raise Http404
        frameworks = _Frameworks()
        scores = _scores().filter(employee=employee).order_by("-round__created_at", "-pk")
        rows = [person_result(s, frameworks) for s in scores]
        audit_trail.personal_export(request, "employee_report", "api", subject=employee)
        return Response(PersonResultsSerializer({"results": rows}).data)


__all__ = [
    "EmployeePersonResults",
    "RegionResults",
    "RoundPersonResults",
    "SegmentResults",
    "UnitResult",
    "UnitResults",
]

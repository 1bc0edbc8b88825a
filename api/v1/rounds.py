"""Rounds and participation through the region API (``results:read``): the region's rounds, and one
round with its participation per unit as the round's live page counts it (``monitor.unit_progress``:
invited, started, finished). Counts of who took part are not results, so they are not hidden by the
small-group rule; the results are (``api.v1.results``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Min
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from api.keys.scopes import Scope
from api.permissions import requires
from api.schema import ERRORS, ROUND_ID, KnownParameters, id_of
from api.v1 import examples
from api.v1.base import RegionApiView
from assessment.results.models import ScoringRun
from assessment.rounds.models import Round
from assessment.rounds.services import monitor

TAG = "rounds"


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=Round.State.choices)
    result_timing = serializers.ChoiceField(choices=Round.ResultTiming.choices)
    scored = serializers.BooleanField(help_text="Scoring is done: the round's results can be read.")
    first_session_starts = serializers.DateTimeField(allow_null=True)
    last_session_ends = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class RoundListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = RoundSerializer(many=True)


class ParticipationSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    started = serializers.IntegerField(help_text="Began the test (submitted ones included).")
    finished = serializers.IntegerField(help_text="Submitted the test.")


class UnitParticipationSerializer(ParticipationSerializer):
    unit_id = serializers.IntegerField()
    unit = serializers.CharField()


class RoundDetailSerializer(RoundSerializer):
    participation = ParticipationSerializer()
    units = UnitParticipationSerializer(many=True)


def _rounds() -> Any:
    return Round.objects.annotate(
        first_start=Min("sessions__starts_at"), last_end=Max("sessions__ends_at")
    ).select_related("scoring")


def _round(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "state": r.state,
        "result_timing": r.result_timing,
        "scored": _done(r),
        "first_session_starts": r.first_start,
        "last_session_ends": r.last_end,
        "created_at": r.created_at,
    }


def _scoring_of(r: Round) -> ScoringRun | None:
    try:
        return r.scoring
    except ScoringRun.DoesNotExist:
        return None


class RoundList(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_READ)]
    query_parameters = frozenset({"state"})

    @extend_schema(
        tags=[TAG],
        operation_id="rounds_list",
        summary="The region's rounds",
        description="Every round of the region, newest first, with its state and whether its results "
        "can be read (`scored`). Filter by `state`.",
        parameters=[
            OpenApiParameter(
                "state", str, enum=[s.value for s in Round.State], description="Only this state."
            )
        ],
        responses={200: RoundListSerializer, **ERRORS},
        examples=[OpenApiExample("Rounds", value=examples.ROUND_LIST, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        rounds = _rounds()
        state = request.query_params.get("state")
        if state is not None:
            if state not in Round.State.values:
                raise ParseError(f"'state' must be one of: {', '.join(Round.State.values)}.")
            rounds = rounds.filter(state=state)
        rows = [_round(r) for r in rounds.order_by("-created_at", "-pk")]
        return Response(RoundListSerializer({"count": len(rows), "results": rows}).data)


def _done(r: Round) -> bool:
    scoring = _scoring_of(r)
    return scoring is not None and scoring.state == ScoringRun.State.DONE


class RoundDetail(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.RESULTS_READ)]

    @extend_schema(
        tags=[TAG],
        operation_id="round_read",
        summary="One round with its participation",
        description="The round, and per invited work unit how many were invited, started and finished "
        "(submitted), as the round's live page counts them; `participation` sums the units.",
        parameters=[ROUND_ID],
        responses={200: RoundDetailSerializer, **ERRORS},
        examples=[OpenApiExample("A round", value=examples.ROUND_DETAIL, response_only=True)],
    )
    def get(self, request: Request, round_id: str) -> Response:
        r = _rounds().filter(pk=id_of(round_id)).first()
        if r is None:
            raise Http404
        units = [
            {
                "unit_id": u["unit_id"],
                "unit": u["unit"],
                "invited": u["invited"],
                "started": u["started"],
                "finished": u["submitted"],
            }
            for u in monitor.unit_progress(r)
        ]
        total = {k: sum(u[k] for u in units) for k in ("invited", "started", "finished")}
        data = {**_round(r), "participation": total, "units": units}
        return Response(RoundDetailSerializer(data).data)

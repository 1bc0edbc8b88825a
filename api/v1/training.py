"""Training records over the API (scope ``training:write``): list, add one, add a batch.

Views are thin: every write goes through ``assessment.training.services.recording``, the import's rule
set, so that the API and the file import accept and refuse the same rows with the same messages. Errors
come back as ``{"errors": [{"index", "field", "message"}]}`` like the register's: ``index`` is the
record's position in the batch (0 for a single record; -1 for the request as a whole). Adding a
training that is already recorded is not an error (idempotent): the single call answers 200 with the
existing record, the batch counts it as ``skipped``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.keys.scopes import Scope
from api.permissions import requires
from api.schema import KnownParameters
from api.v1.base import RegionApiView, RegionGenericApiView
from api.v1.paging import StrictPages
from api.v1.problems import BodyProblems
from assessment.training.models import MAX_JP, MIN_JP, Source, TrainingRecord
from assessment.training.services import recording
from assessment.training.services.matching import title_key

MAX_BATCH = 5_000
MIN_YEAR, MAX_YEAR = 1990, 2100  # the list's ``year`` filter
FIELD_NAMES = {field: field for field in recording.FIELDS}


class TrainingRecordSerializer(serializers.ModelSerializer[TrainingRecord]):
    nip = serializers.CharField(source="employee.nip", read_only=True)
    course: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The matched catalogue course's code."
    )
    jp = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, read_only=True)
    batch = serializers.UUIDField(source="batch_id", read_only=True, allow_null=True)

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "nip",
            "course_title",
            "provider",
            "completed_on",
            "jp",
            "certificate_number",
            "source",
            "course",
            "batch",
            "created_at",
        ]
        read_only_fields = fields


# The rule (recording._jp): 0.5 to 500 with at most one decimal (2.3 is fine, 2.35 is not). No
# ``multipleOf: 0.1``: validators divide in binary floating point, so 2.3 / 0.1 is not a whole number
# to them (Python's jsonschema refuses 2.3 and 0.7), and the schema would refuse what the server takes.
@extend_schema_field({"type": "number", "minimum": float(MIN_JP), "maximum": float(MAX_JP), "example": 20})
class JpField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=4,
            decimal_places=1,
            min_value=MIN_JP,
            max_value=MAX_JP,
            coerce_to_string=False,
            **kwargs,
        )


class TrainingRecordInput(serializers.Serializer[dict[str, Any]]):
    """What a client sends (checked by the import's rules, which give the messages)."""

    nip = serializers.CharField(
        min_length=18,
        max_length=18,
        validators=[RegexValidator(r"^[0-9]{18}$")],
        help_text="18 digits, an employee of the region.",
    )
    course_title = serializers.CharField(min_length=1, max_length=255)
    provider = serializers.CharField(max_length=200, required=False, allow_blank=True)
    completed_on = serializers.DateField(help_text="YYYY-MM-DD, not in the future.")
    jp = JpField(help_text="Lesson hours (45 minutes), 0.5 to 500, with at most one decimal (2.5, 2.3).")
    certificate_number = serializers.CharField(max_length=100, required=False, allow_blank=True)


PROBLEMS = inline_serializer(
    "TrainingProblems",
    {
        "errors": serializers.ListField(
            child=inline_serializer(
                "TrainingProblem",
                {
                    "index": serializers.IntegerField(),
                    "field": serializers.CharField(),
                    "message": serializers.CharField(),
                },
            )
        )
    },
)
EXAMPLE = {
    "nip": "199001052015032001",
    "course_title": "Literasi Data untuk ASN",
    "provider": "LAN RI",
    "completed_on": "2026-03-15",
    "jp": 20,
    "certificate_number": "LAN-2026-000123",
}


def _errors(problems: Sequence[recording.Problem]) -> Response:
    # Rows are numbered from 1 in the rule set (row 0: the request as a whole): index = row - 1.
    errors = [
        {"index": p.row - 1, "field": "" if p.column == "-" else p.column, "message": p.message}
        for p in problems
    ]
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _malformed(message: str) -> Response:
    return Response(
        {"errors": [{"index": -1, "field": "", "message": message}]}, status=status.HTTP_400_BAD_REQUEST
    )


def _rows(items: Sequence[object]) -> list[tuple[int, Mapping[str, object]]] | None:
    if not all(isinstance(item, dict) for item in items):
        return None
    return [(number, item) for number, item in enumerate(items, start=1) if isinstance(item, dict)]


class RecordPages(StrictPages):
    ordering = "id"


def _refused(name: str, message: str) -> ParseError:
    # A list's 400 is the API's {"detail": ...} like every read's (``errors`` are for written records).
    return ParseError(f"{name}: {message}")


def _filtered(request: Request) -> QuerySet[TrainingRecord]:
    params = request.query_params
    qs = TrainingRecord.objects.select_related("employee", "course")
    if "nip" in params:
        nip = params["nip"]
        if not (len(nip) == 18 and nip.isascii() and nip.isdigit()):
            raise _refused("nip", _("Give the 18 digits of a NIP."))
        qs = qs.filter(employee__nip=nip)
    if "batch" in params:
        try:
            batch = uuid.UUID(params["batch"])
        except ValueError:
            raise _refused("batch", _("Give the batch id (a UUID).")) from None
        qs = qs.filter(batch_id=batch)
    if "year" in params:
        year = params["year"]
        if not (year.isascii() and year.isdigit() and MIN_YEAR <= int(year) <= MAX_YEAR):
            raise _refused("year", _("Give a year from 1990 to 2100."))
        qs = qs.filter(completed_on__year=int(year))
    return qs


class TrainingRecordList(BodyProblems, KnownParameters, RegionGenericApiView):
    permission_classes = [requires(Scope.TRAINING_WRITE)]
    query_parameters = frozenset({"nip", "year", "batch", "cursor", "page_size"})
    parser_classes = [JSONParser]  # a form's blanks and encodings are not the import's values
    pagination_class = RecordPages
    serializer_class = TrainingRecordSerializer

    @extend_schema(
        summary="List training records",
        description="Completed training, oldest record first, a page at a time (follow ``next``).",
        parameters=[
            OpenApiParameter(
                "nip", str, description="An employee's NIP (18 digits).", pattern=r"^[0-9]{18}$"
            ),
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
                description="Completed in this calendar year (1990 to 2100).",
            ),
            OpenApiParameter(
                "batch",
                OpenApiTypes.UUID,
                description="Added by this import or batch (as the webhook names it).",
            ),
        ],
        responses={
            200: TrainingRecordSerializer(many=True),
            404: inline_serializer("TrainingCursorInvalid", {"detail": serializers.CharField()}),
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(_filtered(request))
        return self.get_paginated_response(TrainingRecordSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a training record",
        description=(
            "Checked like a row of the training import. 201 when added; 200 with the existing record "
            "when the same training (NIP, title, date, certificate number) is already recorded."
        ),
        request=TrainingRecordInput,
        responses={200: TrainingRecordSerializer, 201: TrainingRecordSerializer, 400: PROBLEMS},
        examples=[OpenApiExample("Training record", value=EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return _malformed(_("Send the training record as a JSON object."))
        try:
            entries = recording.check([(1, request.data)], FIELD_NAMES)
        except recording.Rejected as exc:
            return _errors(exc.problems)
        saved = recording.save(entries, Source.API)
        if saved.records:
            return Response(TrainingRecordSerializer(saved.records[0]).data, status=status.HTTP_201_CREATED)
        entry = entries[0]
        existing = TrainingRecord.objects.select_related("employee", "course").get(
            employee_id=entry.employee_id,
            title_key=title_key(entry.course_title),
            completed_on=entry.completed_on,
            certificate_number=entry.certificate_number,
        )
        return Response(TrainingRecordSerializer(existing).data)


class TrainingRecordBulk(BodyProblems, KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.TRAINING_WRITE)]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Add training records in a batch",
        description=(
            f"Up to {MAX_BATCH} records, checked like the training import, all or nothing: one wrong value "
            "and nothing of the batch is saved. Records already recorded are skipped and counted."
        ),
        request=inline_serializer(
            "TrainingRecordBatch",
            {
                "records": serializers.ListField(
                    child=TrainingRecordInput(), min_length=1, max_length=MAX_BATCH
                )
            },
        ),
        responses={
            200: inline_serializer(
                "TrainingRecordBatchOutcome",
                {
                    "batch": serializers.UUIDField(),
                    "added": serializers.IntegerField(),
                    "skipped": serializers.IntegerField(),
                },
            ),
            400: PROBLEMS,
        },
        examples=[OpenApiExample("Batch", value={"records": [EXAMPLE]}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        items = request.data.get("records") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            return _malformed(_('Send {"records": [...]}, a list of training records.'))
        if len(items) > MAX_BATCH:
            return _malformed(_("At most %(n)d records in one batch.") % {"n": MAX_BATCH})
        rows = _rows(items)
        if rows is None:
            return _malformed(_("Every record must be a JSON object."))
        try:
            entries = recording.check(rows, FIELD_NAMES)
        except recording.Rejected as exc:
            return _errors(exc.problems)
        saved = recording.save(entries, Source.API)
        return Response({"batch": str(saved.batch.pk), "added": saved.batch.added, "skipped": saved.skipped})

"""The staff register over the API: units, and employees (list, read, create or update, bulk upsert).

Views are thin: the list uses the register page's search (``people.services.employees.search``: the
same exclusion of erased employees), writes go through ``api.register_upsert`` (the import's checks).
Lists of employees are cursor-paginated by NIP (stable under inserts, no COUNT over the register);
``page_size`` up to 500.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from api import register_upsert
from api.keys.scopes import Scope
from api.permissions import requires
from api.schema import ERRORS, KnownParameters
from api.v1.base import RegionApiView, RegionGenericApiView
from api.v1.paging import StrictPages
from api.v1.problems import BodyProblems
from assessment.people.models import Employee, WorkUnit
from assessment.people.nip import NipError, normalise_nip
from assessment.people.services import employees as register


class UnitSerializer(serializers.ModelSerializer[WorkUnit]):
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)  # type: ignore[assignment]
    retired = serializers.SerializerMethodField()

    class Meta:
        model = WorkUnit
        fields = ["code", "name", "kind", "parent", "retired"]

    def get_retired(self, unit: WorkUnit) -> bool:
        return unit.retired_at is not None


class EmployeeSerializer(serializers.ModelSerializer[Employee]):
    unit = serializers.CharField(source="unit.code", read_only=True, help_text="Work unit code.")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    # Not ``format: email``: the register keeps an unknown address as "" (the field is optional).
    email = serializers.CharField(read_only=True, help_text="E-mail address; empty when not known.")

    class Meta:
        model = Employee
        fields = [
            "nip",
            "full_name",
            "unit",
            "unit_name",
            "position_title",
            "position_type",
            "employment_status",
            "rank",
            "education",
            "sex",
            "birth_date",
            "email",
            "phone",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class EmployeeInputSerializer(serializers.Serializer[dict[str, Any]]):
    """What a client sends: values as the import accepts them (checked by the import's rules, not here)."""

    nip = serializers.CharField(
        min_length=1, help_text="18 digits (NIP or NI PPPK); spaces, dots and dashes are left out."
    )
    full_name = serializers.CharField(min_length=1)
    unit = serializers.CharField(min_length=1, help_text="Work unit code or name.")
    position_title = serializers.CharField(required=False, allow_blank=True)
    position_type = serializers.CharField(min_length=1, help_text="Struktural, Fungsional or Pelaksana.")
    employment_status = serializers.CharField(min_length=1, help_text="PNS, CPNS, PPPK or PPPK Paruh Waktu.")
    rank = serializers.CharField(
        required=False, allow_blank=True, help_text="Golongan (III/a) or PPPK grade."
    )
    education = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField(min_length=1, help_text="L or P.")
    birth_date = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD.")
    email = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)


PROBLEM = inline_serializer(
    "RegisterProblems",
    {
        "errors": serializers.ListField(
            child=inline_serializer(
                "RegisterProblem",
                {
                    "index": serializers.IntegerField(),
                    "field": serializers.CharField(),
                    "message": serializers.CharField(),
                },
            )
        )
    },
)
EXAMPLE_EMPLOYEE = {
    "nip": "199203152019032005",
    "full_name": "Siti Rahmawati",
    "unit": "DINKES",
    "position_title": "Analis Kebijakan",
    "position_type": "Fungsional",
    "employment_status": "PNS",
    "rank": "III/b",
    "education": "S1",
    "sex": "P",
    "birth_date": "1992-03-15",
    "email": "siti@example.go.id",
    "phone": "081234567890",
}


def _rejected(exc: register_upsert.BatchRejected) -> Response:
    errors = [{"index": p.index, "field": p.field, "message": p.message} for p in exc.problems]
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class UnitList(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.REGISTER_READ)]

    @extend_schema(
        operation_id="units_list",
        summary="List work units",
        description="Every work unit of the region, retired ones included (``retired``).",
        responses=UnitSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        units = WorkUnit.objects.select_related("parent").order_by("code")
        return Response(UnitSerializer(units, many=True).data)


class UnitDetail(KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.REGISTER_READ)]

    @extend_schema(
        operation_id="units_read",
        summary="Read a work unit by its code",
        description="One work unit, retired or not; 404 when the region has no unit with this code.",
        responses=UnitSerializer,
    )
    def get(self, request: Request, code: str) -> Response:
        unit = get_object_or_404(WorkUnit.objects.select_related("parent"), code=code)
        return Response(UnitSerializer(unit).data)


class EmployeePages(StrictPages):
    ordering = "nip"


def _bool(value: str, name: str) -> bool:
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no"}:
        return False
    raise _refused(name, _("Use true or false."))


def _refused(name: str, message: str) -> ParseError:
    # As every 400 of the API: {"detail": ...} (the documented Error), naming the parameter.
    return ParseError(f"{name}: {message}")


def _moment_of(since: str) -> datetime | None:
    """A date-time, or a date (its start, UTC); None for anything else (a well-formed but impossible
    date such as 2020-02-30 too: Django's parsers raise on those)."""
    try:
        if (moment := parse_datetime(since)) is None and (day := parse_date(since)) is not None:
            moment = parse_datetime(f"{day.isoformat()}T00:00:00+00:00")
        if moment is not None and moment.tzinfo is not None:
            # In UTC: PostgreSQL refuses offsets beyond 15:59 that ISO 8601 and Python allow.
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset that moves it before year 1
        return None
    return moment


def filtered(request: Request) -> QuerySet[Employee]:
    """The register page's search, with the API's filters (unit code, position type, activity, change)."""
    params = request.query_params
    qs = register.search(query=params.get("q", "").strip(), active="all")
    if code := params.get("unit"):
        qs = qs.filter(unit__code=code)
    if "position_type" in params:  # present but empty is a wrong value too, not "no filter"
        position = params["position_type"]
        if position not in Employee.PositionType.values:
            values = ", ".join(Employee.PositionType.values)
            raise _refused("position_type", _("One of: %(values)s.") % {"values": values})
        qs = qs.filter(position_type=position)
    if "is_active" in params:
        qs = qs.filter(is_active=_bool(params["is_active"], "is_active"))
    if "updated_since" in params:
        moment = _moment_of(params["updated_since"])
        if moment is None:
            raise _refused("updated_since", _("Give a date or date-time in ISO 8601 format."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        qs = qs.filter(updated_at__gte=moment)
    return qs.order_by("nip")


LIST_FIELDS = [name for name in EmployeeSerializer.Meta.fields if name not in {"unit", "unit_name"}]


def _moment(value: datetime, zone: tzinfo) -> str:
    """A time as DRF's DateTimeField writes it (in the request's zone, UTC as "Z"), without its
    per-call setting lookups: a page has a hundred of them."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _listed(row: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """One employee of a list page, as ``EmployeeSerializer`` writes it (a test holds them equal)."""
    birth = row["birth_date"]
    return {
        **{name: row[name] for name in LIST_FIELDS},
        "unit": row["unit_code"],
        "unit_name": row["unit_name"],
        "birth_date": birth.isoformat() if birth is not None else None,
        "updated_at": _moment(row["updated_at"], zone),
    }


class EmployeeList(KnownParameters, RegionGenericApiView):
    permission_classes = [requires(Scope.REGISTER_READ)]
    query_parameters = frozenset(
        {"unit", "position_type", "is_active", "updated_since", "q", "cursor", "page_size"}
    )
    pagination_class = EmployeePages
    serializer_class = EmployeeSerializer

    @extend_schema(
        operation_id="employees_list",
        summary="List employees",
        responses={200: EmployeeSerializer(many=True), 404: ERRORS[404]},  # 404: a cursor not of ours
        description="Employees ordered by NIP, a page at a time (follow ``next``).",
        parameters=[
            OpenApiParameter("unit", str, description="Work unit code."),
            OpenApiParameter("position_type", str, enum=list(Employee.PositionType.values)),
            OpenApiParameter("is_active", bool),
            OpenApiParameter(
                "updated_since",
                {"anyOf": [{"type": "string", "format": f} for f in ("date-time", "date")]},
                description="Changed at or after this date-time, or this date (from its start, UTC).",
            ),
            OpenApiParameter("q", str, description="Part of the name, or the start of the NIP."),
        ],
    )
    def get(self, request: Request) -> Response:
        # Rows as dicts straight from the query (no model instances): the list is the sync's hot path.
        rows = filtered(request).values(*LIST_FIELDS, unit_code=F("unit__code"), unit_name=F("unit__name"))
        page = self.paginate_queryset(rows) or []
        zone = timezone.get_current_timezone()
        return self.get_paginated_response([_listed(row, zone) for row in page])


class EmployeeDetail(BodyProblems, KnownParameters, RegionApiView):
    parser_classes = [JSONParser]  # the import's values as JSON; a form's blanks would mean "missing"

    def get_permissions(self) -> list[Any]:
        scope = (
            Scope.REGISTER_READ if self.request.method in {"GET", "HEAD", "OPTIONS"} else Scope.REGISTER_WRITE
        )
        return [requires(scope)()]

    @extend_schema(
        operation_id="employees_read",
        summary="Read an employee by NIP",
        description="One employee of the register, active or not; 404 for a NIP the register does not hold.",
        responses=EmployeeSerializer,
    )
    def get(self, request: Request, nip: str) -> Response:
        employees = register.search(active="all").select_related("unit")
        employee = get_object_or_404(employees, nip=_normalised(nip))  # as PUT reads it
        return Response(EmployeeSerializer(employee).data)

    @extend_schema(
        operation_id="employees_upsert",
        summary="Create or update an employee by NIP",
        description="Checked like a row of the register import; 201 when created, 200 when updated.",
        request=EmployeeInputSerializer,
        responses={200: EmployeeSerializer, 201: EmployeeSerializer, 400: PROBLEM},
        examples=[OpenApiExample("Employee", value=EXAMPLE_EMPLOYEE, request_only=True)],
    )
    def put(self, request: Request, nip: str) -> Response:
        row = request.data if isinstance(request.data, dict) else None
        if row is None:
            return _body_refused("", _("Send the employee as a JSON object."))
        # The import's NIP (register_upsert normalises it): "1987.0312 ..." in the URL is the employee
        # 198703122010011003, for the body's comparison, the save, the read-back and 201/200 alike.
        nip = _normalised(nip)
        if "nip" in row and _normalised(row["nip"]) != nip:
            return _body_refused("nip", _("The NIP in the body differs from the NIP in the URL."))
        try:
            outcome = register_upsert.upsert([{**row, "nip": nip}])
        except register_upsert.BatchRejected as exc:
            return _rejected(exc)
        employee = Employee.objects.select_related("unit").get(nip=nip)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return Response(EmployeeSerializer(employee).data, status=code)


def _normalised(nip: object) -> str:
    """A NIP as the register import stores it; a value it refuses as written (the import then says why)."""
    try:
        return normalise_nip(nip)
    except NipError:
        return str(nip)


def _body_refused(field: str, message: str) -> Response:
    # index -1: the body as a whole (docs/api.md), as the other writes' refusals before the row checks.
    return Response({"errors": [{"index": -1, "field": field, "message": message}]}, status=400)


class EmployeeBulk(BodyProblems, KnownParameters, RegionApiView):
    permission_classes = [requires(Scope.REGISTER_WRITE)]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="employees_bulk_upsert",
        summary="Create or update employees in a batch",
        description=(
            f"Up to {register_upsert.MAX_BATCH} employees; checked like the register import, all or nothing: "
            "one wrong value and nothing of the batch is saved."
        ),
        request=inline_serializer("EmployeeBatch", {"employees": EmployeeInputSerializer(many=True)}),
        responses={
            200: inline_serializer(
                "EmployeeBatchOutcome",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                },
            ),
            400: PROBLEM,
        },
        examples=[OpenApiExample("Batch", value={"employees": [EXAMPLE_EMPLOYEE]}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        rows = request.data.get("employees") if isinstance(request.data, dict) else None
        if not isinstance(rows, list):
            message = _("Send an object whose “employees” is a list of employees.")
            return Response({"errors": [{"index": -1, "field": "employees", "message": message}]}, status=400)
        try:
            outcome = register_upsert.upsert(rows)
        except register_upsert.BatchRejected as exc:
            return _rejected(exc)
        return Response(
            {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged}
        )

"""The public API's OpenAPI description: what the platform's JSON views answer (official region search,
the national benchmark), added as drf-spectacular view extensions so that the views stay as they are.

The views build their answers from dataclasses (``asdict``); the serializers here describe those
shapes for the document only. Figures of groups below the coverage rule are still given, marked
``limited``; suppressed publications carry no figures (docs/benchmark.md).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from api.schema import ErrorSerializer

NULL_FLOATS = serializers.ListField(child=serializers.FloatField(allow_null=True))


class FiltersSerializer(serializers.Serializer):
    instrument = serializers.CharField(allow_blank=True, help_text="Instrument version (the scale).")
    period = serializers.IntegerField(allow_null=True, help_text="Year.")
    province = serializers.CharField(allow_blank=True, help_text="Province code, or empty: all.")
    kind = serializers.CharField(allow_blank=True, help_text="provinsi, kabupaten, kota, or empty: all.")


class FigureSerializer(serializers.Serializer):
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # the field, not Field.label
    key = serializers.CharField(allow_blank=True)
    regions = serializers.IntegerField()
    people = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    area_means = serializers.ListField(child=serializers.FloatField(allow_null=True))
    limited = serializers.BooleanField(help_text="Below the coverage rule: read with care.")


class CoverageRuleSerializer(serializers.Serializer):
    min_regions = serializers.IntegerField()
    min_people = serializers.IntegerField()


class DistributionSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.FloatField())
    counts = serializers.ListField(child=serializers.IntegerField())


class NationalSummarySerializer(serializers.Serializer):
    filters = FiltersSerializer()
    national = FigureSerializer()
    level_shares = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    level_basis = serializers.ListField(child=serializers.IntegerField())
    trend = FigureSerializer(many=True)
    provinces = FigureSerializer(many=True)
    kinds = FigureSerializer(many=True)
    segments = serializers.DictField(child=FigureSerializer(many=True))
    distribution = DistributionSerializer()
    simulated = serializers.BooleanField()
    provisional = serializers.IntegerField()
    coverage_rule = CoverageRuleSerializer()


class RegionRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    province_code = serializers.CharField()
    province_name = serializers.CharField()
    publication = serializers.IntegerField()
    round_name = serializers.CharField()
    held_on = serializers.DateField()
    participants = serializers.IntegerField()
    eligible = serializers.IntegerField(allow_null=True)
    mean = serializers.FloatField()
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    area_means = serializers.ListField(child=serializers.FloatField(allow_null=True))
    simulated = serializers.BooleanField()
    rank = serializers.IntegerField()
    provisional = serializers.BooleanField()
    instrument = serializers.CharField(allow_blank=True)


class RegionListSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    count = serializers.IntegerField()
    national = FigureSerializer()
    coverage_rule = CoverageRuleSerializer()
    results = RegionRowSerializer(many=True)


class RegionProfileSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    province_code = serializers.CharField()
    province_name = serializers.CharField()
    publications = serializers.ListField(
        child=serializers.DictField(),
        help_text="Every published round, newest first: participants, mean, interval, area means and "
        "the protected figures by segment (`figures`); a suppressed one only says so.",
    )


class OfficialRegionRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    province = serializers.CharField()
    time_zone = serializers.CharField()
    slug = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    taken = serializers.BooleanField(help_text="The region already has an account.")


class OfficialRegionSearchSerializer(serializers.Serializer):
    results = OfficialRegionRowSerializer(many=True)


FILTERS = [
    OpenApiParameter("versi", str, description="Instrument version; unknown or empty: the latest."),
    OpenApiParameter("tahun", str, description="Year; unknown or empty: the latest with figures."),
    OpenApiParameter("provinsi", str, description="Province code (e.g. 64); unknown or empty: all."),
    OpenApiParameter("jenis", str, description="provinsi, kabupaten or kota; unknown or empty: all."),
]
FIGURE = {
    "label": "Nasional",
    "key": "all",
    "regions": 41,
    "people": 182340,
    "mean": 2.31,
    "ci_low": 2.3,
    "ci_high": 2.32,
    "area_means": [2.4, 2.35, 2.1, 2.3, 2.2],
    "limited": False,
}
FILTERS_EXAMPLE = {"instrument": "IKD-2026.1", "period": 2026, "province": "", "kind": ""}
RULE = {"min_regions": 5, "min_people": 1000}
ROW = {
    "code": "64.02",
    "name": "Kabupaten Kutai Kartanegara",
    "kind": "kabupaten",
    "province_code": "64",
    "province_name": "Kalimantan Timur",
    "publication": 12,
    "round_name": "Pengukuran IKD 2026",
    "held_on": "2026-08-04",
    "participants": 10303,
    "eligible": 12500,
    "mean": 2.3,
    "ci_low": 2.29,
    "ci_high": 2.31,
    "area_means": [2.4, 2.35, 2.1, 2.3, 2.2],
    "simulated": False,
    "rank": 7,
    "provisional": False,
    "instrument": "",
}
BAD = {400: OpenApiResponse(ErrorSerializer, description="Malformed request (an unknown parameter).")}
LOGIN = {
    **BAD,
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Signed in without a national viewer's role."),
}


def _fixed(view: Any, schema: dict[str, Any]) -> Any:
    class Described(view):
        @extend_schema(**schema)
        def get(self, *args: Any, **kwargs: Any) -> Any:
            return super().get(*args, **kwargs)

    return Described


class NationalSummarySchema(OpenApiViewExtension):
    target_class = "benchmark.api.NationalSummary"

    def view_replacement(self) -> Any:
        example = {
            "filters": FILTERS_EXAMPLE,
            "national": FIGURE,
            "level_shares": [0.18, 0.49, 0.29, 0.04],
            "level_basis": [182340, 0],
            "trend": [{**FIGURE, "label": "2026", "key": "2026"}],
            "provinces": [{**FIGURE, "label": "Kalimantan Timur", "key": "64", "regions": 6}],
            "kinds": [{**FIGURE, "label": "Kabupaten", "key": "kabupaten"}],
            "segments": {"sex": [{**FIGURE, "label": "Perempuan", "key": "P"}]},
            "distribution": {"edges": [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], "counts": [2, 9, 17, 10, 3, 0]},
            "simulated": False,
            "provisional": 0,
            "coverage_rule": RULE,
        }
        return _fixed(
            self.target_class,
            {
                "operation_id": "national_summary",
                "summary": "National benchmark summary",
                "description": "National index, trend, provinces, region kinds, segments and the "
                "distribution of region indexes under the filters; weighted by participants, with the "
                "regions and people behind each figure and `limited` below the coverage rule. For "
                "national viewers (signed in).",
                "parameters": FILTERS,
                "responses": {200: NationalSummarySerializer, **LOGIN},
                "examples": [OpenApiExample("Summary", value=example, response_only=True)],
            },
        )


class RegionListSchema(OpenApiViewExtension):
    target_class = "benchmark.api.RegionList"

    def view_replacement(self) -> Any:
        example = {
            "filters": FILTERS_EXAMPLE,
            "count": 1,
            "national": FIGURE,
            "coverage_rule": RULE,
            "results": [ROW],
        }
        return _fixed(
            self.target_class,
            {
                "operation_id": "national_regions",
                "summary": "Regions ranked by index",
                "description": "Each region's latest published round under the filters, ranked by "
                "index, and the national figure they make. For national viewers (signed in).",
                "parameters": FILTERS,
                "responses": {200: RegionListSerializer, **LOGIN},
                "examples": [OpenApiExample("Ranking", value=example, response_only=True)],
            },
        )


class RegionProfileSchema(OpenApiViewExtension):
    target_class = "benchmark.api.RegionProfile"

    def view_replacement(self) -> Any:
        example = {
            "code": "64.02",
            "name": "Kabupaten Kutai Kartanegara",
            "kind": "kabupaten",
            "province_code": "64",
            "province_name": "Kalimantan Timur",
            "publications": [
                {"id": 12, "round_name": "Pengukuran IKD 2026", "suppressed": False, "mean": 2.3}
            ],
        }
        return _fixed(
            self.target_class,
            {
                "operation_id": "national_region",
                "summary": "One region's published rounds",
                "description": "Every published round of one region (by its Kemendagri code, e.g. "
                "`64.02`), newest first, with its protected figures. 404 for an unknown code. For "
                "national viewers (signed in).",
                "parameters": [
                    OpenApiParameter("code", str, OpenApiParameter.PATH, description="Kemendagri code.")
                ],
                "responses": {
                    200: RegionProfileSerializer,
                    404: OpenApiResponse(ErrorSerializer, description="No such region."),
                    **LOGIN,
                },
                "examples": [OpenApiExample("Profile", value=example, response_only=True)],
            },
        )


class OfficialRegionSearchSchema(OpenApiViewExtension):
    target_class = "tenants.views.OfficialRegionSearch"

    def view_replacement(self) -> Any:
        example = {
            "results": [
                {
                    "code": "64.02",
                    "name": "Kabupaten Kutai Kartanegara",
                    "kind": "kabupaten",
                    "province": "Kalimantan Timur",
                    "time_zone": "Asia/Makassar",
                    "slug": "kutaikartanegara",
                    "label": "Kabupaten Kutai Kartanegara (Kalimantan Timur)",
                    "taken": False,
                }
            ]
        }
        return _fixed(
            self.target_class,
            {
                "operation_id": "official_region_search",
                "summary": "Search the official regions",
                "description": "The official list of 38 provinces and 514 regencies and cities "
                "(Kemendagri), searched by name or code (`q`), at most 20 hits; `taken` when the "
                "region already has an account. Public: the signup form asks it.",
                "parameters": [OpenApiParameter("q", str, description="Part of a name or a code.")],
                "responses": {200: OfficialRegionSearchSerializer, **BAD},
                "examples": [OpenApiExample("Search", value=example, response_only=True)],
            },
        )

"""The portal's JSON answers (same figures as the pages, for national bodies' own analyses).

Each answer is serialised once per benchmark generation (``answer``: the JSON bytes, cached like the
figures they carry) and served as it is by ``SerialisedJSONRenderer``: serialising the 552 ranked regions
on every request cost more than the 50 ms the portal has (issue #20). The warm-up after a change
(``benchmark.prebuild``) serialises the answers the portal links, so the first viewer finds them too.
The bytes are exactly what DRF's ``JSONRenderer`` makes of the same data, so the OpenAPI description
(``api.public_schema``) still holds; a client asking for indented JSON (or the browsable API) gets the
data re-rendered. The answers hold no translated text (labels are keys, translated where shown), so one
serialisation serves every language.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.http import Http404
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access
from api.schema import KnownParameters
from benchmark import coverage
from benchmark.services import national
from benchmark.views import PORTAL_ROLES
from tenants import wilayah

FILTER_PARAMETERS = frozenset({"versi", "tahun", "provinsi", "jenis"})


def _filters(request: Request) -> national.Filters:
    q = request.query_params
    return national.resolve(q.get("versi", ""), q.get("tahun"), q.get("provinsi", ""), q.get("jenis", ""))


@dataclass(frozen=True)
class Serialised:
    """An answer already rendered as JSON by ``JSONRenderer``."""

    content: bytes


class SerialisedJSONRenderer(JSONRenderer):
    """``JSONRenderer`` that serves a ``Serialised`` answer's bytes as they are."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, Serialised):
            if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
                return data.content
            data = json.loads(data.content)  # indented on request: rare, rendered afresh
        return super().render(data, accepted_media_type, renderer_context)


def serialise(data: Any) -> bytes:
    return JSONRenderer().render(data, "application/json", {})


def answer(name: str, key: str, data: Callable[[], Any]) -> Serialised:
    """The JSON of ``data()``, serialised once per generation (shared cache and each worker's memory)."""
    return Serialised(national.cached(f"api-{name}", key, lambda: serialise(data())))


def summary_data(filters: national.Filters) -> dict[str, Any]:
    overview = national.overview(filters)
    data: dict[str, Any] = asdict(overview)
    data["distribution"] = {"edges": overview.distribution[0], "counts": overview.distribution[1]}
    data["coverage_rule"] = coverage.rule()
    return data


def regions_data(filters: national.Filters) -> dict[str, Any]:
    rows = national.regions(filters)
    return {
        "filters": asdict(filters),
        "count": len(rows),
        "national": asdict(national.weighted("all", "all", rows)),
        "coverage_rule": coverage.rule(),
        "results": [asdict(r) for r in rows],
    }


def summary_answer(filters: national.Filters) -> Serialised:
    return answer("summary", filters.key(), lambda: summary_data(filters))


def regions_answer(filters: national.Filters) -> Serialised:
    return answer("regions", filters.key(), lambda: regions_data(filters))


def profile_answer(code: str) -> Serialised | None:
    """One region's profile, or None for a code that names no official region."""
    official = wilayah.get(code)
    if official is None:
        return None
    return answer("profile", official.code, lambda: profile_data(official.code))


def profile_data(code: str) -> dict[str, Any]:
    profile = national.profile(code)
    assert profile is not None  # an official code
    return profile_dict(profile)


def profile_dict(profile: national.Profile) -> dict[str, Any]:
    """``asdict`` without its deep copy: the publications' figures are only read, to be serialised, and
    copying them was most of the warm-up's time (23 of 27 s for 552 profiles)."""
    return {f.name: getattr(profile, f.name) for f in fields(profile)}


RENDERERS = [SerialisedJSONRenderer, BrowsableAPIRenderer]


@access(roles=PORTAL_ROLES)
class NationalSummary(KnownParameters, APIView):
    """National index, trend, groups and distribution for the filters (``versi``, ``tahun``, ``provinsi``,
    ``jenis``); weighted by participants, with the number of regions and people behind each figure and
    ``limited`` where they fall below the coverage rule (given under ``coverage_rule``, docs/benchmark.md)."""

    query_parameters = FILTER_PARAMETERS  # anything else is refused (400), not silently ignored
    renderer_classes = RENDERERS

    def get(self, request: Request) -> Response:
        return Response(summary_answer(_filters(request)))


@access(roles=PORTAL_ROLES)
class RegionList(KnownParameters, APIView):
    """Each region's latest published round under the filters, ranked by index, and the national figure
    they make (with ``limited`` under the coverage rule)."""

    query_parameters = FILTER_PARAMETERS
    renderer_classes = RENDERERS

    def get(self, request: Request) -> Response:
        return Response(regions_answer(_filters(request)))


@access(roles=PORTAL_ROLES)
class RegionProfile(KnownParameters, APIView):
    """Every published round of one region, with its protected figures."""

    renderer_classes = RENDERERS

    def get(self, request: Request, code: str) -> Response:
        found = profile_answer(code)
        if found is None:
            raise Http404
        return Response(found)

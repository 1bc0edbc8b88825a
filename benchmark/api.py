"""The portal's JSON answers (same figures as the pages, for national bodies' own analyses)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access
from benchmark import coverage
from benchmark.services import national
from benchmark.views import PORTAL_ROLES


def _filters(request: Request) -> national.Filters:
    q = request.query_params
    return national.resolve(q.get("versi", ""), q.get("tahun"), q.get("provinsi", ""), q.get("jenis", ""))


@access(roles=PORTAL_ROLES)
class NationalSummary(APIView):
    """National index, trend, groups and distribution for the filters (``versi``, ``tahun``, ``provinsi``,
    ``jenis``); weighted by participants, with the number of regions and people behind each figure and
    ``limited`` where they fall below the coverage rule (given under ``coverage_rule``, docs/benchmark.md)."""

    def get(self, request: Request) -> Response:
        overview = national.overview(_filters(request))
        data: dict[str, Any] = asdict(overview)
        data["distribution"] = {"edges": overview.distribution[0], "counts": overview.distribution[1]}
        data["coverage_rule"] = coverage.rule()
        return Response(data)


@access(roles=PORTAL_ROLES)
class RegionList(APIView):
    """Each region's latest published round under the filters, ranked by index, and the national figure
    they make (with ``limited`` under the coverage rule)."""

    def get(self, request: Request) -> Response:
        filters = _filters(request)
        rows = national.regions(filters)
        return Response(
            {
                "filters": asdict(filters),
                "count": len(rows),
                "national": asdict(national.weighted("all", "all", rows)),
                "coverage_rule": coverage.rule(),
                "results": [asdict(r) for r in rows],
            }
        )


@access(roles=PORTAL_ROLES)
class RegionProfile(APIView):
    """Every published round of one region, with its protected figures."""

    def get(self, request: Request, code: str) -> Response:
        profile = national.profile(code)
        if profile is None:
            raise Http404
        return Response(asdict(profile))

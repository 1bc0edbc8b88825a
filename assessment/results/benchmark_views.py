"""A region's own benchmark page (where it stands among regions, its publications, its naming choice) and the
explicit step that sends a round to the national benchmark or withdraws it."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from assessment.results.services import publishing
from assessment.rounds.models import Round
from benchmark import coverage, presentation
from benchmark.models import Naming, Publication
from benchmark.services import national
from benchmark.services import publishing as benchmark
from tenants.services import approval

ADMIN = [Role.REGION_ADMIN]
STAFF = [Role.REGION_ADMIN, Role.UNIT_COORDINATOR]


def _standing(region: Any, latest: Publication) -> dict[str, Any]:
    """The region against every region and its province, for the round's instrument and year."""
    filters = national.resolve(latest.instrument, latest.period)
    rows = national.regions(filters)
    province_rows = [r for r in rows if r.province_code == region.province_code]
    named = set(Naming.objects.filter(named=True).values_list("region_code", flat=True))
    names = presentation.peer_names(province_rows, named, region.code)
    chart_rows = [
        r if names[r.code] == r.name else dataclasses.replace(r, ci_low=r.mean, ci_high=r.mean)
        for r in province_rows
    ]
    nat = national.weighted("all", "all", rows)
    province = national.weighted(region.province_name, region.province_code, province_rows)
    edges, counts = national.distribution(rows)
    return {
        "filters": filters,
        "national": nat,
        "province": province,
        "percentile": national.percentile(rows, region.code),
        "province_percentile": national.percentile(province_rows, region.code),
        "rank": next((r.rank for r in rows if r.code == region.code), None),
        "regions": len(rows),
        # An anonymised peer's size would name it as surely as its name: shown only for named ones. So
        # would its interval, whose width goes with the square root of its size: the table and the chart
        # give a lettered peer its index and rank only.
        "peers": [(names[r.code], r, r.code == region.code, names[r.code] == r.name) for r in province_rows],
        "peer_chart": presentation.ranking_chart(chart_rows, names, nat.mean) if chart_rows else None,
        "distribution": presentation.region_distribution(edges, counts, latest.mean),
        "areas": presentation.profile_charts(
            {"mean": latest.mean, "area_means": latest.area_means, "figures": latest.figures}, nat
        ),
        "simulated": any(r.simulated for r in rows),
        "provisional": sum(1 for r in rows if r.provisional),
        "calibrated": bool(rows),
        "coverage_rule": coverage.rule(),
    }


@access(roles=STAFF)
def region_benchmark(request: HttpRequest) -> HttpResponse:
    region = request.region  # type: ignore[attr-defined]
    # Its own rounds only: figures published under its code by another source (the demo's simulated
    # stand-ins) are not "your region" (issue 15).
    publications = publishing.own_publications(region)
    keys = {p.round_key: p for p in publications}
    rounds = [
        (r, keys.get(publishing.round_key(r)))
        for r in Round.objects.filter(state=Round.State.PUBLISHED).order_by("-created_at")
    ]
    latest = next((p for p in publications if not p.suppressed), None)
    context = {
        "region": region,
        "rounds": rounds,
        "publications": publications,
        "latest": latest,
        "standing": _standing(region, latest) if latest is not None else None,
        "cells": presentation.cell_tables(latest.figures) if latest is not None else [],
        "named": benchmark.is_named(region.code),
        "is_admin": request.user.role == Role.REGION_ADMIN,  # type: ignore[union-attr]
        # A region not approved yet is told why it cannot publish and what to do (the service refuses too).
        "publish_refusal": approval.publish_refusal(region),
    }
    return render(request, "results/benchmark.html", context)


@access(roles=ADMIN)
@require_http_methods(["POST"])
def benchmark_naming(request: HttpRequest) -> HttpResponse:
    named = request.POST.get("named") == "on"
    benchmark.set_naming(request.region.code, named)  # type: ignore[attr-defined]
    messages.success(
        request,
        _("Other regions now see your region's name.")
        if named
        else _("Other regions now see your region without its name."),
    )
    return redirect("region_benchmark")


def _back(request: HttpRequest, round_: Round) -> HttpResponse:
    """Back to where the admin acted: the round's results page or the benchmark page."""
    if request.POST.get("back") == "results":
        return redirect("results_round", pk=round_.pk)
    return redirect("region_benchmark")


@access(roles=ADMIN)
@require_http_methods(["POST"])
def benchmark_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk)
    if publishing.withdraw_round(round_):
        messages.success(request, _("The round's figures were withdrawn from the national benchmark."))
    else:
        messages.info(request, _("This round has no figures in the national benchmark."))
    return _back(request, round_)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def benchmark_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """The explicit step: what is sent, who sees it and how to withdraw it, then the admin's confirmation.
    Only an announced round; a region not approved yet reads the page but cannot send."""
    round_ = get_object_or_404(Round, pk=pk, state=Round.State.PUBLISHED)
    region = request.region  # type: ignore[attr-defined]
    if request.method == "POST":
        if request.POST.get("confirm") != "on":
            messages.error(
                request,
                _("Tick the box to confirm that the region agrees to send this round's figures."),
            )
            return redirect("benchmark_publish", pk=round_.pk)
        try:
            publication = publishing.publish_round(round_)
        except publishing.PublishingError as error:
            messages.error(
                request,
                _("The figures could not be sent to the national benchmark: %(reason)s") % {"reason": error},
            )
            return redirect("benchmark_publish", pk=round_.pk)
        messages.success(
            request,
            _(
                "The round's figures are in the national benchmark (%(n)s participants); they replace any "
                "sent before. You can withdraw them at any time."
            )
            % {"n": intcomma(publication.participants or 0)},
        )
        return redirect("results_round", pk=round_.pk)
    refusal = approval.publish_refusal(region)
    preview = publishing.preview_round(round_)
    context = {
        "round": round_,
        "region": region,
        "publication": publishing.publication_of(round_),
        "preview": preview,
        "cells": presentation.cell_tables(preview.figures) if preview.figures else [],
        "publish_refusal": refusal,
        "named": benchmark.is_named(region.code),
    }
    return render(request, "results/benchmark_send.html", context)

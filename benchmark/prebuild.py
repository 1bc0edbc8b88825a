"""What a change to the benchmark makes the portal show, built right after the change (by the warm-up task,
``benchmark.tasks``) so that no viewer pays for it.

Everything the portal serves is cached under the generation token (``services.generation``), which every
publication, withdrawal or naming change renews. This builds, under the token it reads first (a newer change
renews the token and queues another run, so nothing built here is ever served for a later state):

* every year of every comparison scale: the ranked regions (one query a year) and the year's published
  cells (one query a year); any province or kind, the trend and the group figures are sums of these in
  Python, so filters nobody built still cost no query;
* the overview of each year, for all regions and for each kind (the filters the portal links);
* the ranking's rows of each year in every language, rendered once for all regions (rendering the table
  of 552 regions was most of the ranking page's work); the table for any province, kind and order is a
  join of them, done here for all regions and each kind in every order the page links, and each
  province's chart (the overview links them);
* the downloads of the latest year, in every language;
* every region's profile (one query for all of them) and its page in every language;
* the API's JSON answers (``benchmark.api``) of the same: the summary and the ranked regions of every
  year for all regions and each kind, and every region's profile, serialised once.

Disclosure is untouched: these are the same figures the pages built on demand, from published cells only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import get_urlconf, set_urlconf
from django.utils import translation

from benchmark import api, presentation
from benchmark.models import Publication
from benchmark.services import exporting, generation, national
from tenants import wilayah

KINDS = ("", wilayah.Kind.PROVINSI, wilayah.Kind.KABUPATEN, wilayah.Kind.KOTA)


@dataclass(frozen=True)
class Built:
    generation: int
    started: float  # time.time() when the run read its generation
    years: int
    tables: int
    files: int
    profiles: int
    seconds: float


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def build() -> Built:
    started, wall = time.perf_counter(), time.time()
    before = get_urlconf()
    # The portal's links are the public site's (a request there would have routed to them).
    set_urlconf(getattr(settings, "PUBLIC_SCHEMA_URLCONF", None))
    try:
        with generation.pinned() as stamp:
            built = _build(stamp)
    finally:
        set_urlconf(before)
    return Built(stamp, wall, *built, time.perf_counter() - started)


def _build(stamp: int) -> tuple[int, int, int, int]:
    tables = files = years = 0
    scales = national.instruments()
    for scale in scales:
        for year in national.periods(scale):
            years += 1
            everything = national.resolve(scale, year)
            national.regions(everything)
            national.year_cells(everything)
            for lang in languages():
                with translation.override(lang):
                    presentation.ranking_rows(everything)
            for kind in KINDS:
                filters = national.Filters(scale, year, "", kind)
                if not national.regions(filters):
                    continue
                overview = national.overview(filters)
                api.summary_answer(filters)
                api.regions_answer(filters)
                rows = national.regions(filters)
                for lang in languages():
                    with translation.override(lang):
                        presentation.portal_body(overview, exporting.query(filters))
                        if len(rows) <= presentation.CHART_ROWS:
                            presentation.ranking_chart_of(filters, rows, overview.national.mean)
                        for sort in presentation.SORTS:
                            presentation.ranking_table(filters, sort)  # a join of the rendered rows
                            tables += 1
            # The overview links each province's ranking (in rank order).
            for province in {r.province_code for r in national.regions(everything)}:
                filters = national.Filters(scale, year, province)
                rows = national.regions(filters)
                reference = national.weighted("all", "all", rows).mean
                for lang in languages():
                    with translation.override(lang):
                        presentation.ranking_table(filters, "rank")
                        presentation.ranking_chart_of(filters, rows, reference)
                        tables += 1
    latest = national.resolve()
    if latest.instrument:
        for lang in languages():
            with translation.override(lang):
                for fmt in exporting.FORMATS:
                    exporting.cached_file(latest, fmt)
                    files += 1
    profiles = _profiles(stamp)
    return years, tables, files, profiles


def _profiles(stamp: int) -> int:
    """Every region's profile in one query, stored under the keys ``national.profile`` reads."""
    by_code: dict[str, list[Publication]] = {}
    for publication in Publication.objects.order_by("region_code", "-held_on", "-published_at"):
        by_code.setdefault(publication.region_code, []).append(publication)
    values: dict[str, Any] = {}
    for code, publications in by_code.items():
        official = wilayah.get(code)
        if official is not None:
            profile = national.profile_of(official, publications)
            values[national.cache_key("profile", official.code, stamp)] = profile
            values[national.cache_key("api-profile", official.code, stamp)] = api.serialise(
                api.profile_dict(profile)
            )
            for lang in languages():  # the page: the region's rank and percentiles move with any change
                with translation.override(lang):
                    key = national.cache_key(
                        presentation.REGION_BODY, presentation.region_body_key(profile), stamp
                    )
                    values[key] = presentation.render_region_body(profile)
    cache.set_many(values, national.CACHE_SECONDS)
    return len(by_code)

"""After a publication the portal's pages are built by the warm-up task: the first viewer finds the new
figures ready, never an older state's, with the disclosure rule as before."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from benchmark import api, prebuild, presentation, tasks
from benchmark.models import Publication
from benchmark.services import exporting, generation, national
from tests.benchmark.conftest import INSTRUMENT, PEERS, publish_regions

LINKED = (
    "/nasional/",
    "/nasional/?jenis=kota",
    "/nasional/peringkat/",
    "/nasional/peringkat/?urut=name",
    "/nasional/peringkat/?urut=participants",
    "/nasional/peringkat/?jenis=kabupaten&urut=province",
    "/nasional/peringkat/?provinsi=64",
    "/nasional/wilayah/64.02/",
    "/nasional/unduh.csv",
    "/nasional/unduh.xlsx",
    "/api/nasional/",
    "/api/nasional/wilayah/",
    "/api/nasional/wilayah/?jenis=kota",
    "/api/nasional/wilayah/64.02/",
)


def built_nothing_on_request() -> Any:
    """Every way a request could build figures itself, made to fail."""
    boom = AssertionError("a viewer built figures the warm-up should have built")
    return (
        mock.patch.object(national, "_rows", side_effect=boom),
        mock.patch.object(national.PublishedCell.objects, "filter", side_effect=boom),
        mock.patch.object(presentation, "render_to_string", side_effect=boom),
        mock.patch.object(exporting, "ranking_file", side_effect=boom),
        mock.patch.object(api, "serialise", side_effect=boom),
    )


def test_the_task_builds_every_linked_page_so_no_viewer_builds_them(published: Any, viewer: Client) -> None:
    publish_regions(("64.02",), years=(2025,), seed=21)
    tasks.warm_portal()
    patches = built_nothing_on_request()
    no_query = mock.patch.object(national.Publication.objects, "filter", side_effect=AssertionError("query"))
    with patches[0], patches[1], patches[2], patches[3], patches[4], no_query:
        for url in LINKED:
            assert viewer.get(url).status_code == 200, url


def test_the_api_serves_the_json_it_would_have_rendered(published: Any, viewer: Client) -> None:
    """The prebuilt answers are the bytes DRF renders from the figures: same data, same content type,
    and a client asking for indented JSON still gets it."""
    tasks.warm_portal()
    filters = national.resolve(INSTRUMENT, 2025)
    for url, data in (
        ("/api/nasional/", api.summary_data(filters)),
        ("/api/nasional/wilayah/", api.regions_data(filters)),
        ("/api/nasional/wilayah/64.02/", api.profile_data("64.02")),
    ):
        response = viewer.get(url)
        assert response["Content-Type"] == "application/json"
        assert response.content == api.JSONRenderer().render(data)
        indented = viewer.get(url, HTTP_ACCEPT="application/json; indent=2")
        assert indented.content.startswith(b'{\n  "')
        assert indented.json() == response.json()
    assert viewer.get("/api/nasional/wilayah/?format=api").status_code == 200  # the browsable API
    assert viewer.get("/api/nasional/wilayah/99.99/").status_code == 404


def test_with_no_built_state_the_first_page_after_a_publication_builds_the_new_figures(
    published: Any, viewer: Client
) -> None:
    """No warm-up has ever finished (no worker): nothing older is served, requests build the new state.
    With one, the last built state is served until the new one is built (test_served_generation)."""
    for url in LINKED:
        viewer.get(url)  # every page cached for this state
    before = viewer.get("/api/nasional/wilayah/64.02/").json()["publications"]
    row = Publication.objects.get(region_code="64.02", period=2025)
    publish_regions(("64.02",), years=(2025,), seed=99)  # the same round again, new figures
    after = Publication.objects.get(region_code="64.02", period=2025)
    assert after.mean != row.mean
    # No warm-up has run yet: the pages build the new state themselves, never serve the old one.
    profile = viewer.get("/api/nasional/wilayah/64.02/").json()["publications"]
    assert profile != before
    assert profile[0]["mean"] == after.mean
    assert viewer.get("/nasional/peringkat/").status_code == 200
    listed = {r["code"]: r for r in viewer.get("/api/nasional/wilayah/").json()["results"]}
    assert listed["64.02"]["mean"] == after.mean
    # And after the warm-up, the same.
    tasks.warm_portal()
    listed = {r["code"]: r for r in viewer.get("/api/nasional/wilayah/").json()["results"]}
    assert listed["64.02"]["mean"] == after.mean


def test_a_warm_up_of_an_older_state_is_never_served(published: Any, viewer: Client) -> None:
    old = prebuild.build().generation
    old_key = national.cache_key("rows", national.resolve(INSTRUMENT, 2025).key(), old)
    assert cache.get(old_key) is not None
    publish_regions(("64.02",), years=(2025,), seed=98)
    assert generation.current() != old
    cache.set(old_key, [], 60)  # the old state's entry, poisoned: the page must not read it
    assert viewer.get("/api/nasional/wilayah/").json()["count"] == len(PEERS)


def test_filters_nobody_built_cost_no_query_once_the_year_is_built(published: Any) -> None:
    tasks.warm_portal()
    no_query = mock.patch.object(national.Publication.objects, "filter", side_effect=AssertionError("query"))
    no_cells = mock.patch.object(national.PublishedCell.objects, "filter", side_effect=AssertionError("q"))
    with no_query, no_cells:
        overview = national.overview(national.resolve(INSTRUMENT, 2025, province="64", kind="kota"))
    kaltim_cities = [
        r for r in national.regions(national.resolve(INSTRUMENT, 2025)) if r.code in ("64.71", "64.74")
    ]
    assert overview.national.regions == len(kaltim_cities)
    assert overview.national.people == sum(r.participants for r in kaltim_cities)


def test_group_figures_use_published_cells_only(published: Any) -> None:
    """The Python sums give what the published cells give: hidden cells never count."""
    filters = national.resolve(INSTRUMENT, 2025)
    rows = national.regions(filters)
    ids = [r.publication for r in rows]
    overview = national.overview(filters)
    cells = national.PublishedCell.objects.filter(
        publication_id__in=ids, dimension="status", key="PNS", n__gt=0
    )
    people = sum(c.n for c in cells)
    pns = next(f for f in overview.segments["status"] if f.key == "PNS")
    assert (pns.regions, pns.people) == (cells.count(), people)
    assert pns.mean == pytest.approx(sum(c.n * c.mean for c in cells) / people)
    # Hidden cells have no row to sum: the disclosure rule holds as before.
    for publication in Publication.objects.filter(id__in=ids):
        for dimension, table in (publication.figures.get("tables") or {}).items():
            hidden = [k for k, cell in (table.get("cells") or {}).items() if cell.get("suppressed")]
            stored = national.PublishedCell.objects.filter(publication=publication, dimension=dimension)
            assert not stored.filter(key__in=hidden).exists()


def test_a_change_queues_the_warm_up_once_committed(
    published: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cache.delete(tasks.PENDING)
    with mock.patch.object(tasks.warm_portal, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publish_regions(("64.02",), years=(2025,), seed=31)
            delay.assert_not_called()  # nothing before the change commits
        for callback in callbacks:
            callback()
    delay.assert_called_once()

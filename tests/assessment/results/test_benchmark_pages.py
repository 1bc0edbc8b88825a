"""A region's benchmark page: its standing, peers anonymised unless named, withdrawing and sending again."""

from __future__ import annotations

import re
from typing import Any

from accounts.roles import Role
from assessment.results.services import publishing
from benchmark.models import Event, Publication
from benchmark.services import national
from benchmark.services import publishing as benchmark
from tests.accounts.test_access import signed_in
from tests.benchmark.conftest import publish_regions
from tests.factories import make_user

HOST = "samarinda.localhost"
KALTIM_NAMES = ("Kabupaten Paser", "Kabupaten Kutai Kartanegara", "Kota Balikpapan", "Kota Bontang")


def peers_table(page: str) -> str:
    match = re.search(r'<table class="table" id="peers">.*?</table>', page, re.S)
    assert match, "no peers table"
    return match.group(0)


def test_round_published_by_the_region_is_in_the_benchmark(scored: Any) -> None:
    region, round_ = scored
    publication = publishing.publication_of(round_)
    assert publication is not None
    assert publication.region_code == region.code
    assert publication.participants == 360
    assert publication.eligible == 400
    assert publication.instrument == f"{round_.bank.code} {round_.bank.version}"


def test_admin_sees_standing_with_peers_anonymised_until_they_opt_in(scored: Any) -> None:
    region, round_ = scored
    publication = publishing.publication_of(round_)
    assert publication is not None
    publish_regions(("64.01", "64.02", "64.71", "64.74", "31.71", "32.73"), years=(publication.period,))
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))
    page = client.get("/tolok-ukur/").content.decode()
    peers = peers_table(page)
    assert "Kota Samarinda" in peers  # itself, by name
    assert not any(name in peers for name in KALTIM_NAMES)
    assert "Kota A" in peers
    assert "Kabupaten A" in peers
    rows = national.regions(national.resolve(publication.instrument, publication.period))
    assert len(rows) == 7
    percentile = national.percentile(rows, region.code)
    assert percentile is not None
    assert f'id="own-percentile">{round(percentile)}<' in page

    benchmark.set_naming("64.71", True)  # Balikpapan chooses to be named
    peers = peers_table(client.get("/tolok-ukur/").content.decode())
    assert "Kota Balikpapan" in peers
    assert "Kota Bontang" not in peers
    benchmark.set_naming("64.71", False)
    peers = peers_table(client.get("/tolok-ukur/").content.decode())
    assert "Kota Balikpapan" not in peers

    # National viewers always see names, whatever a region chose.
    viewer = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    ranking = viewer.get("/nasional/peringkat/?provinsi=64").content.decode()
    assert all(name in ranking for name in (*KALTIM_NAMES, "Kota Samarinda"))


def test_admin_opts_in_and_out_of_being_named(scored: Any) -> None:
    region, _round = scored
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))
    assert client.post("/tolok-ukur/penamaan/", {"named": "on"}).status_code == 302
    assert benchmark.is_named(region.code)
    assert client.post("/tolok-ukur/penamaan/", {}).status_code == 302
    assert not benchmark.is_named(region.code)


def test_withdrawing_and_sending_again(scored: Any) -> None:
    region, round_ = scored
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))
    publication = publishing.publication_of(round_)
    assert publication is not None
    filters = national.resolve(publication.instrument, publication.period)
    assert region.code in {r.code for r in national.regions(filters)}

    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/tarik/").status_code == 302
    assert publishing.publication_of(round_) is None
    assert region.code not in {r.code for r in national.regions(filters)}
    assert "not in the benchmark" in client.get("/tolok-ukur/").content.decode() or "belum" in (
        client.get("/tolok-ukur/").content.decode()
    )

    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/").status_code == 302
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/").status_code == 302
    assert Publication.objects.filter(region_code=region.code).count() == 1  # replaced, never doubled
    actions = list(
        Event.objects.filter(region_code=region.code).order_by("at").values_list("action", flat=True)
    )
    assert actions == ["published", "withdrawn", "published", "replaced"]


def test_coordinator_sees_the_page_but_cannot_change_it(scored: Any) -> None:
    region, round_ = scored
    client = signed_in(HOST, make_user(region, Role.UNIT_COORDINATOR))
    assert client.get("/tolok-ukur/").status_code == 200
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/tarik/").status_code == 403
    assert client.post("/tolok-ukur/penamaan/", {"named": "on"}).status_code == 403
    assert publishing.publication_of(round_) is not None

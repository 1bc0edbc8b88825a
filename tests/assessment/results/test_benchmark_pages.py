"""A region's benchmark page: its standing, peers anonymised unless named, withdrawing and sending again; and
sending a round to the national benchmark as its own, explicit step after announcing the results."""

from __future__ import annotations

import re
from typing import Any

from accounts.roles import Role
from assessment.results.services import publishing
from audit.models import Event as AuditEvent
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


def test_announcing_sends_nothing_until_the_admin_sends_the_round_explicitly(scored: Any) -> None:
    region, round_ = scored  # announced to its employees through closing.change_state
    assert publishing.publication_of(round_) is None
    assert not Publication.objects.filter(region_code=region.code).exists()
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))

    results = client.get(f"/hasil/{round_.pk}/").content.decode()
    assert 'id="benchmark-card"' in results
    assert f'href="/tolok-ukur/ronde/{round_.pk}/kirim/"' in results
    assert 'id="benchmark-withdraw"' not in results
    assert 'id="no-figures"' in client.get("/tolok-ukur/").content.decode()

    # The step's page: what is sent (with the protected figures it would send), who sees it, how to withdraw.
    page = client.get(f"/tolok-ukur/ronde/{round_.pk}/kirim/").content.decode()
    for section in ("what-is-sent", "who-sees-it", "how-to-withdraw", "send-form"):
        assert f'id="{section}"' in page, section
    assert "10 orang atau lebih" in page
    assert "BKN" in page
    assert "Tarik" in page
    assert "360 peserta" in page
    assert 'name="confirm"' in page
    assert Publication.objects.count() == 0  # reading the page sent nothing

    # Not without the region's confirmation.
    response = client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", follow=True)
    assert "Centang kotak" in response.content.decode()
    assert publishing.publication_of(round_) is None

    response = client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/hasil/{round_.pk}/"
    publication = publishing.publication_of(round_)
    assert publication is not None
    assert publication.region_code == region.code
    assert publication.participants == 360
    assert publication.eligible == 400
    assert publication.instrument == f"{round_.bank.code} {round_.bank.version}"
    assert AuditEvent.objects.filter(kind="benchmark.published", subject_id=str(round_.pk)).count() == 1
    results = client.get(f"/hasil/{round_.pk}/").content.decode()
    assert 'id="benchmark-withdraw"' in results


def test_a_region_page_shows_only_its_own_rounds_and_its_first_sending_replaces_stand_ins(
    scored: Any,
) -> None:
    """Simulated figures published under the region's code before it signed up are not "your region"."""
    region, round_ = scored
    bank = round_.bank
    publish_regions((region.code,), years=(2023, 2024), instrument=f"{bank.code} {bank.version}")  # stand-ins
    assert Publication.objects.filter(region_code=region.code).count() == 2
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))
    page = client.get("/tolok-ukur/").content.decode()
    assert 'id="no-figures"' in page
    assert 'id="own-index"' not in page

    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"}).status_code == 302
    assert list(Publication.objects.filter(region_code=region.code).values_list("round_key", flat=True)) == [
        publishing.round_key(round_)
    ]
    assert 'id="own-index"' in client.get("/tolok-ukur/").content.decode()


def test_admin_sees_standing_with_peers_anonymised_until_they_opt_in(sent: Any) -> None:
    region, round_ = sent
    publication = publishing.publication_of(round_)
    assert publication is not None
    publish_regions(
        ("64.01", "64.02", "64.71", "64.74", "31.71", "32.73"),
        years=(publication.period,),
        instrument=publication.instrument,
    )
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))
    page = client.get("/tolok-ukur/").content.decode()
    peers = peers_table(page)
    assert "Kota Samarinda" in peers  # itself, by name
    assert not any(name in peers for name in KALTIM_NAMES)
    assert "Kota A" in peers
    assert "Kabupaten A" in peers
    # A lettered peer's interval would tell its size (the width goes with 1/sqrt(n)): not shown.
    lettered = re.search(r"<tr><td class=\"num\">\d+</td><td>Kota A</td>(.*?)</tr>", peers, re.S)
    assert lettered is not None
    assert lettered.group(1).endswith("<td>–</td>")
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


def test_withdrawing_and_sending_again(sent: Any) -> None:
    region, round_ = sent
    client = signed_in(HOST, make_user(region, Role.REGION_ADMIN))
    publication = publishing.publication_of(round_)
    assert publication is not None
    filters = national.resolve(publication.instrument, publication.period)
    assert region.code in {r.code for r in national.regions(filters)}

    response = client.post(f"/tolok-ukur/ronde/{round_.pk}/tarik/", {"back": "results"})
    assert response["Location"] == f"/hasil/{round_.pk}/"  # back to the results page it was done from
    assert publishing.publication_of(round_) is None
    assert AuditEvent.objects.filter(kind="benchmark.withdrawn", subject_id=str(round_.pk)).count() == 1
    assert region.code not in {r.code for r in national.regions(filters)}
    assert "not in the benchmark" in client.get("/tolok-ukur/").content.decode() or "belum" in (
        client.get("/tolok-ukur/").content.decode()
    )

    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"}).status_code == 302
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"}).status_code == 302
    assert Publication.objects.filter(region_code=region.code).count() == 1  # replaced, never doubled
    actions = list(
        Event.objects.filter(region_code=region.code).order_by("at").values_list("action", flat=True)
    )
    assert actions == ["published", "withdrawn", "published", "replaced"]


def test_coordinator_sees_the_page_but_cannot_change_it(sent: Any) -> None:
    region, round_ = sent
    client = signed_in(HOST, make_user(region, Role.UNIT_COORDINATOR))
    assert client.get("/tolok-ukur/").status_code == 200
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/tarik/").status_code == 403
    assert client.get(f"/tolok-ukur/ronde/{round_.pk}/kirim/").status_code == 403
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"}).status_code == 403
    assert client.post("/tolok-ukur/penamaan/", {"named": "on"}).status_code == 403
    assert publishing.publication_of(round_) is not None

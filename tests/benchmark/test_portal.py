"""The national portal: what a national viewer sees and downloads, and what nobody else reaches."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.roles import Role
from benchmark.models import Publication
from benchmark.services import national
from benchmark.services import publishing as benchmark
from frontend.numbers import half_up
from tests.accounts.test_access import signed_in
from tests.benchmark.conftest import INSTRUMENT, PEERS, publish_regions
from tests.factories import make_user

PAGES = (
    "/nasional/",
    "/nasional/?tahun=2024",
    "/nasional/?jenis=kota",
    "/nasional/peringkat/",
    "/nasional/peringkat/?provinsi=64&urut=name",
    "/nasional/wilayah/64.02/",
)
API = ("/api/nasional/", "/api/nasional/wilayah/", "/api/nasional/wilayah/64.02/")


@pytest.fixture
def viewer(db: Any) -> Client:
    return signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))


def test_national_viewer_walks_the_portal(published: Any, viewer: Client) -> None:
    for url in PAGES:
        response = viewer.get(url)
        assert response.status_code == 200, url
    page = viewer.get("/nasional/").content.decode()
    rows = national.regions(national.resolve(INSTRUMENT, 2025))
    nat = national.weighted("all", "all", rows)
    assert len(rows) == len(PEERS)
    assert f"{half_up(nat.mean, 2)}".replace(".", ",") in page
    assert f"{nat.people:,}".replace(",", ".") in page  # how many people stand behind the figure
    assert "Angka simulasi" in page or "Simulated figures" in page
    ranking = viewer.get("/nasional/peringkat/").content.decode()
    assert "Kabupaten Kutai Kartanegara" in ranking
    assert "Kota Balikpapan" in ranking


def test_national_figures_weight_regions_by_participants(published: Any) -> None:
    rows = national.regions(national.resolve(INSTRUMENT, 2025))
    nat = national.weighted("all", "all", rows)
    expected = sum(r.participants * r.mean for r in rows) / sum(r.participants for r in rows)
    assert nat.mean == pytest.approx(expected)
    assert nat.regions == len(rows)
    assert nat.people == sum(r.participants for r in rows)
    assert nat.ci_low < nat.mean < nat.ci_high
    trend = national.overview(national.resolve(INSTRUMENT, 2025)).trend
    assert [f.key for f in trend] == ["2024", "2025"]
    assert all(f.regions == len(PEERS) for f in trend)


def test_filters_by_province_and_kind(published: Any, viewer: Client) -> None:
    kaltim = national.regions(national.resolve(INSTRUMENT, 2025, province="64"))
    assert {r.code for r in kaltim} == {"64.01", "64.02", "64.71", "64.74"}
    cities = national.regions(national.resolve(INSTRUMENT, 2025, kind="kota"))
    assert {r.code for r in cities} == {"64.71", "64.74", "31.71", "32.73", "35.78", "73.71"}
    page = viewer.get("/nasional/peringkat/?provinsi=64").content.decode()
    assert "Kota Bandung" not in page
    assert "Kota Bontang" in page


def test_api_answers_match_the_pages(published: Any, viewer: Client) -> None:
    summary = viewer.get("/api/nasional/").json()
    assert summary["national"]["regions"] == len(PEERS)
    assert summary["filters"]["instrument"] == INSTRUMENT
    assert summary["filters"]["period"] == 2025
    regions = viewer.get("/api/nasional/wilayah/?provinsi=64").json()
    assert regions["count"] == 4
    assert [r["rank"] for r in regions["results"]] == [1, 2, 3, 4]
    profile = viewer.get("/api/nasional/wilayah/64.02/").json()
    assert [p["period"] for p in profile["publications"]] == [2025, 2024]
    assert viewer.get("/api/nasional/wilayah/99.99/").status_code == 404


def test_exports_hold_the_ranked_regions(published: Any, viewer: Client) -> None:
    response = viewer.get("/nasional/unduh.csv?provinsi=64")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 4
    assert rows[1][0] == "1"
    xlsx = viewer.get("/nasional/unduh.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.max_row == 1 + len(PEERS)
    assert viewer.get("/nasional/unduh.pdf").status_code == 404


def test_versions_are_never_mixed(published: Any, viewer: Client) -> None:
    publish_regions(("64.02", "64.71"), years=(2025,), seed=9)  # same instrument: no new version
    rounds = benchmark_rounds_of_other_version()
    assert national.instruments()[0] == "ikd-nasional 2027.1"
    page = viewer.get("/nasional/?versi=ikd-nasional+2027.1").content.decode()
    assert rounds == 1
    assert "Kota Balikpapan" not in page
    older = national.regions(national.resolve(INSTRUMENT, 2025))
    assert len(older) == len(PEERS)


def benchmark_rounds_of_other_version() -> int:
    from assessment.results.services import benchmark_simulation

    sims = benchmark_simulation.plan(["64.02"], [2026], seed=3)
    return benchmark_simulation.publish_simulated(sims, "ikd-nasional 2027.1", seed=3)


def test_withdrawal_takes_the_region_out_of_national_figures(published: Any, viewer: Client) -> None:
    before = viewer.get("/api/nasional/").json()["national"]
    benchmark.withdraw("64.02", "simulasi:2025")
    after = viewer.get("/api/nasional/").json()["national"]
    assert after["regions"] == before["regions"] - 1
    assert "Kabupaten Kutai Kartanegara" not in viewer.get("/nasional/peringkat/").content.decode()
    assert not Publication.objects.filter(region_code="64.02", period=2025).exists()


def test_portal_is_for_national_viewers_only(published: Any, region_a: Any) -> None:
    anonymous = Client(HTTP_HOST="localhost")
    for url in (*PAGES, "/nasional/unduh.csv"):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert "/akun/login/" in response["Location"], url
    for url in API:
        assert anonymous.get(url).status_code in {302, 401, 403}, url
    # A region's admin has an account in the region's schema only: not on the public site.
    admin = make_user(region_a, Role.REGION_ADMIN)
    response = Client(HTTP_HOST="localhost").post("/akun/login/", {"login": admin.email, "password": "x"})
    assert response.status_code == 200  # the form again, with its error


def test_national_viewer_reaches_no_tenant_schema(published: Any, viewer: Client, region_a: Any) -> None:
    # The same browser on the region's site: the public session is not a region session.
    viewer.defaults["HTTP_HOST"] = "samarinda.localhost"
    for url in ("/", "/pegawai/", "/hasil/", "/tolok-ukur/", "/ronde/"):
        response = viewer.get(url)
        assert response.status_code == 302, url
        assert "/akun/login/" in response["Location"], url
    # Signing in there with the viewer's credentials fails: the account does not exist in that schema.
    login = Client(HTTP_HOST="samarinda.localhost").post(
        "/akun/login/", {"login": "viewer@example.org", "password": "x"}
    )
    assert login.status_code == 200


def test_portal_shows_no_personal_fields(published: Any, viewer: Client) -> None:
    forbidden = {"nip", "nik", "email", "employee", "full_name", "birth_date", "attempt", "answers"}

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    for url in API:
        found = {k.lower() for k in keys(viewer.get(url).json())}
        assert not (found & forbidden), url
    stored = json.dumps(list(Publication.objects.values("figures")))
    assert not any(f'"{word}"' in stored for word in forbidden)


def test_after_a_publication_the_portal_figures_are_built_in_the_background(
    published: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from unittest import mock

    from django.core.cache import cache

    from benchmark import tasks

    cache.delete(tasks.PENDING)  # an earlier test's change, never run without a worker
    with mock.patch.object(tasks.warm_portal, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            publish_regions(("64.02",), years=(2025,), seed=11)
        assert len(callbacks) == 1  # one round published
        for callback in callbacks:
            callback()
        callback()  # a second change while the first warm-up is pending queues nothing more
    delay.assert_called_once()
    tasks.warm_portal()
    with mock.patch.object(national, "_rows", side_effect=AssertionError("built again")):
        assert len(national.regions(national.resolve(INSTRUMENT, 2025))) == len(PEERS)
        assert national.overview(national.resolve(INSTRUMENT, 2024)).national.regions == len(PEERS)

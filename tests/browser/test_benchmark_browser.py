"""Through a real browser: a national viewer walks the national portal and downloads the ranking, and sees
which national figures have limited coverage (issue 15, point 10); a region's admin announces a round, sees no
figures until the region sends it through its own explicit step (point 3), then where the region stands,
peers anonymised, chooses to be named, withdraws the round and sends it again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.sessions.models import Session as WebSession
from django.core.management import call_command
from django.template.defaultfilters import floatformat
from django.utils import translation
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from assessment.results.services import benchmark_simulation, publishing
from assessment.rounds.models import Round
from benchmark import coverage, presentation
from benchmark.models import Event, Naming, Publication
from benchmark.services import national
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.benchmark.conftest import INSTRUMENT, PEERS, publish_regions
from tests.browser.conftest import download, remove_scored_rounds, screenshot
from tests.factories import PASSWORD, forget_benchmark, make_user

pytestmark = pytest.mark.browser

VIEWER_EMAIL = "pemantau@tolokukur.go.id"
ADMIN_EMAIL = "tolok@samarindakota.go.id"
KALTIM = {"64.01", "64.02", "64.71", "64.74"}  # the simulated peers in Kalimantan Timur (province 64)
KALTIM_NAMES = ("Kabupaten Paser", "Kabupaten Kutai Kartanegara", "Kota Balikpapan", "Kota Bontang")
REGION_PEERS = ("64.01", "64.02", "64.71", "64.74", "31.71", "32.73")


def shown(value: Any, digits: int = 2) -> str:
    """A figure as the Indonesian pages show it (decimal comma, the template's own rounding)."""
    with translation.override("id"):
        return str(floatformat(value, digits))


def counted(value: int) -> str:
    with translation.override("id"):
        return str(intcomma(value))


def remove_public_user(email: str) -> None:
    """Raw delete: the ORM's collector would look for the user's work units (a region's table) in the
    public schema, which has none."""
    users = User.objects.filter(email=email)
    for model in (EmailAddress, Authenticator, User.groups.through, User.user_permissions.through):
        model.objects.filter(user__in=users).delete()
    users._raw_delete(users.db)


def session_keys() -> set[str]:
    return set(WebSession.objects.values_list("session_key", flat=True))


def end_sessions_since(before: set[str]) -> None:
    """The sessions the browser signed in with (in the current schema)."""
    WebSession.objects.exclude(session_key__in=before).delete()


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV starts with a BOM, for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def column(page: Any, table: str, index: int) -> list[str]:
    cells = page.locator(f"{table} tbody tr td:nth-child({index})")
    return [text.strip() for text in cells.all_inner_texts()]


def names(page: Any) -> list[str]:
    return page.locator("#ranking tbody td:nth-child(2) a").all_inner_texts()


# --- The national portal, as a national viewer -------------------------------------------------------------


@pytest.fixture
def portal(committed: None) -> Iterator[Any]:
    sessions = session_keys()
    try:
        publish_regions()  # PEERS in 2024 and 2025, simulated, through the real publishing step
        yield make_user(None, Role.NATIONAL_VIEWER, email=VIEWER_EMAIL)
    finally:
        forget_benchmark()
        remove_public_user(VIEWER_EMAIL)
        end_sessions_since(sessions)


def test_national_viewer_walks_the_portal_and_downloads_the_ranking(
    portal: Any, web_port: int, desktop: Any, tmp_path: Path
) -> None:
    base = f"http://localhost:{web_port}"
    everything = national.resolve(INSTRUMENT, 2025)
    rows = national.regions(everything)
    nat = national.weighted("all", "all", rows)
    assert len(rows) == len(PEERS)

    page = desktop.new_page()
    sign_in(page, base, VIEWER_EMAIL)
    page.locator("nav.main-nav a[href='/nasional/']").click()
    page.wait_for_url(f"{base}/nasional/")

    # The overview: the latest instrument and year, every region, weighted by participants.
    assert page.locator("#national-index").inner_text() == shown(nat.mean)
    assert page.locator("#national-regions").inner_text() == str(len(PEERS))
    assert page.locator("#national-people").inner_text() == counted(nat.people)
    assert page.locator("#versi").input_value() == INSTRUMENT
    assert page.locator("#tahun").input_value() == "2025"
    assert page.locator("#simulated-note").is_visible()
    assert page.locator("main svg[role=img]").count() >= 4  # trend, distribution, areas, levels, provinces
    assert page.locator("#kinds tbody tr").count() == 2  # kabupaten and kota
    assert page.locator("#areas tbody tr").count() == 5
    assert page.locator("#provinces tbody tr").count() == 5  # 64, 31, 32, 35, 73
    assert page.locator("table.segment-table").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scrolling
    screenshot(page, "benchmark-portal-1280")

    # Only Kalimantan Timur: the figures are those of its four regions.
    page.locator("#provinsi").select_option("64")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**/nasional/?*provinsi=64*")
    kaltim = national.regions(national.resolve(INSTRUMENT, 2025, province="64"))
    assert {r.code for r in kaltim} == KALTIM
    kaltim_nat = national.weighted("all", "all", kaltim)
    assert page.locator("#provinsi").input_value() == "64"
    assert page.locator("#national-regions").inner_text() == "4"
    assert page.locator("#national-people").inner_text() == counted(kaltim_nat.people)
    assert page.locator("#national-index").inner_text() == shown(kaltim_nat.mean)
    assert page.locator("#provinces tbody tr").count() == 1

    # The ranking keeps the filter; sorted by name; with its chart (few enough regions).
    page.locator("nav.subnav a[href*='/nasional/peringkat/']").click()
    page.wait_for_url("**/nasional/peringkat/?*provinsi=64*")
    assert page.locator("#ranking tbody tr").count() == 4
    assert names(page) == [r.name for r in kaltim]  # by index, best first
    assert column(page, "#ranking", 5) == [shown(r.mean) for r in kaltim]
    assert page.locator("main section.card svg[role=img]").count() == 1
    page.locator("p.ordering a[href$='urut=name']").click()
    page.wait_for_url("**/nasional/peringkat/?*urut=name*")
    assert names(page) == sorted(KALTIM_NAMES)
    screenshot(page, "benchmark-ranking-1280")
    filtered = csv_rows(download(page, "nav.subnav a[href*='/nasional/unduh.csv']", tmp_path))
    assert [row[1] for row in filtered[1:]] == [r.code for r in kaltim]

    # A region's profile: its latest round, where it stands nationally, its groups, its rounds.
    page.locator("#ranking a", has_text="Kota Balikpapan").click()
    page.wait_for_url(f"{base}/nasional/wilayah/64.71/")
    latest = Publication.objects.filter(region_code="64.71", period=2025).get()
    assert page.locator("h1").inner_text() == "Kota Balikpapan"
    assert page.locator("#profile-index").inner_text() == shown(latest.mean)
    rank = next(r.rank for r in rows if r.code == "64.71")
    assert page.locator("#profile-rank").inner_text() == f"{rank} / {len(PEERS)}"
    assert page.locator("#rounds tbody tr").count() == 2  # 2024 and 2025
    tables = presentation.cell_tables(latest.figures)
    hidden = sum(row["hidden"] for t in tables if not t["hidden"] for row in t["rows"])
    assert hidden > 0  # a handful of people without a recorded age: too few to show
    assert page.locator(".hidden-cell").count() == hidden
    assert page.locator(".hidden-cell").first.inner_text() == "disembunyikan (< 10 orang)"
    screenshot(page, "benchmark-region-1280")

    # The downloads: every region of the latest year, ranked, as CSV; the same as XLSX.
    path = download(page, "nav.subnav a[href*='/nasional/unduh.csv']", tmp_path)
    assert path.name == f"ikd-peringkat-{INSTRUMENT.replace(' ', '-')}-2025.csv"
    table = csv_rows(path)
    assert table[0][:5] == ["Peringkat", "Kode", "Daerah", "Jenis", "Provinsi"], table[0]
    assert len(table) == 1 + len(PEERS)
    assert [row[1] for row in table[1:]] == [r.code for r in rows]
    assert [row[0] for row in table[1:]] == [str(k) for k in range(1, len(PEERS) + 1)]
    participants = table[0].index("Peserta")
    assert [row[participants] for row in table[1:]] == [str(r.participants) for r in rows]
    version = table[0].index("Versi instrumen")
    assert {row[version] for row in table[1:]} == {INSTRUMENT}
    xlsx = download(page, "nav.subnav a[href*='/nasional/unduh.xlsx']", tmp_path)
    assert xlsx.read_bytes().startswith(b"PK")

    # The overview at phone width.
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{base}/nasional/")
    assert page.locator("#national-index").inner_text() == shown(nat.mean)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "benchmark-portal-360")


# --- Coverage: national figures on few regions say so, and the trend does not join them -------------------

COVERAGE_YEARS = (2023, 2024, 2025)


@pytest.fixture
def coverage_portal(committed: None) -> Iterator[Any]:
    """12 regions in 2023 and 2025, only 3 of them in 2024: 2024's national figure has limited coverage."""
    sessions = session_keys()
    codes = benchmark_simulation.demo_codes(12, 0, ["64.72"], seed=15)
    try:
        benchmark_simulation.publish_simulated(
            benchmark_simulation.plan(codes, (2023, 2025), seed=15), INSTRUMENT, seed=15
        )
        benchmark_simulation.publish_simulated(
            benchmark_simulation.plan(codes[:3], (2024,), seed=16), INSTRUMENT, seed=16
        )
        yield make_user(None, Role.NATIONAL_VIEWER, email=VIEWER_EMAIL)
    finally:
        forget_benchmark()
        remove_public_user(VIEWER_EMAIL)
        end_sessions_since(sessions)


def test_national_figures_on_few_regions_say_so_and_stay_out_of_the_trend(
    coverage_portal: Any, web_port: int, desktop: Any, tmp_path: Path
) -> None:
    base = f"http://localhost:{web_port}"
    full = national.overview(national.resolve(INSTRUMENT, 2025))
    assert [(f.label, f.regions, f.limited) for f in full.trend] == [
        ("2023", 12, False),
        ("2024", 3, True),
        ("2025", 12, False),
    ]
    assert full.national.people >= coverage.MIN_PEOPLE

    page = desktop.new_page()
    sign_in(page, base, VIEWER_EMAIL)

    # 2025 meets the rule: no note on its figure; in the trend 2024 stands apart, hollow and unjoined.
    page.goto(f"{base}/nasional/?tahun=2025")
    assert page.locator("#national-index").inner_text() == shown(full.national.mean)
    assert page.locator("#coverage-note").count() == 0
    assert page.locator(".stat .badge-warn").count() == 0
    trend = page.locator("#trend svg")
    assert trend.locator("circle.dot:not(.dot-apart)").count() == 2
    assert trend.locator("circle.dot-apart").count() == 1
    line = trend.locator("path[stroke-width='2.5']")
    assert " L" not in (line.get_attribute("d") or "")  # 2023 and 2025 are not joined through 2024
    assert "2024 (cakupan terbatas)" in (trend.locator("desc").text_content() or "")
    assert page.locator("#trend-apart").is_visible()
    for row, figure in zip(page.locator("#provinces tbody tr").all(), full.provinces, strict=True):
        assert (row.locator(".badge-warn").count() == 1) == figure.limited
    screenshot(page, "benchmark-coverage-2025-1280")

    # 2024 rests on 3 regions: said on the figure, in words, with the rule.
    page.goto(f"{base}/nasional/?tahun=2024")
    note = page.locator("#coverage-note")
    assert note.is_visible()
    assert "Cakupan terbatas." in note.inner_text()
    assert "3 daerah" in note.inner_text()
    assert f"sedikitnya {coverage.MIN_REGIONS} daerah dan {counted(coverage.MIN_PEOPLE)} orang" in (
        note.inner_text()
    )
    assert page.locator(".stat .badge-warn").inner_text() == "cakupan terbatas"
    screenshot(page, "benchmark-coverage-2024-1280")
    page.goto(f"{base}/nasional/peringkat/?tahun=2024")
    assert page.locator("#coverage-note").is_visible()
    assert page.locator("#ranking-basis .badge-warn").count() == 1

    # The downloads and the API carry the same mark and the rule.
    limited = csv_rows(download(page, "nav.subnav a[href*='/nasional/unduh.csv']", tmp_path))
    assert limited[0][-4:] == [
        "Indeks nasional",
        "Indeks nasional: daerah",
        "Indeks nasional: orang",
        "Indeks nasional: cakupan",
    ]
    assert {tuple(row[-3:]) for row in limited[1:]} == {
        ("3", str(national.overview(national.resolve(INSTRUMENT, 2024)).national.people), "cakupan terbatas")
    }
    page.goto(f"{base}/nasional/peringkat/?tahun=2025")
    sufficient = csv_rows(download(page, "nav.subnav a[href*='/nasional/unduh.csv']", tmp_path))
    assert {row[-1] for row in sufficient[1:]} == {"memenuhi aturan cakupan"}
    summary = page.request.get(f"{base}/api/nasional/?tahun=2024").json()
    assert summary["coverage_rule"] == {
        "min_regions": coverage.MIN_REGIONS,
        "min_people": coverage.MIN_PEOPLE,
    }
    assert summary["national"]["limited"] is True
    assert [point["limited"] for point in summary["trend"]] == [False, True, False]
    listing = page.request.get(f"{base}/api/nasional/wilayah/?tahun=2025").json()
    assert (listing["national"]["regions"], listing["national"]["limited"]) == (12, False)

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{base}/nasional/?tahun=2024")
    assert page.locator("#coverage-note").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "benchmark-coverage-2024-360")


# --- A region's benchmark page, as its admin ---------------------------------------------------------------


@pytest.fixture
def region_round(committed: None) -> Iterator[tuple[Region, Round, int]]:
    """Samarinda's round announced to its employees (nothing sent), peers in the benchmark for its year,
    and simulated stand-ins published under Samarinda's own code before it signed up."""
    region = Region.objects.get(code="64.72")
    with schema_context(region.schema_name):
        sessions = session_keys()
    try:
        call_command("load_instrument")
        with schema_context(region.schema_name):
            round_ = scored_round(region, employees=150, takers=140)  # announced only
            year = publishing.held_on(round_, region.tzinfo).year
            assert publishing.publication_of(round_) is None
        instrument = f"{round_.bank.code} {round_.bank.version}"
        publish_regions(REGION_PEERS, years=(year,), instrument=instrument)
        # Stand-ins, not Samarinda's own.
        publish_regions((region.code,), years=(year - 1, year), seed=9, instrument=instrument)
        make_user(region, Role.REGION_ADMIN, email=ADMIN_EMAIL)
        yield region, round_, year
    finally:
        with schema_context(region.schema_name):
            end_sessions_since(sessions)
        remove_scored_rounds(region)


def send_through_the_step(page: Any, base: str, round_: Round, participants: int) -> None:
    """The explicit step's page: what is sent, who sees it, how to withdraw; nothing without the tick."""
    page.wait_for_url(f"{base}/tolok-ukur/ronde/{round_.pk}/kirim/")
    sent = page.locator("#what-is-sent")
    assert "10 orang atau lebih" in sent.inner_text()
    assert f"{counted(participants)} peserta akan dihitung" in page.locator("#preview-summary").inner_text()
    assert sent.locator("table.segment-table").count() >= 1  # the very figures that would be published
    assert "BKN" in page.locator("#who-sees-it").inner_text()
    assert "Tarik" in page.locator("#how-to-withdraw").inner_text()
    page.locator("#send-form button[type=submit]").click()  # not ticked: the browser keeps the form
    assert page.url == f"{base}/tolok-ukur/ronde/{round_.pk}/kirim/"
    assert page.evaluate("document.querySelector('#send-form input[name=confirm]').validity.valid") is False
    page.locator("#send-form input[name=confirm]").check()
    page.locator("#send-form button[type=submit]").click()
    page.wait_for_url(f"{base}/hasil/{round_.pk}/")
    page.locator(".messages .alert", has_text="Angka ronde ini sudah ada di tolok ukur nasional").wait_for()


def test_region_admin_sends_a_round_explicitly_then_sees_standing_names_withdraws_and_sends_again(
    region_round: tuple[Region, Round, int], web_port: int, desktop: Any
) -> None:
    region, round_, year = region_round
    base = f"http://samarinda.localhost:{web_port}"

    page = desktop.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # withdrawing asks first
    sign_in(page, base, ADMIN_EMAIL)
    page.locator("nav.main-nav a[href='/tolok-ukur/']").click()
    page.wait_for_url(f"{base}/tolok-ukur/")

    # Announced, not sent: no figure of "your region", though stand-ins are published under its code.
    assert page.locator("#no-figures").is_visible()
    assert page.locator("#own-index").count() == 0
    rounds = page.locator("#benchmark-rounds tbody tr", has_text=round_.name)
    assert "tidak ada di tolok ukur" in rounds.inner_text()
    screenshot(page, "benchmark-region-before-sending-1280")

    # The results page: the round is announced, the benchmark waits for the region's decision.
    page.goto(f"{base}/hasil/{round_.pk}/")
    card = page.locator("#benchmark-card")
    assert "Tidak ada di tolok ukur nasional" in card.inner_text()
    assert card.locator("#benchmark-withdraw").count() == 0
    card.locator("#benchmark-send").click()
    screenshot(page, "benchmark-send-step-1280")
    with schema_context(region.schema_name):
        assert publishing.publication_of(round_) is None  # reading the step's page sent nothing
    send_through_the_step(page, base, round_, 140)
    assert "Di tolok ukur nasional sejak" in card.inner_text()
    assert card.locator("#benchmark-withdraw").count() == 1
    screenshot(page, "benchmark-results-card-sent-1280")
    with schema_context(region.schema_name):
        publication = publishing.publication_of(round_)
        key = publishing.round_key(round_)
    assert publication is not None
    assert list(Publication.objects.filter(region_code=region.code).values_list("round_key", flat=True)) == [
        key
    ]  # the stand-ins went with the region's first sending
    filters = national.resolve(publication.instrument, year)
    rows = national.regions(filters)
    assert len(rows) == 1 + len(REGION_PEERS)
    percentile = national.percentile(rows, region.code)
    assert percentile is not None

    page.locator("nav.main-nav a[href='/tolok-ukur/']").click()
    page.wait_for_url(f"{base}/tolok-ukur/")

    # The region's own figures against the country's, and its province's peers without their names.
    assert page.locator("#own-index").inner_text() == shown(publication.mean)
    assert page.locator("#national-index").inner_text() == shown(national.weighted("all", "all", rows).mean)
    assert page.locator("#own-percentile").inner_text() == shown(percentile, 0)
    peers = page.locator("#peers")
    assert peers.locator("tbody tr").count() == 5  # Samarinda and the four simulated Kaltim regions
    assert peers.locator("tr.row-flagged").inner_text().count("Kota Samarinda") == 1
    text = peers.inner_text()
    assert not [name for name in KALTIM_NAMES if name in text]
    assert "Kota A" in text
    assert "Kabupaten A" in text
    assert "Kabupaten B" in text
    assert rounds.locator("td").nth(2).inner_text() == counted(publication.participants or 0)
    screenshot(page, "benchmark-region-admin-1280")

    # Shown by name to other regions.
    checkbox = page.locator("#naming-form input[name=named]")
    assert not checkbox.is_checked()
    checkbox.check()
    page.locator("#naming-form button[type=submit]").click()
    page.locator(".messages .alert", has_text="Daerah lain kini melihat nama daerah Anda.").wait_for()
    assert page.locator("#naming-form input[name=named]").is_checked()
    assert Naming.objects.get(region_code=region.code).named

    # Withdrawn: out of the benchmark, and the page says so.
    rounds.locator("form[action$='/tarik/'] button[type=submit]").click()
    page.locator(".messages .alert", has_text="Angka ronde ini ditarik dari tolok ukur nasional.").wait_for()
    assert "tidak ada di tolok ukur" in rounds.inner_text()
    assert page.locator("#own-index").count() == 0
    assert rounds.locator("form[action$='/tarik/']").count() == 0
    with schema_context(region.schema_name):
        assert publishing.publication_of(round_) is None
    assert region.code not in {r.code for r in national.regions(filters)}

    # Sent again through the same step: back in, with the same figures.
    rounds.locator("a[href$='/kirim/']").click()
    send_through_the_step(page, base, round_, 140)
    page.locator("nav.main-nav a[href='/tolok-ukur/']").click()
    page.wait_for_url(f"{base}/tolok-ukur/")
    assert page.locator("#own-index").inner_text() == shown(publication.mean)
    assert "tidak ada di tolok ukur" not in rounds.inner_text()
    assert rounds.locator("form[action$='/tarik/']").count() == 1
    with schema_context(region.schema_name):
        again = publishing.publication_of(round_)
    assert again is not None
    assert (again.participants, again.mean, again.simulated) == (140, publication.mean, False)
    actions = Event.objects.filter(region_code=region.code, round_key=key).order_by("at")
    assert list(actions.values_list("action", flat=True)) == ["published", "withdrawn", "published"]

    screenshot(page, "benchmark-region-admin-after-1280")
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    assert page.locator("#own-index").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "benchmark-region-admin-360")

"""Through a real browser, a region admin (#15): a new region's dashboard says what to do next and the
round history reads as sentences (point 9); the admin opens one employee's report from the unit page and
the participant list (point 8); the pages of a region past a thousand people print their numbers with
separators and the charts' mean lines cross no label, measured on the rendered SVG (point 12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from assessment.people import demo as people_demo
from assessment.results.models import Score
from assessment.results.planning import shown_value
from assessment.rounds.models import Round
from assessment.rounds.services import lifecycle
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.assessment.rounds.conftest import settings_for
from tests.browser.conftest import download, remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user
from tests.frontend.test_number_separators import unseparated

pytestmark = pytest.mark.browser

TITLED = "Siti Aminah, S.Kom."

# Every pair (reference mark, text) of each chart whose rendered boxes intersect.
CROSSINGS_JS = """() => {
  const hit = (a, b) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const found = [];
  let marks = 0;
  for (const svg of document.querySelectorAll("svg[role=img]")) {
    const refs = [...svg.querySelectorAll(".reference")];
    marks += refs.length;
    for (const ref of refs) {
      // A dashed path of several bands: test each band (subpath) on its own.
      const d = ref.getAttribute("d") || "";
      const bands = [...d.matchAll(/M([\\d.]+),([\\d.]+) V([\\d.]+)/g)].map(m => ({
        x: +m[1] - 1.5, y: Math.min(+m[2], +m[3]), width: 3, height: Math.abs(+m[3] - +m[2])}));
      for (const text of svg.querySelectorAll("text")) {
        if (!text.textContent.trim()) continue;
        const box = text.getBBox();
        for (const band of bands) if (hit(band, box)) found.push(text.textContent.trim());
      }
    }
  }
  return {marks, found};
}"""


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture
def new_region(committed: None) -> Iterator[tuple[Region, Any]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    admin = make_user(region, Role.REGION_ADMIN, email="baru@samarindakota.go.id", full_name=TITLED)
    yield region, admin
    remove_scored_rounds(region)


def test_a_new_region_sees_what_to_do_next_and_reads_the_round_history(
    new_region: tuple[Region, Any], web_port: int, phone: Any, desktop: Any
) -> None:
    region, admin = new_region
    base = f"http://samarinda.localhost:{web_port}"
    page = phone.new_page()
    sign_in(page, base, admin.email)
    assert page.locator(".messages").inner_text().endswith("S.Kom.")  # the sign-in message: one period
    lead = page.locator("main .page-header .lead").inner_text()
    assert lead.endswith("S.Kom.")
    assert ".." not in lead
    steps = page.locator("#setup .checklist-step")
    assert steps.count() == 6
    assert page.locator("#setup .checklist-step.is-done").count() == 0
    assert page.locator("#setup .is-next").get_attribute("data-step") == "units"
    assert page.locator("#setup .is-next a.btn").get_attribute("href") == "/unit/"
    assert "Uji coba" in page.locator("#status-explained").inner_text()
    assert page.locator("#register-count").inner_text() == "0"
    screenshot(page, "dashboard-new-region-360")

    # Units, 1,200 employees in the register and a scheduled round later: the list moves on.
    with schema_context(region.schema_name):
        people_demo.seed(region, count=1200)
        round_ = lifecycle.create_round(settings_for(), admin)
        lifecycle.add_session(round_, date(2026, 12, 7), time(8, 0), time(10, 0), region.tzinfo, admin)
        lifecycle.set_participants(round_, mode="all", actor=admin)
        lifecycle.transition(round_, Round.State.SCHEDULED, admin)
        accounts = User.objects.filter(is_active=True).count()
    page = desktop.new_page()
    sign_in(page, base, admin.email)
    assert page.locator("#register-count").inner_text() == "1.200"  # employees in the register
    assert accounts != 1200
    done = [s.get_attribute("data-step") for s in page.locator("#setup .checklist-step.is-done").all()]
    assert done == ["units", "register", "round", "sessions"]
    assert page.locator("#setup .is-next").get_attribute("data-step") == "sheets"
    state = page.locator("#round-state").inner_text()
    assert "Terjadwal" in state
    assert "lembar kode" in state
    screenshot(page, "dashboard-scheduled-1280")

    page.locator("#round-state a.btn").click()
    page.wait_for_url(f"{base}/ronde/{round_.pk}/")
    history = page.locator("#history li").all_inner_texts()
    assert len(history) == 4
    assert any("Siti Aminah, S.Kom. membuat ronde." in h for h in history), history
    assert any("Senin, 7 Desember 2026, 08:00–10:00 WITA" in h for h in history), history
    assert any("1.200 ditambahkan" in h for h in history), history
    assert all("WITA" in h.splitlines()[0] for h in history), history
    assert "state_changed" not in page.content()
    assert "S.Kom.." not in page.content()
    assert "1.200 peserta" in page.locator("main .lead").inner_text()
    page.locator("#history").scroll_into_view_if_needed()
    screenshot(page, "round-history-1280")


@pytest.fixture
def big_round(committed: None) -> Iterator[tuple[Region, Round, Any]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        round_ = scored_round(region, employees=1100, takers=1040)
    admin = make_user(region, Role.REGION_ADMIN, email="laporan@samarindakota.go.id")
    yield region, round_, admin
    remove_scored_rounds(region)


def test_admin_opens_employee_reports_and_pages_print_numbers_and_charts_cleanly(
    big_round: tuple[Region, Round, Any], web_port: int, desktop: Any, phone: Any, tmp_path: Path
) -> None:
    region, round_, admin = big_round
    base = f"http://samarinda.localhost:{web_port}"
    with schema_context(region.schema_name):
        unit_id = (
            Score.objects.filter(round=round_, complete=True)
            .values_list("unit_id", flat=True)
            .order_by("pk")[0]
        )
        first = (
            Score.objects.filter(round=round_, unit_id=unit_id)
            .select_related("employee")
            .order_by("employee__full_name")
            .first()
        )
        other = (
            Score.objects.filter(round=round_, complete=True)
            .exclude(unit_id=unit_id)
            .select_related("employee")[0]
        )
    page = desktop.new_page()
    sign_in(page, base, admin.email)

    # Point 8: from the unit page, the first name opens that employee's report, with the plan and PDF.
    page.goto(f"{base}/unit/{unit_id}/")
    page.locator("#unit-results tbody a").first.click()
    page.wait_for_url(f"{base}/hasil/{round_.pk}/pegawai/{first.employee_id}/?dari=unit")
    assert page.locator("#person-name").inner_text() == first.employee.full_name
    if first.complete:
        assert page.locator("#my-index").inner_text() == f"{shown_value(first.index):.1f}".replace(".", ",")
        assert page.locator("svg[role=img]").count() == 1
        pdf = download(page, "#person-pdf", tmp_path)
        assert pdf.read_bytes().startswith(b"%PDF")
    screenshot(page, "person-report-from-unit-1280")
    page.locator("main p a").first.click()  # back to the unit page
    page.wait_for_url(f"{base}/unit/{unit_id}/")

    # ... and from the participant list, found by NIP.
    page.goto(f"{base}/ronde/{round_.pk}/peserta/")
    page.locator("#q").fill(other.employee.nip)
    page.locator("main form[role=search] button").click()
    page.locator("a.person-report").first.click()
    page.wait_for_url(f"{base}/hasil/{round_.pk}/pegawai/{other.employee_id}/?dari=peserta")
    assert page.locator("ol.plan li").count() + page.locator("main p").count() > 0
    assert page.locator("#my-index").inner_text() == f"{shown_value(other.index):.1f}".replace(".", ",")
    courses = page.locator("ol.plan li").all_inner_texts()
    assert all("JP" in c for c in courses)
    phone_page = phone.new_page()
    sign_in(phone_page, base, admin.email)
    phone_page.goto(page.url)
    screenshot(phone_page, "person-report-from-participants-360")

    # Point 12: numbers with separators in what the reader sees, and mean lines clear of the labels.
    for path, name in (
        (f"/hasil/{round_.pk}/", "results-round-1280"),
        (f"/hasil/{round_.pk}/unit/{unit_id}/", "results-unit-1280"),
        (f"/ronde/{round_.pk}/", None),
        ("/pegawai/", None),
        (f"/hasil/{round_.pk}/kualitas/", None),
        (f"/ronde/{round_.pk}/pantau/", "live-1280"),
    ):
        page.goto(base + path)
        if path.endswith("/pantau/"):
            page.locator("#t-invited").filter(has_text="1.100").wait_for()
        assert unseparated(page.locator("main").inner_text()) == [], path
        if name:
            screenshot(page, name)
    page.goto(f"{base}/hasil/{round_.pk}/")
    assert "1.040" in page.locator("main").inner_text()
    result = page.evaluate(CROSSINGS_JS)
    assert result["marks"] >= 1
    assert result["found"] == []
    page.goto(f"{base}/hasil/{round_.pk}/unit/{unit_id}/")
    result = page.evaluate(CROSSINGS_JS)
    assert result["marks"] >= 1
    assert result["found"] == []
    phone_page.goto(f"{base}/hasil/{round_.pk}/")
    result = phone_page.evaluate(CROSSINGS_JS)
    assert result["marks"] >= 1
    assert result["found"] == []
    phone_page.locator("svg .reference").first.scroll_into_view_if_needed()
    screenshot(phone_page, "results-round-360")

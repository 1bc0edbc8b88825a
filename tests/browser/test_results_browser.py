"""Through a real browser: an employee opens their result, the admin the region's results and the
roadmap, and every export downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.results.models import Aggregate, Score
from assessment.results.planning import shown_value
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import codes
from frontend.numbers import half_up
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.browser.conftest import download, remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def published(committed: None) -> Iterator[tuple[Region, Round, Any]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        round_ = scored_round(region, employees=150, takers=130)
    admin = make_user(region, Role.REGION_ADMIN, email="hasil@samarindakota.go.id")
    yield region, round_, admin
    remove_scored_rounds(region)


def test_employee_result_region_dashboard_roadmap_and_exports(
    published: tuple[Region, Round, Any], web_port: int, phone: Any, desktop: Any, tmp_path: Path
) -> None:
    region, round_, admin = published
    base = f"http://samarinda.localhost:{web_port}"

    # The employee signs in with NIP and the round's code, and lands on their result.
    with schema_context(region.schema_name):
        score = Score.objects.filter(round=round_).select_related("employee").order_by("pk").first()
        participant = Participant.objects.get(round=round_, employee=score.employee)
        nip, code = score.employee.nip, codes.code_for(participant)
    page = phone.new_page()
    page.goto(f"{base}/tes/")
    page.locator("#nip").fill(nip)
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/tes/hasil/")
    assert page.locator("#my-index").inner_text() == f"{shown_value(score.index):.1f}".replace(".", ",")
    assert page.locator("svg[role=img]").count() >= 1
    assert page.locator("ol.plan li").count() >= 1
    screenshot(page, "result-employee-360")
    pdf = download(page, "a[href$='/tes/hasil.pdf']", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")

    # The admin sees the region, a unit, the quality report and the roadmap, and downloads each export.
    page = desktop.new_page()
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/hasil/")
    page.wait_for_url(f"{base}/hasil/{round_.pk}/")
    with schema_context(region.schema_name):
        mean = Aggregate.objects.get(round=round_, dimension="region").mean
    # Rounded half up as written, as the page's floatformat does (2.295 reads 2,30; f"{:.2f}" gives 2.29).
    assert page.locator("#region-index").inner_text() == f"{half_up(mean, 2)}".replace(".", ",")
    assert page.locator("svg[role=img]").count() >= 4
    screenshot(page, "result-region-1280")
    for selector, magic in (
        (f"a[href$='/hasil/{round_.pk}/ekspor.pdf']", b"%PDF"),
        (f"a[href$='/hasil/{round_.pk}/ekspor.xlsx']", b"PK"),
        (f"a[href$='/hasil/{round_.pk}/ekspor.csv']", b"\xef\xbb\xbfNIP"),
    ):
        assert download(page, selector, tmp_path).read_bytes().startswith(magic), selector
    page.locator("#units tbody a").first.click()
    page.wait_for_url(f"{base}/hasil/{round_.pk}/unit/**")
    assert download(page, "a[href$='/laporan.pdf']", tmp_path).read_bytes().startswith(b"%PDF")

    page.goto(f"{base}/hasil/{round_.pk}/kualitas/")
    assert page.locator("#items tbody tr").count() == 60

    page.goto(f"{base}/hasil/{round_.pk}/peta-jalan/")
    page.locator("input[name=target]").fill("2.6")
    page.locator("input[name=years]").fill("2")
    page.locator("main form button[type=submit]").click()
    page.locator("#roadmap-courses tbody tr").first.wait_for()
    screenshot(page, "result-roadmap-1280")
    assert download(page, "a[href*='/peta-jalan.xlsx']", tmp_path).read_bytes().startswith(b"PK")
    assert download(page, "a[href*='/peta-jalan.pdf']", tmp_path).read_bytes().startswith(b"%PDF")

"""The results page shows the round in the five national 2025 domains, as a secondary view."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from accounts.roles import Role
from assessment.instrument import crosswalk
from assessment.results.models import Aggregate
from frontend.numbers import half_up
from tests.factories import PASSWORD, make_user


def test_the_results_page_shows_the_domains_as_a_secondary_view(scored: Any) -> None:
    region, round_ = scored
    user = make_user(region, Role.REGION_ADMIN)
    client = Client(HTTP_HOST="samarinda.localhost")
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/hasil/{round_.pk}/")
    html = page.content.decode()
    assert "Pelayanan Publik Digital" in html
    assert "Kepemimpinan Digital" in html
    view = page.context["domains"]
    region_row = Aggregate.objects.get(round=round_, dimension="region")
    cw = crosswalk.national_2025(tuple(sorted(page.context["framework"].competences)))
    expected = crosswalk.domain_figures(cw, ["1", "2", "3", "4", "5"], region_row.area_means)
    assert [r.mean for r in view.rows] == pytest.approx([f.mean for f in expected])
    assert f"{half_up(expected[0].mean, 2)}".replace(".", ",") in html
    with translation.override("en"):
        english = client.get(f"/hasil/{round_.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200

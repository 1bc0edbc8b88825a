"""A region's anonymous response matrix: only with consent, only of a closed round, nothing personal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from django.utils import translation
from django_tenants.utils import schema_context

from assessment.people.models import Employee
from assessment.results.services.answers import coded_responses, item_specs, load_responses
from assessment.results.services.contribution import AnonymousMatrix, ContributionError, build_matrix
from tenants.models import Region
from tests.assessment.rounds.conftest import open_round


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are matched in English (the platform's default language is Indonesian)."""
    with translation.override("en"):
        yield


def _consent(region: Any, contributes: bool = True) -> None:
    Region.objects.filter(pk=region.pk).update(contributes_to_calibration=contributes)


def _sorted_rows(x: np.ndarray) -> np.ndarray:
    return x[np.lexsort(x.T[::-1])]


def test_no_matrix_without_the_regions_consent(scored: Any) -> None:
    region, round_ = scored
    with pytest.raises(ContributionError, match="has not agreed to contribute to the national calibration"):
        build_matrix(region, round_.pk)
    _consent(region)
    assert build_matrix(region, round_.pk).persons == 360
    _consent(region, False)  # withdrawn: no further use
    with pytest.raises(ContributionError, match="has not agreed"):
        build_matrix(region, round_.pk)


def test_only_closed_rounds_leave_the_region(scored: Any) -> None:
    region, _round = scored
    _consent(region)
    with schema_context(region.schema_name):
        running = open_round(region, name="Ronde berjalan")
    with pytest.raises(ContributionError, match=f"Round {running.pk} 'Ronde berjalan' of .* is open"):
        build_matrix(region, running.pk)
    with pytest.raises(ContributionError, match="Round 987654 does not exist"):
        build_matrix(region, 987654)


def test_the_matrix_carries_scores_and_groups_only_in_shuffled_order(scored: Any) -> None:
    region, round_ = scored
    _consent(region)

    matrix = build_matrix(region, round_.pk)

    names = {f.name for f in dataclasses.fields(AnonymousMatrix)}
    assert names == {
        "bank_code",
        "bank_version",
        "round_id",
        "region_code",
        "region_kind",
        "item_ids",
        "scores",
        "mask",
        "sex",
        "age_band",
        "education",
    }
    assert not any(word in name for name in names for word in ("nip", "name", "birth", "unit", "employee"))
    assert matrix.region_code == region.code
    assert matrix.region_kind == region.kind
    assert matrix.item_ids == tuple(round_.form_items)
    assert matrix.scores.dtype == np.int8
    assert matrix.mask.dtype == np.bool_
    assert matrix.scores.shape == matrix.mask.shape == (360, len(round_.form_items))
    assert len(matrix.sex) == len(matrix.age_band) == len(matrix.education) == 360
    assert set(matrix.sex) <= {"L", "P", ""}
    assert set(matrix.age_band) <= {"<30", "30-39", "40-49", "50+", ""}
    assert len(set(matrix.age_band)) >= 2
    assert len(set(matrix.education)) >= 2
    with schema_context(region.schema_name):
        nips = list(Employee.objects.values_list("nip", flat=True)[:50])
        names_ = list(Employee.objects.values_list("full_name", flat=True)[:50])
        specs = item_specs(round_, keep_excluded=True)
        coded = coded_responses(specs, load_responses(round_, specs))
    text = repr(matrix) + repr(matrix.scores.tolist())
    assert not any(nip in text for nip in nips)
    assert not any(name in text for name in names_)

    # The same rows as the register's attempt order, but not in that order.
    in_register_order = np.concatenate([coded.scores, coded.calibration_mask], axis=1).astype(np.int8)
    shipped = np.concatenate([matrix.scores, matrix.mask], axis=1).astype(np.int8)
    assert np.array_equal(_sorted_rows(in_register_order), _sorted_rows(shipped))
    assert not np.array_equal(in_register_order, shipped)
    assert (matrix.scores[~matrix.mask] >= 0).all()

    # Seeded: the same round gives the same matrix; another seed another order.
    again = build_matrix(region, round_.pk)
    assert np.array_equal(again.scores, matrix.scores)
    assert again.sex == matrix.sex
    other = build_matrix(region, round_.pk, seed=1)
    assert not np.array_equal(other.scores, matrix.scores)


def test_the_region_admin_switches_the_consent_on_the_privacy_page(region_a: Any) -> None:
    from django.test import Client

    from accounts.roles import Role
    from audit.models import Event
    from tests.factories import PASSWORD, make_user

    with schema_context(region_a.schema_name):
        admin = make_user(region_a, Role.REGION_ADMIN)
        client = Client(HTTP_HOST="samarinda.localhost")
        assert client.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
        page = client.get("/pengaturan/privasi/").content.decode()
        # The page speaks Indonesian: what leaves, and what never does.
        assert "matriks respons anonim" in page
        assert "NIP, nama, tanggal lahir dan unit kerja tidak pernah keluar dari daerah" in page
        assert 'name="contributes"' in page

        response = client.post("/pengaturan/privasi/", {"action": "calibration", "contributes": "on"})
        assert response.status_code == 302
        region = Region.objects.get(pk=region_a.pk)
        assert region.contributes_to_calibration
        assert region.calibration_consent_changed_by == admin.email
        assert region.calibration_consent_changed_at is not None
        event = Event.objects.get(kind="privacy.settings_changed")
        assert event.details["contributes_to_calibration"] == {"old": False, "new": True}
        assert event.actor == admin.email

        # The other settings are untouched by the switch, and switching off is recorded too.
        client.post("/pengaturan/privasi/", {"action": "calibration"})
        assert not Region.objects.get(pk=region_a.pk).contributes_to_calibration
        assert Event.objects.filter(kind="privacy.settings_changed").count() == 2
        assert "Terakhir diubah" in client.get("/pengaturan/privasi/").content.decode()

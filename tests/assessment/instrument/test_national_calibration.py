"""The national calibration: closed rounds of consenting regions, anonymous matrices, one proposed set
with standard errors, model choice, drift, DIF and sources; accepted as a new version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.instrument import calibration
from assessment.instrument.calibration import jobs, national, versions
from assessment.instrument.calibration.jobs import RoundChoice
from assessment.instrument.models import CalibrationJob, Item, ItemBank, ParameterSet
from assessment.instrument.tasks import national_calibration_task
from assessment.results.services.answers import item_specs
from assessment.rounds.models import Round
from tenants.models import Region
from tests.assessment.instrument.national_helpers import consenting_rounds, proposed_national_set


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are matched in English (the platform's default language is Indonesian)."""
    with translation.override("en"):
        yield


TAKERS = 180


@pytest.fixture
def two_regions(region_a: Any, region_b: Any) -> Iterator[tuple[Any, Round, Any, Round]]:
    """A closed round in each of two regions (small, for speed); both regions agreed to contribute."""
    round_a, round_b = consenting_rounds(region_a, region_b, employees=200, takers=TAKERS)
    with schema_context(get_public_schema_name()):
        yield region_a, round_a, region_b, round_b


def _choices(region_a: Any, round_a: Round, region_b: Any, round_b: Round) -> list[RoundChoice]:
    return [RoundChoice(region_a.code, round_a.pk), RoundChoice(region_b.slug, round_b.pk)]


def test_a_national_proposal_on_two_regions(two_regions: Any) -> None:
    region_a, round_a, region_b, round_b = two_regions
    bank = round_a.bank
    before = dict(Item.objects.filter(bank=bank).values_list("code", "params"))

    options = jobs.available_rounds(bank)
    assert {(o.region_code, o.round_id) for o in options} == {
        (region_a.code, round_a.pk),
        (region_b.code, round_b.pk),
    }
    assert all(o.persons == TAKERS for o in options)

    job = jobs.start_national_calibration(
        bank, _choices(region_a, round_a, region_b, round_b), "operator@ikd.go.id", min_persons=100
    )
    assert job.state == CalibrationJob.State.QUEUED
    assert job.choices == [
        {"region": region_a.code, "round": round_a.pk},
        {"region": region_b.code, "round": round_b.pk},
    ]
    assert national_calibration_task(job.pk) == CalibrationJob.State.DONE  # what the worker runs
    job.refresh_from_db()
    assert job.state == CalibrationJob.State.DONE
    assert job.failure == ""
    assert job.progress == job.total
    ps = job.parameter_set
    assert ps is not None
    assert ps.accepted_at is None
    assert ps.version is None
    assert ps.kind == ParameterSet.Kind.NATIONAL

    # Sources: regions, rounds and counts; nothing personal.
    assert [(s["region"], s["round"], s["persons"]) for s in ps.sources] == [
        (region_a.code, round_a.pk, TAKERS),
        (region_b.code, round_b.pk, TAKERS),
    ]
    assert {k for s in ps.sources for k in s} == {
        "region",
        "region_name",
        "region_kind",
        "round",
        "bank",
        "persons",
    }
    assert ps.persons == 2 * TAKERS
    # Every item of the bank in the snapshot; estimates for the free items, with standard errors.
    assert set(ps.snapshot) == set(before)
    form = set(round_a.form_items) | set(round_b.form_items)
    anchors = set(Item.objects.filter(bank=bank, is_anchor=True).values_list("code", flat=True))
    assert set(ps.params) == form - anchors
    assert set(ps.standard_errors) == set(ps.params)
    assert set(ps.fit) == form
    # Per area: the model chosen and a population per region.
    assert set(ps.area_models) == {"1", "2", "3", "4", "5"}
    for area in ps.area_models.values():
        assert area["model"] in {"2PL", "2PL+c", "3PL"}
    # Drift, DIF and the version link are reported, or say why not.
    for section in (ps.drift, ps.dif):
        assert "computed" in section
        assert section["computed"] or section["reason"]
    if ps.dif["computed"]:
        assert {c["variable"] for c in ps.dif["comparisons"]} <= {
            "sex",
            "age_band",
            "education",
            "region_kind",
        }
    older = national.older_bank(bank)
    if older is None:
        assert ps.version_link == {}
    else:  # linked to the bank's earlier version through the common items, or says why not
        assert ps.version_link["old_bank"] == f"{older.code} {older.version}"
        assert ps.version_link["computed"] or ps.version_link["reason"]
    assert all(set(r) == {"code", "reasons"} for r in ps.review)
    # Nothing written to the items.
    assert dict(Item.objects.filter(bank=bank).values_list("code", "params")) == before

    # Accepted as version 1 with an item left out.
    left_out = sorted(ps.params)[0]
    calibration.accept(ps, "operator@ikd.go.id", leave_out=[left_out])
    ps.refresh_from_db()
    assert ps.version == 1
    assert ps.excluded == [left_out]
    bank.refresh_from_db()
    assert bank.parameters == ps.label
    assert all(Item.objects.get(bank=bank, code=c).params == p for c, p in ps.params.items())
    current = versions.current(bank)
    assert current.set_id == ps.pk
    assert current.excluded == (left_out,)
    with schema_context(region_a.schema_name):
        assert left_out not in [s.id for s in item_specs(round_a, current)]


def test_dif_by_the_grouping_variables(two_regions: Any) -> None:
    region_a, round_a, region_b, round_b = two_regions
    job = jobs.start_national_calibration(
        round_a.bank, _choices(region_a, round_a, region_b, round_b), "operator", min_persons=100
    )
    ps = jobs.run_national_calibration(job, dif_min_group=20)
    assert ps.dif["computed"], ps.dif["reason"]
    variables = {c["variable"] for c in ps.dif["comparisons"]}
    assert {"sex", "age_band", "education"} <= variables
    analysed = [c for c in ps.dif["comparisons"] if c["items"]]
    assert analysed
    for c in analysed:
        assert all(i["category"] in {"A", "B", "C"} for i in c["items"])
    flagged = {i["id"] for c in analysed for i in c["items"] if i["category"] == "C"}
    assert flagged <= {r["code"] for r in ps.review}


def test_regions_that_did_not_agree_are_refused(two_regions: Any) -> None:
    region_a, round_a, region_b, round_b = two_regions
    Region.objects.filter(pk=region_b.pk).update(contributes_to_calibration=False)
    assert {o.region_code for o in jobs.available_rounds()} == {region_a.code}
    with pytest.raises(calibration.CalibrationError, match="has not agreed to contribute"):
        jobs.start_national_calibration(
            round_a.bank, _choices(region_a, round_a, region_b, round_b), "operator", min_persons=100
        )
    assert not CalibrationJob.objects.exists()

    # Consent withdrawn after the job was queued: the job fails with the reason, no set is stored.
    Region.objects.filter(pk=region_b.pk).update(contributes_to_calibration=True)
    job = jobs.start_national_calibration(
        round_a.bank, _choices(region_a, round_a, region_b, round_b), "operator", min_persons=100
    )
    Region.objects.filter(pk=region_b.pk).update(contributes_to_calibration=False)
    assert national_calibration_task(job.pk) == CalibrationJob.State.FAILED
    job.refresh_from_db()
    assert "has not agreed" in job.failure
    assert job.parameter_set is None
    assert not ParameterSet.objects.exists()


def test_a_failed_run_says_why(two_regions: Any) -> None:
    region_a, round_a, region_b, round_b = two_regions
    choices = _choices(region_a, round_a, region_b, round_b)
    # Too few submitted attempts is refused at once, before anything is queued.
    with pytest.raises(calibration.CalibrationError, match="Too few persons to calibrate: 360") as refused:
        jobs.start_national_calibration(round_a.bank, choices, "operator", min_persons=10_000)
    assert refused.value.field == "rounds"
    with pytest.raises(calibration.CalibrationError, match="Choose at least one round"):
        jobs.start_national_calibration(round_a.bank, [], "operator")
    assert not CalibrationJob.objects.exists()
    # A run that cannot be done ends failed, with the reason, and stores no set.
    job = jobs.start_national_calibration(round_a.bank, choices, "operator", min_persons=100)
    CalibrationJob.objects.filter(pk=job.pk).update(min_persons=10_000)
    job.refresh_from_db()
    with pytest.raises(calibration.CalibrationError, match="at least 10000 are needed"):
        jobs.run_national_calibration(job)
    job.refresh_from_db()
    assert job.state == CalibrationJob.State.FAILED
    assert "Too few persons" in job.failure
    assert job.finished_at is not None
    assert not ParameterSet.objects.exists()


def test_the_command_takes_rounds_of_several_regions(two_regions: Any) -> None:
    import io

    region_a, round_a, region_b, round_b = two_regions
    out = io.StringIO()
    call_command(
        "calibrate_items",
        round=[f"{region_a.slug}:{round_a.pk}", f"{region_b.code}:{round_b.pk}"],
        min_persons=100,
        stdout=out,
    )
    ps = ParameterSet.objects.get()
    assert ps.kind == ParameterSet.Kind.NATIONAL
    report = out.getvalue()
    assert f"Persons: {2 * TAKERS}" in report
    assert region_b.name in report
    assert f"manage.py calibrate_items --accept {ps.pk}" in report


def test_the_page_helper_set_is_well_formed(region_a: Any, region_b: Any) -> None:
    from django.core.management import call_command as load

    load("load_instrument")
    bank = ItemBank.objects.order_by("pk").first()
    ps = proposed_national_set(bank, [region_a, region_b])
    assert ps.kind == ParameterSet.Kind.NATIONAL
    assert any(i["category"] == "C" for c in ps.dif["comparisons"] for i in c["items"])
    calibration.accept(ps, "operator", leave_out=[r["code"] for r in ps.review])
    assert ps.version == 1
    assert sorted(ps.excluded) == sorted(r["code"] for r in ps.review)

"""``manage.py calibrate_items``: a proposed parameter set changes nothing until it is accepted, once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django_tenants.utils import schema_context

from assessment.instrument import calibration
from assessment.instrument.models import Item, ItemBank, ParameterSet
from assessment.rounds.models import Round
from tenants.models import Region
from tests.assessment.rounds.conftest import open_round


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are matched in English (the platform's default language is Indonesian)."""
    with translation.override("en"):
        yield


def _run(**options: Any) -> str:
    out = io.StringIO()
    call_command("calibrate_items", stdout=out, **options)
    return out.getvalue()


def _form_params(round_: Round) -> dict[str, tuple[bool, dict[str, Any]]]:
    return {
        i.code: (i.is_anchor, i.params)
        for i in Item.objects.filter(bank=round_.bank, code__in=round_.form_items)
    }


def _consent(region: Any, contributes: bool = True) -> None:
    Region.objects.filter(pk=region.pk).update(contributes_to_calibration=contributes)


def test_a_proposed_set_changes_nothing_until_accepted_once(scored: Any) -> None:
    region, round_ = scored
    _consent(region)
    before = _form_params(round_)
    assert any(anchor for anchor, _ in before.values())

    report = _run(region=region.schema_name, round=[round_.pk], min_persons=100)

    ps = ParameterSet.objects.get()
    assert ps.accepted_at is None
    assert ps.accepted_by == ""
    assert "Persons: 360" in report
    assert "converged" in report
    assert "RMSEA" in report
    assert (
        f"Parameter set {ps.pk} proposed; accept with: manage.py calibrate_items --accept {ps.pk} --by <name>"
        in report
    )
    assert "360 persons" in ps.source
    assert region.name in ps.source
    assert str(round_.pk) in ps.source
    assert ps.sources == [
        {
            "region": region.code,
            "region_name": region.name,
            "region_kind": region.kind,
            "round": round_.pk,
            "bank": f"{round_.bank.code} {round_.bank.version}",
            "persons": 360,
        }
    ]
    assert ps.kind == ParameterSet.Kind.REGIONAL
    assert ps.version is None
    assert len(ps.areas) == 5
    anchors = {code for code, (anchor, _) in before.items() if anchor}
    free = set(before) - anchors
    assert set(ps.params) == free  # anchors stay fixed and are not part of the set
    assert set(ps.fit) == set(before)
    assert all(ps.fit[code]["displacement"] is not None for code in anchors)
    assert ps.previous == {code: before[code][1] for code in free}
    assert all({"a", "b", "steps"} <= set(p) for p in ps.params.values())
    assert _form_params(round_) == before  # nothing written yet
    assert ItemBank.objects.get(pk=round_.bank_id).parameters == "provisional"

    accepted = _run(accept=ps.pk, by="kalibrator@bkpsdm.go.id")

    assert f"Parameter set {ps.pk} accepted by kalibrator@bkpsdm.go.id" in accepted
    after = _form_params(round_)
    assert all(after[code] == before[code] for code in anchors)
    assert all(after[code][1] == ps.params[code] for code in free)
    assert sum(after[code][1] != before[code][1] for code in free) == len(free)
    assert ItemBank.objects.get(pk=round_.bank_id).parameters == ps.label
    ps.refresh_from_db()
    assert ps.accepted_at is not None
    assert ps.accepted_by == "kalibrator@bkpsdm.go.id"
    assert ps.version == 1
    assert "(version 1)" in accepted
    # What the bank held before is kept as version 0, so rounds scored on it stay reproducible.
    baseline = ParameterSet.objects.get(kind=ParameterSet.Kind.BASELINE)
    assert baseline.version == 0
    assert baseline.label == "provisional"
    assert {code: baseline.snapshot[code] for code in before} == {code: p for code, (_, p) in before.items()}

    with pytest.raises(CommandError, match=f"Parameter set {ps.pk} was already accepted"):
        _run(accept=ps.pk, by="orang-lain")
    assert _form_params(round_) == after

    # A deploy reloads the item files: the accepted parameters stay.
    call_command("load_instrument")
    assert _form_params(round_) == after
    assert ItemBank.objects.get(pk=round_.bank_id).parameters == ps.label

    # Fewer persons than asked for, and a round still open, are refused by name.
    with pytest.raises(CommandError, match=r"Too few persons to calibrate: 360 .* at least 400"):
        _run(region=region.slug, round=[round_.pk], min_persons=400)
    open_ = open_round(region, name="Ronde berjalan")
    with pytest.raises(CommandError, match=f"Round {open_.pk} 'Ronde berjalan' of .* is open; only closed"):
        _run(region=region.slug, round=[round_.pk, open_.pk], min_persons=100)
    # A region that withdrew its consent is not calibrated on.
    _consent(region, False)
    with pytest.raises(CommandError, match="has not agreed to contribute to the national calibration"):
        _run(round=[f"{region.code}:{round_.pk}"], min_persons=100)
    assert ParameterSet.objects.exclude(kind=ParameterSet.Kind.BASELINE).count() == 1


def test_unknown_rounds_and_regions_are_refused(region_a: Any) -> None:
    call_command("load_instrument")
    with pytest.raises(CommandError, match="Round 987654 does not exist in region samarinda"):
        _run(region=region_a.slug, round=[987654])
    with pytest.raises(CommandError, match="Unknown region 'atlantis'"):
        _run(region="atlantis", round=[1])
    with pytest.raises(CommandError, match="Parameter set 987654 does not exist"):
        _run(accept=987654, by="x")
    with pytest.raises(CommandError, match="--by"):
        _run(accept=987654)
    with pytest.raises(CommandError, match="at least one --round"):
        _run(region=region_a.slug)
    with pytest.raises(CommandError, match="say whose round it is"):
        _run(round=["12"])


def test_a_set_is_refused_when_the_bank_changed_since(region_a: Any) -> None:
    call_command("load_instrument")
    item = Item.objects.filter(is_anchor=False).order_by("pk").first()
    stale = {**item.params, "a": 9.0}
    ps = ParameterSet.objects.create(
        bank=item.bank,
        label="kalibrasi-2026-11-28",
        params={item.code: {"a": 1.2, "b": 0.3, "steps": []}},
        previous={item.code: stale},
    )
    with pytest.raises(calibration.CalibrationError, match="has changed since"):
        calibration.accept(ps, "operator")
    ps.refresh_from_db()
    assert ps.accepted_at is None
    item.refresh_from_db()
    assert item.params != {"a": 1.2, "b": 0.3, "steps": []}
    with schema_context(region_a.schema_name):  # the instrument is public, seen from every region
        assert Item.objects.get(pk=item.pk).params == item.params

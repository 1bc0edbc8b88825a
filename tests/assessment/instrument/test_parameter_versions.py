"""Parameter versions: a round keeps the version it was first scored with; moving it to a newer one is an
explicit, recorded step; versions compare on plain data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.roles import Role
from assessment.instrument import calibration
from assessment.instrument.basis import ParameterBasis
from assessment.instrument.calibration import versions
from assessment.instrument.calibration.versions import ScaleKey, common_scale
from assessment.instrument.models import Item, ParameterSet
from assessment.results.models import Score, ScoringRun
from assessment.results.services import rescoring, scoring
from assessment.results.services.answers import coded_responses, item_specs, load_responses, pinned_version
from assessment.rounds.models import Round, RoundEvent
from tests.assessment.results.conftest import scored_round
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The refusals are matched in English (the platform's default language is Indonesian)."""
    with translation.override("en"):
        yield


@pytest.fixture
def small(region_a: Any) -> Iterator[tuple[Any, Round]]:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield region_a, scored_round(region_a, employees=260, takers=240)


def _scores(round_: Round) -> dict[int, tuple[Any, ...]]:
    return {
        s.attempt_id: (
            s.index,
            s.level,
            tuple(a["score"] for a in s.areas),
            tuple(s.plausible.get("index", ())),
        )
        for s in Score.objects.filter(round=round_)
    }


def _propose(round_: Round) -> ParameterSet:
    """A regional proposal on the round's own answers (what calibrate_items stores)."""
    specs = item_specs(round_, keep_excluded=True)
    coded = coded_responses(specs, load_responses(round_, specs))
    with schema_context(get_public_schema_name()):
        return calibration.propose(round_.bank, specs, coded.scores, coded.calibration_mask, "test")


def test_rescoring_keeps_the_pinned_version_until_asked_otherwise(small: Any) -> None:
    region, round_ = small
    admin = make_user(region, Role.REGION_ADMIN)
    provisional = _scores(round_)
    run = ScoringRun.objects.get(round=round_)
    assert run.parameters["status"] == "provisional"
    assert run.parameters["version"] == 0

    proposed = _propose(round_)
    calibration.accept(proposed, "operator@ikd.go.id")
    assert proposed.version == 1
    round_ = Round.objects.select_related("bank").get(pk=round_.pk)
    assert round_.bank.parameters == proposed.label

    # The region's plain re-scoring: still the provisional parameters, figures identical.
    scoring.score_round(round_)
    assert _scores(round_) == provisional
    run = ScoringRun.objects.get(round=round_)
    assert run.parameters["status"] == "provisional"
    assert run.bank_parameters == "provisional"
    assert pinned_version(round_).version == 0
    assert [v.version for v in rescoring.newer_versions(round_)] == [1]

    # The explicit step: recorded, then scored under version 1.
    rescoring.rescore_under(round_, proposed, admin)
    event = RoundEvent.objects.get(round=round_, action=rescoring.ACTION)
    assert event.actor_id == admin.pk
    assert event.details["from_version"] == 0
    assert event.details["to_version"] == 1
    assert ScoringRun.objects.get(round=round_).parameters["rescore_to"] == proposed.pk
    assert pinned_version(round_).set_id == proposed.pk

    scoring.score_round(round_)  # what the queued task runs
    calibrated = _scores(round_)
    assert calibrated != provisional
    run = ScoringRun.objects.get(round=round_)
    assert "rescore_to" not in run.parameters
    basis = ParameterBasis.from_json(run.parameters)
    assert basis.status == "calibrated"
    assert basis.version == 1
    assert basis.set_id == proposed.pk
    assert basis.sample == 240
    assert basis.bank == f"{round_.bank.code} {round_.bank.version}"  # the scale: bank and version
    assert run.bank_parameters == proposed.label
    assert rescoring.newer_versions(round_) == []

    # A later version does not move the round either.
    second = _propose(round_)
    calibration.accept(second, "operator@ikd.go.id")
    assert second.version == 2
    scoring.score_round(round_)
    assert _scores(round_) == calibrated

    with pytest.raises(rescoring.RescoreError, match="already scored under parameter version 1"):
        rescoring.rescore_under(round_, proposed, admin)
    unaccepted = _propose(round_)
    with pytest.raises(rescoring.RescoreError, match="has not been accepted"):
        rescoring.rescore_under(round_, unaccepted, admin)
    assert RoundEvent.objects.filter(round=round_, action=rescoring.ACTION).count() == 1


def test_items_left_out_are_not_scored_under_that_version(small: Any) -> None:
    region, round_ = small
    admin = make_user(region, Role.REGION_ADMIN)
    left_out = round_.form_items[3]
    proposed = _propose(round_)
    calibration.accept(proposed, "operator", leave_out=[left_out])
    assert proposed.excluded == [left_out]

    version = versions.of_set(proposed)
    assert left_out not in [s.id for s in item_specs(round_, version)]
    assert left_out in [s.id for s in item_specs(round_, version, keep_excluded=True)]
    assert len(item_specs(round_)) == len(round_.form_items)  # the round is still on version 0

    rescoring.rescore_under(round_, proposed, admin)
    scoring.score_round(round_)
    items = [s["id"] for s in ScoringRun.objects.get(round=round_).quality["items"]]
    assert left_out not in items
    assert len(items) == len(round_.form_items) - 1


def test_accepting_is_all_or_nothing(small: Any) -> None:
    _region, round_ = small
    before = dict(Item.objects.filter(bank=round_.bank).values_list("code", "params"))
    proposed = _propose(round_)
    with pytest.raises(calibration.CalibrationError, match=r"Items to leave out are not in bank .*: NOPE"):
        calibration.accept(proposed, "operator", leave_out=["NOPE"])
    proposed.refresh_from_db()
    assert proposed.accepted_at is None
    assert proposed.version is None
    assert dict(Item.objects.filter(bank=round_.bank).values_list("code", "params")) == before
    assert not ParameterSet.objects.filter(kind=ParameterSet.Kind.BASELINE).exists()
    round_.bank.refresh_from_db()
    assert round_.bank.parameters == "provisional"


def test_snapshots_keep_every_items_parameters(small: Any) -> None:
    _region, round_ = small
    bank = round_.bank
    before = dict(Item.objects.filter(bank=bank).values_list("code", "params"))
    proposed = _propose(round_)
    calibration.accept(proposed, "operator")
    proposed.refresh_from_db()
    assert set(proposed.snapshot) == set(before)
    assert all(proposed.snapshot[c] == p for c, p in proposed.params.items())
    assert all(proposed.snapshot[c] == before[c] for c in set(before) - set(proposed.params))
    baseline = versions.by_label(bank, "provisional")
    assert baseline.version == 0
    assert versions.snapshot(baseline) == before
    bank.refresh_from_db()
    assert versions.current(bank).set_id == proposed.pk
    assert [v.version for v in versions.history(bank)] == [1, 0]


def test_common_scale_on_plain_data() -> None:
    links = [
        {"bank": "ikd 2025.1", "version": 1, "anchors_hold": True, "broken_areas": [], "link": None},
        {"bank": "ikd 2025.1", "version": 2, "anchors_hold": False, "broken_areas": [3], "link": None},
        {
            "bank": "ikd 2026.1",
            "version": 1,
            "anchors_hold": True,
            "broken_areas": [],
            "link": {
                "old_bank": "ikd 2025.1",
                "old_version": 1,
                "holds": True,
                "reason": "",
                "A": 1.1,
                "B": 0.2,
            },
        },
    ]
    assert common_scale(ScaleKey("ikd 2025.1", 0), ScaleKey("ikd 2025.1", 1), links).comparable
    broken = common_scale(ScaleKey("ikd 2025.1", 1), ScaleKey("ikd 2025.1", 2), links)
    assert not broken.comparable
    assert "area(s) 3" in broken.reason
    linked = common_scale(ScaleKey("ikd 2026.1", 1), ScaleKey("ikd 2025.1", 1), links)
    assert linked.comparable
    assert (linked.A, linked.B) == (1.1, 0.2)
    back = common_scale(ScaleKey("ikd 2025.1", 1), ScaleKey("ikd 2026.1", 1), links)
    assert back.comparable
    assert pytest.approx(1 / 1.1) == back.A
    assert pytest.approx(-0.2 / 1.1) == back.B
    assert not common_scale(ScaleKey("ikd 2026.1", 1), ScaleKey("other 1", 1), links).comparable
    links[2]["link"]["holds"] = False  # type: ignore[index]
    assert not common_scale(ScaleKey("ikd 2026.1", 1), ScaleKey("ikd 2025.1", 1), links).comparable

"""One rule turns a score into a level everywhere (scale.level_of), and a competence is planned as a gap
only where the evidence supports it (planning.is_gap): the page and the plan never disagree."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from assessment.instrument.files import load_training_catalogue
from assessment.results.models import Score
from assessment.results.planning import (
    RELATIVE_EVIDENCE,
    PersonNeed,
    is_gap,
    learning_plan,
    roadmap,
    shown_value,
)
from assessment.results.services.reading import Framework, competence_rows
from assessment.scoring.scale import DEFAULT_CUTS, ScaleCuts, level_of, score_to_level

CATALOGUE = load_training_catalogue(
    Path(__file__).resolve().parents[3] / "assessment" / "data" / "training" / "katalog-default.yaml"
).courses
AREA_SIZES = {"1": 3, "2": 6, "3": 4, "4": 4, "5": 4}
CODES = tuple(f"{a}.{k}" for a, size in AREA_SIZES.items() for k in range(1, size + 1))
LEVEL_NAMES = {1: "Dasar", 2: "Menengah", 3: "Mahir", 4: "Sangat Mahir"}
FRAMEWORK = Framework(
    areas=[(a, f"Area {a}") for a in AREA_SIZES],
    competences={c: (c.split(".")[0], f"Kompetensi {c}", "") for c in CODES},
    descriptors={},
    levels=LEVEL_NAMES,
)


def page_rows(competences: dict[str, float]) -> dict[str, dict[str, object]]:
    """The rows of the employee's page and PDF for these competence values (an unsaved score)."""
    return {row["code"]: row for row in competence_rows(Score(competences=competences), FRAMEWORK)}


def decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


# --------------------------------------------------------------------------- the one rule


def test_level_of_is_score_to_level_for_one_value() -> None:
    grid = np.round(np.arange(0.9, 4.1001, 0.0005), 6)
    for cuts in (DEFAULT_CUTS, ScaleCuts(score_at_cut=(2.0, 3.0, 4.0))):
        expected = score_to_level(grid, cuts)
        assert [level_of(float(s), cuts) for s in grid] == expected.tolist()
    assert [level_of(s) for s in (1.0, 1.49, 1.5, 2.49, 2.4999999, 2.5, 3.49, 3.5, 4.0)] == [
        1, 1, 2, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip
    assert level_of(None) == level_of(math.nan) == 0


def test_the_shown_decimal_never_reads_as_another_level() -> None:
    rng = random.Random(5)
    for _ in range(20_000):
        value = rng.uniform(1.0, 4.0)
        assert level_of(shown_value(value)) == level_of(value)
    shown = [decimal(shown_value(v)) for v in (2.47, 2.4999, 2.5, 2.96, 3.0)]
    assert shown == ["2,4", "2,4", "2,5", "2,9", "3,0"]


# --------------------------------------------------------------------------- page and plan agree


def test_just_below_and_just_above_the_cut_on_page_and_plan() -> None:
    for below, above in ((2.49, 2.5), (2.4999, 2.5001), (1.49, 1.5)):
        values = dict.fromkeys(CODES, 3.2) | {"4.2": below, "4.3": above}
        rows = page_rows(values)
        weak = {"4": 2.0}  # the area is below the target: the level decides
        plan = learning_plan(values, CATALOGUE, area_scores=dict.fromkeys(AREA_SIZES, 3.2) | weak)
        gaps = {g.competence for g in plan.gaps}
        assert rows["4.2"]["band"] == level_of(below)
        assert rows["4.3"]["band"] == level_of(above)
        if above >= 2.5:
            assert rows["4.3"]["band_name"] == "Mahir"
            assert "4.3" not in gaps  # shown as Mahir: never a gap to Mahir
        assert "4.2" in gaps  # shown below Mahir, in an area below the target: a gap
        reason = next(p.reason for p in (*plan.courses, *plan.later) if "4.2" in p.competences)
        assert f"4.2 (tingkat {decimal(rows['4.2']['shown'])} → target 3)" in reason  # the page's number


def test_a_value_shown_as_level_3_is_never_planned_as_a_gap_to_level_3() -> None:
    rng = random.Random(11)
    shown_mahir = planned = 0
    for _ in range(600):
        base = rng.uniform(1.3, 3.4)
        values = {c: round(min(4.0, max(1.0, base + rng.gauss(0, 0.45))), 3) for c in CODES}
        areas = {
            a: sum(v for c, v in values.items() if c.split(".")[0] == a) / n for a, n in AREA_SIZES.items()
        }
        rows = page_rows(values)
        plan = learning_plan(values, CATALOGUE, area_scores=areas)
        gaps = {g.competence for g in plan.gaps}
        for code, row in rows.items():
            if row["band"] >= 3:
                shown_mahir += 1
                assert code not in gaps, (code, values[code])
            if code in gaps:
                planned += 1
                assert row["band"] < 3
                assert row["band"] == level_of(values[code])
        for p in (*plan.courses, *plan.later):  # courses fit the level the page shows
            for code in p.competences:
                assert p.course.level_from <= rows[code]["band"] < p.course.level_to
        need = PersonNeed("U", sum(areas.values()) / 5, areas, values)
        trained = {c.competence for c in roadmap([need], CATALOGUE, target_index=4.0, years=1).by_competence}
        assert trained <= gaps  # the roadmap plans the same gaps
    assert shown_mahir > 1000  # both sides of the rule are exercised
    assert planned > 1000


def test_the_roadmap_trains_no_one_whose_competences_are_all_shown_at_the_target() -> None:
    rng = random.Random(2)
    people = []
    for k in range(50):
        values = {c: round(rng.uniform(2.5, 2.99), 2) for c in CODES}  # floor: all gaps; rule: none
        areas = dict.fromkeys(AREA_SIZES, 2.7)
        people.append(PersonNeed(f"U{k % 3}", 2.7, areas, values))
    plan = roadmap(people, CATALOGUE, target_index=3.0, years=3)
    assert plan.people_trained == 0
    assert plan.total_jp == 0


# --------------------------------------------------------------------------- the evidence rule


@pytest.mark.parametrize(
    ("value", "area", "gap"),
    [
        (2.5, 2.0, False),  # level 3: never a gap to level 3
        (2.49, 2.3, True),  # area below the target too: both agree
        (1.2, 2.4999, True),
        (2.49, 2.8, False),  # 0.31 under an at-target area: noise on two or three items
        (2.4, 2.5, False),
        (2.05, 2.8, True),  # 0.75 under an at-target area: a real relative weakness
        (2.06, 2.8, False),
        (1.9, 3.6, True),
        (2.4, None, True),  # area unknown: the level alone
        (2.4, math.nan, True),
        (math.nan, 2.0, False),
    ],
)
def test_is_gap(value: float, area: float | None, gap: bool) -> None:
    assert is_gap(value, area) is gap


def test_evidence_rule_in_the_plan_and_on_the_page() -> None:
    values = dict.fromkeys(CODES, 3.0) | {"1.1": 2.45, "1.2": 2.0, "2.1": 2.45}
    areas = dict.fromkeys(AREA_SIZES, 3.0) | {"1": 2.8, "2": 2.3}
    plan = learning_plan(values, CATALOGUE, area_scores=areas)
    rows = page_rows(values)
    assert [rows[c]["band_name"] for c in ("1.1", "1.2", "2.1")] == ["Menengah", "Menengah", "Menengah"]
    # 1.1 lies 0.35 under its at-target area: shown as Menengah, not planned; 1.2 lies 0.8 under it;
    # 2.1 is in an area below the target
    assert [g.competence for g in plan.gaps] == ["1.2", "2.1"]
    assert 2.8 - 2.0 >= RELATIVE_EVIDENCE > 2.8 - 2.45
    assert {g.competence for g in learning_plan(values, CATALOGUE).gaps} == {"1.1", "1.2", "2.1"}  # no areas

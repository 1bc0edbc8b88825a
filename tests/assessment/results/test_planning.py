"""Learning plans and the roadmap (assessment.results.planning): pure functions, no database."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from assessment.instrument.files import Course, load_training_catalogue
from assessment.results.planning import LearningPlan, PersonNeed, learning_plan, roadmap
from assessment.scoring.scale import level_of

DEFAULT_CATALOGUE = (
    Path(__file__).resolve().parents[3] / "assessment" / "data" / "training" / "katalog-default.yaml"
)
AREA_SIZES = {"1": 3, "2": 6, "3": 4, "4": 4, "5": 4}
ALL_CODES = tuple(f"{a}.{k}" for a, size in AREA_SIZES.items() for k in range(1, size + 1))


def course(code: str, jp: int, level_from: int, level_to: int, *competences: str, cost: int = 0) -> Course:
    return Course(
        code=code,
        title=f"Pelatihan {code}",
        provider="BKPSDM",
        mode="klasikal",
        jp=jp,
        cost_idr=cost,
        level_from=level_from,
        level_to=level_to,
        competences=competences,
    )


CATALOGUE = (
    course("A1", 4, 1, 2, "1.1", "1.2", cost=100_000),
    course("A2", 2, 1, 2, "1.1"),
    course("A3", 12, 2, 3, "1.1", "1.2", "1.3", cost=500_000),
    course("A4", 3, 1, 2, "1.3"),
    course("B1", 8, 1, 2, "4.2", cost=200_000),
    course("B2", 12, 2, 3, "4.1", "4.2", cost=750_000),
    course("B3", 6, 1, 2, "4.1"),
    course("H1", 2, 3, 4, "1.1"),
    course("BIG", 16, 1, 3, "2.1", cost=1_000_000),
)


def levels(default: float = 3.2, **low: float) -> dict[str, float]:
    """All 21 competences at ``default``, some lower: levels(c4_2=1.8) sets "4.2"."""
    result = dict.fromkeys(ALL_CODES, default)
    for key, value in low.items():
        result[key[1:].replace("_", ".")] = value
    return result


def person(unit: str, comps: dict[str, float]) -> PersonNeed:
    areas = {
        a: sum(v for c, v in comps.items() if c.split(".")[0] == a) / size for a, size in AREA_SIZES.items()
    }
    return PersonNeed(
        unit=unit, index=sum(areas.values()) / len(areas), area_scores=areas, competence_levels=comps
    )


def codes(plan: LearningPlan) -> list[str]:
    return [p.course.code for p in plan.courses]


# --------------------------------------------------------------------------- learning plan


def test_plan_stays_within_the_budget() -> None:
    plan = learning_plan(levels(1.2), CATALOGUE)
    assert plan.courses
    assert plan.total_jp == sum(p.course.jp for p in plan.courses) <= 20
    assert plan.total_cost_idr == sum(p.course.cost_idr for p in plan.courses)
    small = learning_plan(levels(1.2), CATALOGUE, budget_jp=5)
    assert small.total_jp <= 5


def test_largest_gap_first_ties_by_code() -> None:
    plan = learning_plan(levels(c4_2=1.3, c4_1=2.2, c1_3=1.3, c2_1=2.4, c3_1=2.5), CATALOGUE)
    assert [(g.competence, g.level, g.target) for g in plan.gaps] == [
        ("1.3", 1.3, 3),
        ("4.2", 1.3, 3),
        ("4.1", 2.2, 3),
        ("2.1", 2.4, 3),
    ]  # 3.1 at 2.5 is level 3 (Mahir), as the page shows it: not a gap
    assert plan.courses[0].competences == ("1.3",)  # A4 builds the first gap
    assert codes(plan) == ["A4", "B1"]  # 11 JP; B2 (12 JP) and BIG (16 JP) no longer fit
    assert [p.course.code for p in plan.later] == ["B2", "BIG"]
    assert plan.uncovered == ()


def test_prefers_the_course_covering_most_gaps_then_fewer_jp() -> None:
    plan = learning_plan(levels(c1_1=1.2, c1_2=1.4), CATALOGUE)
    assert codes(plan) == ["A1"]  # covers 1.1 and 1.2; A2 is cheaper but covers only 1.1
    assert plan.courses[0].competences == ("1.1", "1.2")
    one = learning_plan(levels(c1_1=1.2), CATALOGUE)
    assert codes(one) == ["A2"]  # both cover one gap: the one with fewer JP


def test_no_course_twice() -> None:
    doubled = (*CATALOGUE, course("A1B", 4, 1, 2, "1.1", "1.2"))
    plan = learning_plan(levels(1.2), doubled, budget_jp=60)
    chosen = [*codes(plan), *(p.course.code for p in plan.later)]
    assert len(chosen) == len(set(chosen))


def test_courses_outside_the_level_range_are_not_chosen() -> None:
    low = learning_plan(levels(c1_1=1.4), CATALOGUE)
    assert codes(low) == ["A2"]  # not A3 (from level 2) nor H1 (from level 3)
    middle = learning_plan(levels(c1_1=2.4), CATALOGUE)
    assert codes(middle) == ["A3"]  # A1 and A2 end at level 2
    on_the_cut = learning_plan(levels(c1_1=1.5), CATALOGUE)
    assert codes(on_the_cut) == ["A3"]  # 1.5 is level 2 (Menengah), as on the page
    for plan in (low, middle, on_the_cut):
        for p in plan.courses:
            level = level_of(next(g.level for g in plan.gaps if g.competence == p.competences[0]))
            assert p.course.level_from <= level < p.course.level_to


def test_uncovered_competences_are_listed() -> None:
    plan = learning_plan(levels(c3_1=1.5, c5_4=2.2, c2_1=2.0, c1_1=2.4), CATALOGUE)
    assert set(plan.uncovered) == {"3.1", "5.4"}
    assert "2.1" not in plan.uncovered  # BIG builds it
    assert codes(plan) == ["BIG"]
    assert [p.course.code for p in plan.later] == ["A3"]  # fits 1.1 but not in the 4 JP left


def test_reasons_are_indonesian_with_a_decimal_comma() -> None:
    plan = learning_plan(levels(c4_2=1.8), CATALOGUE)
    assert plan.courses[0].reason == "Menutup kesenjangan pada 4.2 (tingkat 1,8 → target 3)"
    both = learning_plan(levels(c1_1=1.25, c1_2=1.49), CATALOGUE)
    assert both.courses[0].reason == (  # rounded down, as on the page: 1.49 is level 1 and reads 1,4
        "Menutup kesenjangan pada 1.1 (tingkat 1,2 → target 3) dan 1.2 (tingkat 1,4 → target 3)"
    )
    later = learning_plan(levels(c2_1=1.5), CATALOGUE, budget_jp=10)
    assert later.later[0].reason.startswith("Menutup kesenjangan pada 2.1 (tingkat 1,5 → target 3)")


def test_person_at_target_gets_an_empty_plan() -> None:
    plan = learning_plan(levels(3.0), CATALOGUE)
    assert plan == LearningPlan(courses=(), total_jp=0, total_cost_idr=0, gaps=(), uncovered=(), later=())


def test_target_level_is_a_parameter() -> None:
    plan = learning_plan(levels(3.2), CATALOGUE, target_level=4)
    assert "H1" in codes(plan)
    assert all(g.target == 4 for g in plan.gaps)


def test_default_catalogue_plans() -> None:
    catalogue = load_training_catalogue(DEFAULT_CATALOGUE)
    assert len(catalogue.courses) >= 30
    by_code = {c.code: c for c in catalogue.courses}
    rng = random.Random(3)
    for _ in range(200):
        comps = {c: round(rng.uniform(1.0, 4.0), 2) for c in ALL_CODES}
        plan = learning_plan(comps, catalogue.courses)
        assert plan.total_jp <= 20
        chosen = [*codes(plan), *(p.course.code for p in plan.later)]
        assert len(chosen) == len(set(chosen))
        for p in (*plan.courses, *plan.later):
            assert by_code[p.course.code] == p.course
            for c in p.competences:
                assert level_of(comps[c]) < 3
                assert p.course.level_from <= level_of(comps[c]) < p.course.level_to
            assert p.reason.startswith("Menutup kesenjangan pada ")
        assert not set(plan.uncovered) & {c for p in plan.courses for c in p.competences}
    weak = learning_plan(levels(1.4), catalogue.courses)
    assert 15 <= weak.total_jp <= 20
    assert weak.uncovered == ()  # the default catalogue has a course for every competence at level 1


# --------------------------------------------------------------------------- roadmap


def region(n: int = 60, seed: int = 11) -> list[PersonNeed]:
    rng = random.Random(seed)
    people = []
    for i in range(n):
        base = rng.uniform(1.2, 3.4)
        comps = {c: min(4.0, max(1.0, round(base + rng.gauss(0, 0.4), 2))) for c in ALL_CODES}
        people.append(person(f"Unit {i % 4}", comps))
    return people


def mean_index(people: list[PersonNeed]) -> float:
    return sum(p.index for p in people) / len(people)


def test_roadmap_reaches_an_easy_target_in_year_one() -> None:
    people = region()
    start = mean_index(people)
    plan = roadmap(people, CATALOGUE, target_index=start + 0.01, years=3)
    assert plan.start_index == pytest.approx(start)
    assert plan.reached
    assert plan.projected_index[0] >= start + 0.01
    assert len(plan.projected_index) == 3
    assert plan.projected_index[1] == plan.projected_index[0]  # nothing more is planned once reached
    assert 0 < plan.people_trained < len(people)  # trained until the target is reached, not everyone


def test_roadmap_reports_an_impossible_target() -> None:
    plan = roadmap(region(), CATALOGUE, target_index=4.0, years=2)
    assert not plan.reached
    assert len(plan.projected_index) == 2
    assert plan.projected_index[-1] < 4.0


def test_projected_index_never_decreases_nor_exceeds_four() -> None:
    people = [*region(), person("Atas", levels(3.9, c1_1=2.0))]
    for gain in (0.25, 5.0):
        plan = roadmap(people, CATALOGUE, target_index=4.0, years=4, gain_per_course=gain)
        values = [plan.start_index, *plan.projected_index]
        assert all(a <= b for a, b in itertools.pairwise(values))
        assert all(v <= 4.0 for v in values)
        assert all(u.start_index <= u.projected_index <= 4.0 for u in plan.by_unit)


def test_by_unit_totals_sum_to_the_overall_totals() -> None:
    plan = roadmap(region(), CATALOGUE, target_index=3.5, years=2)
    assert plan.total_jp > 0
    assert sum(u.jp_total for u in plan.by_unit) == plan.total_jp
    assert sum(u.cost_total for u in plan.by_unit) == plan.total_cost_idr
    assert sum(u.people for u in plan.by_unit) == plan.people_trained
    assert sum(c.jp_total for c in plan.by_course) == plan.total_jp
    assert sum(c.cost_total for c in plan.by_course) == plan.total_cost_idr
    assert [u.unit for u in plan.by_unit] == ["Unit 0", "Unit 1", "Unit 2", "Unit 3"]
    assert all(c.people <= plan.people_trained for c in plan.by_competence)
    assert [c.competence for c in plan.by_competence] == sorted(
        (c.competence for c in plan.by_competence), key=lambda code: tuple(map(int, code.split(".")))
    )


def test_person_above_target_is_not_trained() -> None:
    above = person("Atas", levels(3.6, c4_2=1.5))  # index above the target, one weak competence
    below = person("Bawah", levels(1.5))
    plan = roadmap([above, below], CATALOGUE, target_index=3.0, years=3)
    units = {u.unit: u for u in plan.by_unit}
    assert units["Atas"].people == 0
    assert units["Atas"].jp_total == 0
    assert units["Atas"].projected_index == pytest.approx(above.index)
    assert units["Bawah"].people == 1
    assert plan.people_trained == 1


def test_roadmap_year_one_follows_the_learning_plan_and_never_repeats_a_course() -> None:
    someone = person("X", levels(1.4, c4_2=2.2))
    first = roadmap([someone], CATALOGUE, target_index=4.0, years=1)
    plan = learning_plan(someone.competence_levels, CATALOGUE, area_scores=someone.area_scores)
    assert sorted(c.code for c in first.by_course) == sorted(codes(plan))
    assert first.total_jp == plan.total_jp
    three = roadmap([someone], CATALOGUE, target_index=4.0, years=3)
    assert all(c.people == 1 for c in three.by_course)
    assert three.total_jp <= 3 * 20


def test_roadmap_gain_model() -> None:
    # One weak competence in area 4 (4 competences): B1 raises 4.2 by 0.25, area 4 by 0.0625,
    # the index by 0.0125.
    someone = person("X", levels(3.0, c4_2=1.4))
    plan = roadmap([someone], CATALOGUE, target_index=4.0, years=1)
    assert [c.code for c in plan.by_course] == ["B1"]
    assert plan.projected_index[0] - plan.start_index == pytest.approx(0.25 / 4 / 5)
    capped = roadmap([someone], CATALOGUE, target_index=4.0, years=1, gain_per_course=1.0)
    assert capped.projected_index[0] - capped.start_index == pytest.approx(0.6 / 4 / 5)  # B1 ends at 2


def test_empty_region() -> None:
    plan = roadmap([], CATALOGUE, target_index=3.0, years=2)
    assert plan.people_trained == 0
    assert not plan.reached
    assert plan.by_unit == ()

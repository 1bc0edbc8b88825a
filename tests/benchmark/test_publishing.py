"""Publishing to the national benchmark: what lands in the public schema, and what a reader can do with it.

Releases are built the way a region builds them (``release_from_people`` over numpy-simulated people) and
go through ``benchmark.services.publishing``; every check reads back what was written to PostgreSQL. Each
test runs in the ``db`` transaction (rolled back afterwards); the results fixture ``scored`` does too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django_tenants.utils import schema_context
from numpy.typing import NDArray

from assessment.results.services.publishing import AREAS, People, release_from_people
from benchmark import disclosure
from benchmark.disclosure import MIN_CELL
from benchmark.models import Event, Naming, Publication, PublishedCell
from benchmark.services import generation as generation_token
from benchmark.services import national
from benchmark.services import publishing as benchmark
from benchmark.services.publishing import PublishingError, RoundFigures
from tests.assessment.results.conftest import sent_round

INSTRUMENT = "ikd-nasional 2026.1"
NEXT_INSTRUMENT = "ikd-nasional 2027.1"
AREA_OFFSETS = np.array([0.15, 0.0, -0.25, -0.05, 0.0])

# Skewed shares, so that small regions and rare categories give cells of 1..9 people. Keys outside the
# portal's vocabulary ("X") are counted as not recorded ("").
SKEWED: dict[str, dict[str, float]] = {
    "status": {"PNS": 0.955, "PPPK": 0.04, "X": 0.005},
    "position_type": {"struktural": 0.02, "fungsional": 0.6, "pelaksana": 0.38},
    "rank_group": {"I": 0.001, "II": 0.1, "III": 0.6, "IV": 0.25, "PPPK": 0.04, "": 0.008},
    "age_band": {"<30": 0.01, "30-39": 0.3, "40-49": 0.4, "50+": 0.285, "": 0.005},
    "sex": {"L": 0.5, "P": 0.5},
    "education": {"SMA-": 0.05, "D1-D3": 0.1, "S1/D4": 0.6, "S2": 0.2335, "S3": 0.015, "": 0.0015},
}


# ---------------------------------------------------------------------------------------------------------
# Helpers: simulated people, releases, the figures as stored, and the reader's subtraction attack.


def simulate(
    rng: np.random.Generator, n: int, mean: float, shares: Mapping[str, Mapping[str, float]]
) -> People:
    """``n`` people around ``mean``, each dimension drawn from ``shares`` (key -> share)."""
    segments: dict[str, list[str]] = {}
    for dimension, weights in shares.items():
        keys = list(weights)
        p = np.array([weights[k] for k in keys], dtype=np.float64)
        segments[dimension] = [keys[i] for i in rng.choice(len(keys), size=n, p=p / p.sum())]
    areas = np.clip(mean + AREA_OFFSETS[None, :] + rng.normal(0.0, 0.45, (n, AREAS)), 1.0, 4.0)
    return People(index=np.clip(areas.mean(axis=1), 1.0, 4.0), areas=areas, segments=segments)


def people_by_sizes(rng: np.random.Generator, mean: float, sizes: Mapping[str, Mapping[str, int]]) -> People:
    """People with exact category sizes per dimension (each dimension's sizes sum to the same N)."""
    totals = {sum(s.values()) for s in sizes.values()}
    assert len(totals) == 1, totals
    n = totals.pop()
    segments: dict[str, list[str]] = {}
    for dimension, counts in sizes.items():
        column = [key for key, count in counts.items() for _ in range(count)]
        segments[dimension] = [column[i] for i in rng.permutation(n)]
    areas = np.clip(mean + AREA_OFFSETS[None, :] + rng.normal(0.0, 0.45, (n, AREAS)), 1.0, 4.0)
    return People(index=np.clip(areas.mean(axis=1), 1.0, 4.0), areas=areas, segments=segments)


def figures_for(
    code: str,
    release: disclosure.Release,
    *,
    round_key: str = "uji:1",
    held_on: date = date(2025, 8, 20),
    instrument: str = INSTRUMENT,
) -> RoundFigures:
    return RoundFigures(
        region_code=code,
        round_key=round_key,
        round_name=f"Pengukuran IKD {held_on.year} (uji)",
        held_on=held_on,
        instrument=instrument,
        release=release,
        simulated=True,
    )


def stored_figures(publication_id: int) -> dict[str, Any]:
    """The figures JSON exactly as PostgreSQL returns it (not the Python object publish() built)."""
    figures = Publication.objects.filter(pk=publication_id).values_list("figures", flat=True).get()
    assert isinstance(figures, dict)
    return figures


def shown_cells(figures: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Every cell a reader sees a number for: the total and the published cells of published tables."""
    if figures.get("suppressed"):
        return []
    out: list[tuple[str, Mapping[str, Any]]] = [("total", figures["total"])]
    for name, table in figures["tables"].items():
        for key, cell in (table.get("cells") or {}).items():
            if not cell.get("suppressed"):
                out.append((f"{name}/{key}", cell))
    return out


def row_key(where: str) -> tuple[str, str]:
    """The (dimension, key) of a shown cell's PublishedCell row: the total is ("region", "all")."""
    if where == "total":
        return ("region", "all")
    dimension, key = where.split("/", 1)
    return (dimension, key)


def publishable(count: int) -> bool:
    return count == 0 or count >= MIN_CELL


@dataclass(frozen=True)
class Attack:
    """What subtracting the published cells of one breakdown from the region total gives a reader."""

    hidden: list[str]  # the categories shown as hidden
    n: int  # their people together: N - sum of published n
    mean: float | None  # their index mean together, from N*mean - sum(n*mean)
    vectors: dict[str, list[tuple[int, int, int]]]  # their counts together: (start, stop, count) per bin


def subtraction_attack(figures: Mapping[str, Any], table: str) -> Attack:
    total = figures["total"]
    cells: Mapping[str, Mapping[str, Any]] = figures["tables"][table].get("cells") or {}
    hidden = [key for key, cell in cells.items() if cell.get("suppressed")]
    shown = [cell for cell in cells.values() if not cell.get("suppressed")]
    n = int(total["n"]) - sum(int(c["n"]) for c in shown)
    score = total["n"] * total["means"]["index"] - sum(c["n"] * c["means"]["index"] for c in shown if c["n"])
    # Every published cell of a breakdown uses the same bins, each a union of the region total's bins.
    layout = shown[0]["vectors"] if shown else total["vectors"]
    vectors: dict[str, list[tuple[int, int, int]]] = {}
    for name, groups in layout.items():
        out = []
        for group in groups:
            a, b = group["start"], group["stop"]
            inside = [g for g in total["vectors"][name] if a <= g["start"] and g["stop"] <= b]
            assert sum(g["stop"] - g["start"] for g in inside) == b - a, "bins must coarsen the total's"
            count = sum(g["count"] for g in inside)
            for cell in shown:
                (same,) = [g for g in cell["vectors"][name] if (g["start"], g["stop"]) == (a, b)]
                count -= same["count"]
            out.append((a, b, count))
        vectors[name] = out
    return Attack(hidden, n, score / n if n else None, vectors)


def naive_view(release: disclosure.Release) -> dict[str, Any]:
    """Primary suppression only (cells of 1..9 hidden, nothing else), full vectors, means unrounded."""

    def view(cell: disclosure.Cell) -> dict[str, Any]:
        if 0 < cell.n < MIN_CELL:
            return {"suppressed": True}
        vectors = {
            name: [{"start": i, "stop": i + 1, "count": c} for i, c in enumerate(counts)]
            for name, counts in release.total.vectors.items()
            for counts in [cell.vectors.get(name, (0,) * len(counts))]
        }
        return {"n": cell.n, "means": dict(cell.means), "vectors": vectors}

    return {
        "suppressed": False,
        "total": view(release.total),
        "tables": {t.name: {"cells": {k: view(c) for k, c in t.cells.items()}} for t in release.tables},
    }


def cell_rows(publication_id: int) -> list[tuple[str, str, int, float, list[float], list[list[int]]]]:
    return list(
        PublishedCell.objects.filter(publication_id=publication_id)
        .order_by("dimension", "key")
        .values_list("dimension", "key", "n", "mean", "area_means", "levels")
    )


def snapshot(code: str, round_key: str) -> dict[str, Any]:
    """Everything the benchmark holds about one round, to compare before and after a failed change."""
    publication = Publication.objects.get(region_code=code, round_key=round_key)
    return {
        "id": publication.pk,
        "participants": publication.participants,
        "mean": publication.mean,
        "figures": stored_figures(publication.pk),
        "cells": cell_rows(publication.pk),
        "events": list(
            Event.objects.filter(region_code=code).order_by("pk").values_list("action", flat=True)
        ),
        "generation": generation_token.current(),
    }


def people_mean(index: NDArray[np.float64]) -> float:
    return float(np.clip(index, 1.0, 4.0).mean())


# ---------------------------------------------------------------------------------------------------------
# 1. Every published count is 0 or >= 10


def test_every_published_count_is_zero_or_at_least_ten(db: Any) -> None:
    rng = np.random.default_rng(2026)
    # code: (participants, eligible). Non-participants 2, 3, 0, 30, 4: the 3 and 4 must stay hidden.
    plan = {
        "64.02": (5, 7),
        "64.72": (12, 15),
        "32.73": (60, 60),
        "31.71": (400, 430),
        "64.71": (3000, 3004),
    }
    releases: dict[str, disclosure.Release] = {}
    for k, (code, (n, eligible)) in enumerate(plan.items()):
        releases[code] = release_from_people(simulate(rng, n, 2.2 + 0.1 * k, SKEWED), eligible)
        benchmark.publish(figures_for(code, releases[code]))

    # Not vacuous: the releases hold small cells that a careless publisher would show.
    small = {
        code: sum(1 for t in r.tables for c in t.cells.values() if 0 < c.n < MIN_CELL)
        for code, r in releases.items()
    }
    assert small["31.71"] > 0
    assert small["64.71"] > 0
    small_bins = [
        count
        for r in releases.values()
        for t in r.tables
        for c in t.cells.values()
        for v in c.vectors.values()
        for count in v
        if 0 < count < MIN_CELL
    ]
    assert small_bins

    publications = {p.region_code: p for p in Publication.objects.all()}
    assert set(publications) == set(plan)
    checked = 0
    for code, publication in publications.items():
        figures = stored_figures(publication.pk)
        release = releases[code]
        if figures["suppressed"]:
            continue
        assert publication.participants == figures["total"]["n"] == release.total.n
        for where, cell in shown_cells(figures):
            assert publishable(cell["n"]), (code, where, cell["n"])
            for name, groups in cell["vectors"].items():
                for group in groups:
                    assert group["count"] is not None, (code, where, name)
                    assert publishable(group["count"]), (code, where, name, group)
                    checked += 1
            if where != "total":  # the published n is the true n
                table, key = row_key(where)
                true = next(t for t in release.tables if t.name == table).cells[key]
                assert cell["n"] == true.n
        eligible = figures["eligible"]
        assert eligible == publication.eligible
        if eligible is not None:
            assert publishable(eligible)
            assert publishable(eligible - figures["total"]["n"]), (code, eligible)
        # What a reader derives by subtraction is 0 or >= 10 too.
        for table in figures["tables"]:
            if figures["tables"][table].get("suppressed"):
                continue
            attack = subtraction_attack(figures, table)
            assert publishable(attack.n), (code, table, attack)
            if attack.n:
                assert len(attack.hidden) >= 2
                assert attack.n - (len(attack.hidden) - 1) >= MIN_CELL, (code, table, attack)
            for name, counts in attack.vectors.items():
                assert all(publishable(c) for _a, _b, c in counts), (code, table, name, counts)

        rows = PublishedCell.objects.filter(publication=publication)
        shown = {row_key(where) for where, cell in shown_cells(figures) if cell["n"]}
        assert {(r.dimension, r.key) for r in rows} == shown
        cells = {row_key(where): cell for where, cell in shown_cells(figures)}
        for row in rows:
            where = (code, row.dimension, row.key)
            assert row.n >= MIN_CELL, (*where, row.n)
            assert row.n == cells[row.dimension, row.key]["n"]
            assert len(row.area_means) == AREAS
            # Level groups [start, stop, count], the same groups as in the figures, each 0 or >= 10.
            levels = [tuple(group) for group in row.levels]
            published = [
                (g["start"], g["stop"], g["count"]) for g in cells[row.dimension, row.key]["vectors"]["level"]
            ]
            assert levels == published, where
            assert [a for a, _b, _c in levels] == [0, *(b for _a, b, _c in levels[:-1])], where
            assert levels[-1][1] == 4, where
            assert all(publishable(c) for _a, _b, c in levels), (*where, levels)
            assert sum(c for _a, _b, c in levels) == row.n, where
    assert checked > 1000

    # Eligible shown only when the non-participants are 0 or >= 10.
    assert publications["64.72"].eligible is None  # 3 did not take part
    assert publications["32.73"].eligible == 60  # everyone did
    assert publications["31.71"].eligible == 430
    assert publications["64.71"].eligible is None  # 4 did not take part

    # The region with 5 participants publishes only that it is suppressed.
    tiny = publications["64.02"]
    assert tiny.suppressed
    assert tiny.mean is None
    assert tiny.participants is None
    assert tiny.eligible is None
    assert tiny.sd is None
    assert tiny.ci_low is None
    assert tiny.ci_high is None
    assert tiny.area_means == []
    assert stored_figures(tiny.pk) == {"suppressed": True}
    assert not PublishedCell.objects.filter(publication=tiny).exists()
    assert Event.objects.get(region_code="64.02").participants is None
    # ... and the national figures leave it out.
    filters = national.resolve(INSTRUMENT, 2025)
    assert {r.code for r in national.regions(filters)} == set(plan) - {"64.02"}


# ---------------------------------------------------------------------------------------------------------
# 2. The subtraction attack


ATTACK_SIZES: dict[str, dict[str, int]] = {
    "status": {"PNS": 80, "PPPK": 40},
    "position_type": {"struktural": 30, "fungsional": 50, "pelaksana": 40},
    "rank_group": {"II": 20, "III": 50, "IV": 10, "PPPK": 40},
    "age_band": {"<30": 3, "30-39": 40, "40-49": 45, "50+": 32},  # three people under 30
    "sex": {"L": 60, "P": 60},
    "education": {"D1-D3": 20, "S1/D4": 70, "S2": 30},
}


def test_subtraction_attack_cannot_isolate_a_small_group(db: Any) -> None:
    people = people_by_sizes(np.random.default_rng(3), 2.4, ATTACK_SIZES)
    release = release_from_people(people, 130)
    young = np.array([s == "<30" for s in people.segments["age_band"]])
    assert int(young.sum()) == 3
    publication = benchmark.publish(figures_for("64.02", release))
    figures = stored_figures(publication.pk)
    n_total = figures["total"]["n"]
    assert n_total == 120

    # The naive scheme (primary suppression only) gives the three away: their number, mean and levels.
    naive = subtraction_attack(naive_view(release), "age_band")
    assert naive.hidden == ["<30"]
    assert naive.n == 3
    assert naive.mean == pytest.approx(people_mean(people.index[young]), abs=1e-9)
    young_cell = next(t for t in release.tables if t.name == "age_band").cells["<30"]
    assert [c for _a, _b, c in naive.vectors["level"]] == list(young_cell.vectors["level"])
    assert [c for _a, _b, c in naive.vectors["histogram"]] == list(young_cell.vectors["histogram"])

    # The published figures: the three are hidden together with a second group, and a reader who subtracts
    # gets a group of at least 10 in which no hidden category can be shown to be small.
    age = figures["tables"]["age_band"]["cells"]
    assert age["<30"] == {"suppressed": True}
    attack = subtraction_attack(figures, "age_band")
    assert "<30" in attack.hidden
    assert len(attack.hidden) >= 2
    assert attack.n >= MIN_CELL
    assert attack.n - (len(attack.hidden) - 1) >= MIN_CELL  # each hidden cell may hold >= 10 people
    assert attack.n != 3
    hidden_people = np.array([s in attack.hidden for s in people.segments["age_band"]])
    assert attack.n == int(hidden_people.sum())
    # The mean recovered is the hidden group's as a whole (up to the rounding of published means).
    assert attack.mean is not None
    tolerance = n_total * 10**-benchmark.MEAN_DIGITS / attack.n + 1e-9
    assert attack.mean == pytest.approx(people_mean(people.index[hidden_people]), abs=tolerance)
    for name, counts in attack.vectors.items():
        assert all(publishable(c) for _a, _b, c in counts), (name, counts)
    # Every other cell of the stored figures is whole: nothing is hidden that need not be.
    assert sum(1 for c in age.values() if c.get("suppressed")) == 2
    for table in ("status", "position_type", "rank_group", "sex", "education"):
        assert subtraction_attack(figures, table).n == 0
    # And the flat rows for the national sums hold no hidden age band.
    keys = set(
        PublishedCell.objects.filter(publication=publication, dimension="age_band").values_list(
            "key", flat=True
        )
    )
    assert keys.isdisjoint(attack.hidden)
    assert keys == {"30-39", "40-49", "50+"} - set(attack.hidden)


# ---------------------------------------------------------------------------------------------------------
# 3. Withdrawing


def test_withdrawal_removes_the_region_from_national_figures(db: Any) -> None:
    rng = np.random.default_rng(11)
    people_a = simulate(rng, 300, 2.1, SKEWED)
    people_b = simulate(rng, 500, 2.7, SKEWED)
    a = benchmark.publish(figures_for("64.02", release_from_people(people_a, 320)))
    b = benchmark.publish(figures_for("64.72", release_from_people(people_b, 520)))
    assert a.mean is not None
    assert b.mean is not None

    before_generation = generation_token.current()
    before_overview = national.overview(national.resolve(INSTRUMENT, 2025))
    assert before_overview.level_basis[0] == 300 + 500
    before = before_overview.national
    assert national.overview(national.resolve(INSTRUMENT, 2025)).national == before  # served from cache
    assert before.regions == 2
    assert before.people == 300 + 500
    assert before.mean == pytest.approx((300 * a.mean + 500 * b.mean) / 800, abs=1e-9)
    pooled = people_mean(np.concatenate([people_a.index, people_b.index]))
    assert before.mean == pytest.approx(pooled, abs=2e-3)

    assert benchmark.withdraw("64.02", "uji:1") is True
    assert generation_token.current() != before_generation
    after_overview = national.overview(national.resolve(INSTRUMENT, 2025))
    assert after_overview.level_basis[0] == 500
    after = after_overview.national
    assert after.regions == 1
    assert after.people == 500
    assert after.mean == pytest.approx(b.mean, abs=1e-9)
    assert [r.code for r in national.regions(national.resolve(INSTRUMENT, 2025))] == ["64.72"]
    profile = national.profile("64.02")
    assert profile is not None
    assert profile.publications == []
    assert not Publication.objects.filter(region_code="64.02").exists()
    assert not PublishedCell.objects.filter(publication_id=a.pk).exists()

    assert list(
        Event.objects.filter(region_code="64.02").order_by("pk").values_list("action", "round_key")
    ) == [
        (Event.Action.PUBLISHED, "uji:1"),
        (Event.Action.WITHDRAWN, "uji:1"),
    ]
    assert list(Event.objects.filter(region_code="64.72").values_list("action", "participants")) == [
        (Event.Action.PUBLISHED, 500)
    ]
    # Withdrawing what is not there changes nothing.
    generation = generation_token.current()
    assert benchmark.withdraw("64.02", "uji:1") is False
    assert generation_token.current() == generation
    assert Event.objects.filter(region_code="64.02").count() == 2


# ---------------------------------------------------------------------------------------------------------
# 4. Republishing


def test_republishing_replaces_the_figures_all_or_nothing(db: Any) -> None:
    rng = np.random.default_rng(21)
    first_release = release_from_people(simulate(rng, 200, 2.0, SKEWED), 220)
    second_release = release_from_people(simulate(rng, 350, 2.9, SKEWED), 360)
    first = benchmark.publish(figures_for("64.72", first_release))
    first_cells = cell_rows(first.pk)
    second = benchmark.publish(figures_for("64.72", second_release))

    (only,) = Publication.objects.filter(region_code="64.72")
    assert only.pk == second.pk != first.pk
    assert only.participants == 350
    assert only.mean == pytest.approx(second_release.total.means["index"], abs=1e-3)
    assert only.mean != first.mean
    figures = stored_figures(only.pk)
    assert figures["total"]["n"] == 350
    assert figures["eligible"] == 360
    assert not PublishedCell.objects.filter(publication_id=first.pk).exists()
    new_cells = cell_rows(only.pk)
    assert new_cells != first_cells
    assert PublishedCell.objects.filter(publication__region_code="64.72").count() == len(new_cells)
    assert ("region", "all") in {(d, k) for d, k, *_ in new_cells}
    shown = {
        row_key(where): cell["n"] for where, cell in shown_cells(figures) if where != "total" and cell["n"]
    }
    assert {(d, k): n for d, k, n, *_ in new_cells if d != "region"} == shown
    assert list(
        Event.objects.filter(region_code="64.72").order_by("pk").values_list("action", flat=True)
    ) == [
        Event.Action.PUBLISHED,
        Event.Action.REPLACED,
    ]

    # An inconsistent release (a breakdown that does not add up to N) is refused; the figures stay.
    kept = snapshot("64.72", "uji:1")
    broken_tables = [
        replace(t, cells={k: c for k, c in t.cells.items() if k != "PPPK"}) if t.name == "status" else t
        for t in second_release.tables
    ]
    with pytest.raises(PublishingError, match="inconsistent"):
        benchmark.publish(figures_for("64.72", replace(second_release, tables=broken_tables)))
    assert snapshot("64.72", "uji:1") == kept

    # A failure inside the transaction, after the old figures were deleted (the instrument does not fit
    # its column), rolls back the deletion too.
    with pytest.raises(DatabaseError):
        benchmark.publish(figures_for("64.72", first_release, instrument="x" * 65))
    assert snapshot("64.72", "uji:1") == kept


# ---------------------------------------------------------------------------------------------------------
# 5. Instrument versions


def test_rounds_on_other_instrument_versions_are_kept_apart(db: Any) -> None:
    rng = np.random.default_rng(31)
    old_a = benchmark.publish(
        figures_for("64.02", release_from_people(simulate(rng, 120, 2.2, SKEWED), None), round_key="uji:1")
    )
    old_b = benchmark.publish(
        figures_for("64.72", release_from_people(simulate(rng, 150, 2.4, SKEWED), None), round_key="uji:1")
    )
    # The same region, the same year, a later round on the new version.
    new_a = benchmark.publish(
        figures_for(
            "64.02",
            release_from_people(simulate(rng, 90, 3.0, SKEWED), None),
            round_key="uji:2",
            held_on=date(2025, 11, 3),
            instrument=NEXT_INSTRUMENT,
        )
    )
    assert national.instruments() == [NEXT_INSTRUMENT, INSTRUMENT]
    assert national.periods(INSTRUMENT) == [2025]

    old_rows = national.regions(national.resolve(instrument=INSTRUMENT))
    assert {(r.code, r.publication) for r in old_rows} == {("64.02", old_a.pk), ("64.72", old_b.pk)}
    new_rows = national.regions(national.resolve(instrument=NEXT_INSTRUMENT))
    assert [(r.code, r.publication, r.participants) for r in new_rows] == [("64.02", new_a.pk, 90)]
    assert national.overview(national.resolve(instrument=INSTRUMENT)).national.people == 270
    assert national.overview(national.resolve(instrument=NEXT_INSTRUMENT)).national.people == 90
    # Unknown or missing versions fall back to the latest, never to a mix.
    assert national.resolve(instrument="").instrument == NEXT_INSTRUMENT
    assert national.resolve(instrument="ikd-nasional 1999.1").instrument == NEXT_INSTRUMENT


# ---------------------------------------------------------------------------------------------------------
# 6. Naming


def test_naming_is_opt_in_both_ways(db: Any) -> None:
    assert benchmark.is_named("64.72") is False  # anonymous until the region chooses otherwise
    generation = generation_token.current()
    benchmark.set_naming("64.72", True)
    assert benchmark.is_named("64.72") is True
    assert benchmark.is_named("64.02") is False
    assert generation_token.current() != generation
    generation = generation_token.current()
    benchmark.set_naming("64.72", False)
    assert benchmark.is_named("64.72") is False
    assert generation_token.current() != generation
    benchmark.set_naming("64.72", True)
    assert benchmark.is_named("64.72") is True
    assert Naming.objects.filter(region_code="64.72").count() == 1


# ---------------------------------------------------------------------------------------------------------
# 7. A real round


@pytest.fixture
def scored(region_a: Any) -> Iterator[tuple[Any, Any]]:
    """Region A with a round scored, announced through ``closing.change_state`` and sent through the
    region's explicit step (in the test's transaction: rolled back afterwards, its Publication with it)."""
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield region_a, sent_round(region_a)


def test_publishing_a_real_round_sends_aggregates_only(scored: Any) -> None:
    from assessment.people.models import Employee
    from assessment.results.models import Score
    from assessment.results.services import publishing

    region, round_ = scored  # announced, then sent through publishing.publish_round by the fixture
    scored_count = Score.objects.filter(round=round_).count()
    assert scored_count > 0
    publication = publishing.publication_of(round_)
    assert publication is not None
    assert publication.region_code == region.code
    assert publication.round_key == publishing.round_key(round_)
    assert publication.participants == scored_count
    assert stored_figures(publication.pk)["total"]["n"] == scored_count
    assert not publication.simulated
    assert list(Event.objects.filter(region_code=region.code).values_list("action", "participants")) == [
        (Event.Action.PUBLISHED, scored_count)
    ]

    stored = json.dumps(
        {
            "publications": list(Publication.objects.values()),
            "cells": list(PublishedCell.objects.values()),
            "events": list(Event.objects.values()),
        },
        default=str,
        ensure_ascii=False,
    ).lower()
    assert region.name.lower() in stored  # the search does find what is there
    employees = list(Employee.objects.values_list("nip", "full_name", "email"))
    assert len(employees) >= scored_count
    for nip, full_name, email in employees:
        assert nip not in stored, nip
        assert full_name.lower() not in stored, full_name
        if email:
            assert email.lower() not in stored, email


# ---------------------------------------------------------------------------------------------------------
# 8. Unknown regions


@pytest.mark.parametrize("code", ["99.99", "64.99", "6402", "64.7", ""])
def test_unknown_region_code_is_refused(db: Any, code: str) -> None:
    release = release_from_people(simulate(np.random.default_rng(41), 50, 2.5, SKEWED), None)
    generation = generation_token.current()
    with pytest.raises(PublishingError):
        benchmark.publish(figures_for(code, release))
    assert not Publication.objects.exists()
    assert not Event.objects.exists()
    assert generation_token.current() == generation

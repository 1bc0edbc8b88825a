"""Simulated regions for the benchmark: people drawn at random, summed and published like a real round.

The demo (and ``tests/perf/bench_benchmark.py``) use this so the national portal looks as it will at
scale. Every round made here goes through ``release_from_people`` and ``benchmark.services.publishing``,
the same step as a real round, and is marked ``simulated``; the portal says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from assessment.instrument.basis import PROVISIONAL, ParameterBasis
from assessment.results.services.publishing import People, release_from_people
from benchmark.models import Publication
from benchmark.services import publishing as benchmark
from tenants import wilayah

AREA_OFFSETS = np.array([0.15, 0.0, -0.25, -0.05, 0.0])  # the areas' usual order (Kukar 2023)
SEGMENTS: dict[str, tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...]]] = {
    # dimension: (keys, shares, effect on the index)
    "status": (("PNS", "PPPK"), (0.78, 0.22), (0.0, -0.08)),
    "position_type": (("struktural", "fungsional", "pelaksana"), (0.08, 0.52, 0.40), (0.05, 0.08, -0.1)),
    "rank_group": (("I", "II", "III", "IV", "PPPK", ""), (0.01, 0.17, 0.49, 0.10, 0.22, 0.01), (0,) * 6),
    "age_band": (
        ("<30", "30-39", "40-49", "50+", ""),
        (0.09, 0.30, 0.31, 0.295, 0.005),
        (0.2, 0.1, -0.05, -0.2, 0),
    ),
    "sex": (("L", "P"), (0.48, 0.52), (0.0, 0.0)),
    "education": (
        ("SMA-", "D1-D3", "S1/D4", "S2", "S3", ""),
        (0.13, 0.14, 0.55, 0.16, 0.01, 0.01),
        (-0.2, -0.05, 0.03, 0.15, 0.2, 0.0),
    ),
}


@dataclass(frozen=True)
class SimulatedRound:
    code: str
    year: int
    participants: int
    eligible: int
    mean: float


def simulate_people(rng: np.random.Generator, n: int, mean: float) -> People:
    """``n`` people around a region's ``mean`` index, with segments that shift the index a little."""
    shift = np.zeros(n)
    segments: dict[str, Sequence[str]] = {}
    for dimension, (keys, shares, effects) in SEGMENTS.items():
        p = np.array(shares) / sum(shares)
        chosen = rng.choice(len(keys), size=n, p=p)
        shift += np.array(effects, dtype=np.float64)[chosen]
        segments[dimension] = [keys[k] for k in chosen]
    index = np.clip(mean + shift - shift.mean() + rng.normal(0.0, 0.42, n), 1.0, 4.0)
    areas = np.clip(index[:, None] + AREA_OFFSETS[None, :] + rng.normal(0.0, 0.3, (n, 5)), 1.0, 4.0)
    # The index is the mean of the areas on the real engine; keep it so here (then clip).
    index = np.clip(areas.mean(axis=1), 1.0, 4.0)
    return People(index=index, areas=areas, segments=segments)


def plan(codes: Iterable[str], years: Sequence[int], seed: int) -> list[SimulatedRound]:
    """Sizes and levels of the simulated rounds: regions differ, provinces a little, years improve."""
    rng = np.random.default_rng(seed)
    regions = [wilayah.get(code) for code in codes]
    provinces = {r.province_code for r in regions if r is not None}
    province_effect = {p: float(rng.normal(0.0, 0.08)) for p in sorted(provinces)}
    out = []
    for region in regions:
        if region is None:
            continue
        base = 2.3 + province_effect[region.province_code] + float(rng.normal(0.0, 0.15))
        if region.kind == wilayah.Kind.KOTA:
            base += 0.08
        typical = {"provinsi": 6000, "kabupaten": 2800, "kota": 2200}[region.kind]
        size = int(np.clip(rng.lognormal(np.log(typical), 0.6), 25, 14000))
        for k, year in enumerate(years):
            participants = max(12, int(size * rng.uniform(0.75, 0.97)))
            eligible = participants + int(size * rng.uniform(0.02, 0.2))
            out.append(SimulatedRound(region.code, year, participants, eligible, base + 0.07 * k))
    return out


def publish_simulated(rounds: Iterable[SimulatedRound], instrument: str, seed: int) -> int:
    """Publish each simulated round through the benchmark's publishing step; returns how many."""
    rng = np.random.default_rng(seed)
    count = 0
    for sim in rounds:
        people = simulate_people(rng, sim.participants, sim.mean)
        benchmark.publish(
            benchmark.RoundFigures(
                region_code=sim.code,
                round_key=f"{ROUND_KEY_PREFIX}{sim.year}",
                round_name=f"Pengukuran IKD {sim.year} (simulasi)",
                held_on=date(sim.year, 8, 20),
                instrument=instrument,
                release=release_from_people(people, sim.eligible),
                simulated=True,
                parameters=ParameterBasis(PROVISIONAL, PROVISIONAL).as_json(),
            )
        )
        count += 1
    return count


def demo_codes(count_regencies: int, count_provinces: int, exclude: Iterable[str], seed: int) -> list[str]:
    """A fixed random choice of kabupaten/kota and provinces across the country."""
    rng = np.random.default_rng(seed)
    skip = set(exclude)
    everything = wilayah.official_regions().values()
    regencies = sorted(r.code for r in everything if r.kind != wilayah.Kind.PROVINSI and r.code not in skip)
    provinces = sorted(r.code for r in everything if r.kind == wilayah.Kind.PROVINSI and r.code not in skip)
    chosen = list(rng.choice(regencies, size=min(count_regencies, len(regencies)), replace=False))
    chosen += list(rng.choice(provinces, size=min(count_provinces, len(provinces)), replace=False))
    return sorted(str(c) for c in chosen)


ROUND_KEY_PREFIX = "simulasi:"


def simulated_count() -> int:
    """Rounds of simulated regions (not a region's own simulated round, such as Kukar's demo round)."""
    return Publication.objects.filter(round_key__startswith=ROUND_KEY_PREFIX).count()

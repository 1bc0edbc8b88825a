"""The executive summary of a region's report, as plain data: what a Bupati reads on one page.

Kept apart from the layout (``region``) so the figures and their sentences can be tested without a
PDF, and so every sentence carries what it rests on: the 95 % interval with the index, the count of
participants with the share, the benchmark's coverage with the standing (``standing``), the planning
assumption with the roadmap. The roadmap is the one the roadmap page proposes first: a target of
the region's index plus ``ROADMAP_STEP`` within ``ROADMAP_YEARS`` years (``results.views``).
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.results.models import Aggregate
from assessment.results.planning import Roadmap
from assessment.results.reports.standing import Standing
from assessment.results.services import roadmaps
from assessment.results.services.reading import Framework, RoundFigures
from assessment.rounds.models import Round
from assessment.scoring.scale import level_of
from benchmark import coverage as benchmark_coverage
from frontend.pdf import decimal, integer, percent, rupiah

from .common import LEVELS

ROADMAP_STEP = 0.1  # the roadmap page's first proposal: reachable at 20 JP a year (docs/scoring.md 3.3)
ROADMAP_YEARS = 3


@dataclass(frozen=True)
class Summary:
    index: str
    participation: str
    strongest: str
    weakest: str
    areas: tuple[tuple[str, float | None, float | None], ...]  # (area, region mean, national mean)
    national: str
    province: str
    coverage: str  # what the comparison rests on (simulated and provisional regions)
    roadmap: str


def proposed_roadmap(round_: Round, region: Aggregate | None) -> Roadmap | None:
    if region is None or region.mean is None or not region.n:
        return None
    target = min(4.0, round(region.mean + ROADMAP_STEP, 2))
    return roadmaps.region_roadmap(round_, target, ROADMAP_YEARS)


def _index(region: Aggregate) -> str:
    level = level_of(region.mean)
    return (
        f"Indeks kompetensi digital: {decimal(region.mean)} dari 4 "
        f"(tingkat {level} {LEVELS.get(level, '')}); selang kepercayaan 95%: "
        f"{decimal(region.ci_low)}–{decimal(region.ci_high)}."
    )


def _participation(region: Aggregate, units: int) -> str:
    share = f" ({percent(region.n / region.eligible)})" if region.eligible else ""
    text = (
        f"{integer(region.n)} dari {integer(region.eligible)} pegawai yang diundang menyelesaikan "
        f"tes{share}, dari {integer(units)} unit kerja."
    )
    if region.incomplete:
        text += f" {integer(region.incomplete)} tes tidak lengkap tidak dihitung."
    return text


def _place_sentence(label: str, standing: Standing, national: bool) -> str:
    place = standing.national if national else standing.province
    regions = standing.national_regions if national else standing.province_regions
    people = standing.national_people if national else standing.province_people
    if place is None:
        return (
            f"{label}: baru {integer(regions)} wilayah dengan {integer(people)} peserta yang menerbitkan "
            f"data tahun {standing.period}, di bawah aturan cakupan tolok ukur (paling sedikit "
            f"{integer(benchmark_coverage.MIN_REGIONS)} wilayah dan "
            f"{integer(benchmark_coverage.MIN_PEOPLE)} peserta), sehingga "
            "peringkat dan rata-rata pembanding tidak ditunjukkan."
        )
    return (
        f"{label}: peringkat {integer(place.rank)} dari {integer(place.regions)} wilayah "
        f"(data tahun {standing.period}); indeks lebih tinggi dari {percent(place.above_share)} wilayah "
        f"lain. Rata-rata tertimbang {decimal(place.mean)} "
        f"(selang 95%: {decimal(place.ci_low)}–{decimal(place.ci_high)})."
    )


def _coverage(standing: Standing) -> str:
    parts = []
    if standing.own_simulated:
        parts.append("Data ronde ini adalah simulasi (data demo), bukan hasil pengukuran nyata.")
    if standing.simulated_regions:
        parts.append(
            f"Perbandingan memuat {integer(standing.simulated_regions)} wilayah dengan data simulasi (demo)."
        )
    if standing.provisional_regions:
        parts.append(
            f"{integer(standing.provisional_regions)} dari {integer(standing.national_regions)} wilayah "
            "memakai parameter butir sementara."
        )
    return " ".join(parts)


def _roadmap(plan: Roadmap | None) -> str:
    if plan is None:
        return "Peta jalan pelatihan belum dapat diusulkan: ronde ini belum punya indeks wilayah."
    last = plan.projected_index[-1] if plan.projected_index else plan.start_index
    outcome = "target tercapai" if plan.reached else "target belum tercapai dalam jangka waktu ini"
    return (
        f"Peta jalan yang diusulkan: menaikkan indeks dari {decimal(plan.start_index)} ke "
        f"{decimal(plan.target_index)} dalam {len(plan.projected_index)} tahun, dalam 20 JP per pegawai per "
        f"tahun: {integer(plan.people_trained)} pegawai dilatih, {integer(plan.total_jp)} JP, perkiraan "
        f"biaya {rupiah(plan.total_cost_idr)}; proyeksi akhir {decimal(last)} ({outcome}). Ini asumsi "
        "perencanaan (setiap pelatihan menaikkan kompetensinya seperempat tingkat), bukan hasil pengukuran."
    )


def summary(figures: RoundFigures, fw: Framework, standing: Standing, plan: Roadmap | None) -> Summary | None:
    region = figures.region
    if region is None or region.mean is None or not region.n:
        return None
    national_areas = standing.area_means if standing.national is not None else ()
    areas = tuple(
        (
            f"{code}. {name}",
            region.area_means[k] if k < len(region.area_means) else None,
            national_areas[k] if k < len(national_areas) else None,
        )
        for k, (code, name) in enumerate(fw.areas)
    )
    scored = [(name, mean) for name, mean, _ in areas if mean is not None]
    strongest = max(scored, key=lambda a: a[1]) if scored else None
    weakest = min(scored, key=lambda a: a[1]) if scored else None
    if standing.reason:
        national = province = standing.reason
    else:
        national = _place_sentence("Secara nasional", standing, national=True)
        province = _place_sentence(f"Di Provinsi {standing.province_name}", standing, national=False)
    return Summary(
        index=_index(region),
        participation=_participation(region, len([u for u in figures.units if u.n])),
        strongest=f"Area terkuat: {strongest[0]} ({decimal(strongest[1])})." if strongest else "",
        weakest=f"Area yang paling perlu dikembangkan: {weakest[0]} ({decimal(weakest[1])})."
        if weakest
        else "",
        areas=areas,
        national=national,
        province="" if standing.reason or not standing.province_name else province,
        coverage=_coverage(standing),
        roadmap=_roadmap(plan),
    )

"""Demo: Kukar's 2023 round, 10,303 of 12,500 employees simulated and scored by the real engine."""

from __future__ import annotations

from datetime import date
from typing import Any

from assessment.instrument.models import ItemBank
from assessment.privacy.services import calibration_consent
from assessment.results.models import Aggregate, Score
from assessment.results.services import benchmark_simulation, catalogue, publishing
from assessment.results.services.demo_round import simulate_past_round
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import codes

NAME = "Pengukuran Indeks Kompetensi Digital ASN 2023 (simulasi)"
TAKERS = 10_303
# The benchmark's simulated regions: enough that the national portal looks as it will at scale.
BENCHMARK_REGENCIES = 130
BENCHMARK_PROVINCES = 8
BENCHMARK_YEARS = (2023, 2025)


def seed(region: Any, stdout: Any = None) -> None:
    catalogue.ensure_seeded()
    round_ = Round.objects.filter(name=NAME).first()
    if round_ is None:
        round_ = simulate_past_round(NAME, date(2023, 8, 15), region.tzinfo, TAKERS)
        # Announcing sent nothing nationally: the region's explicit step sends the round to the benchmark,
        # as its admin does on the round's results page (only on creation: a withdrawal stays withdrawn).
        publishing.publish_round(round_, simulated=True)
    # Kukar agreed to contribute its rounds to the national calibration: the operator's Kalibrasi page
    # can then run one on the 2023 round (simulated answers, and the proposal says it rests on them).
    calibration_consent.set_consent(region, True, "demo")
    figures = Aggregate.objects.filter(round=round_, dimension="region").first()
    if stdout is not None and figures is not None:
        areas = ", ".join(f"{v:.2f}" for v in figures.area_means)
        stdout.write(f"  2023 round (simulated): {figures.n} takers, index {figures.mean:.2f}, areas {areas}")
        taker = (
            Score.objects.filter(round=round_).select_related("employee").order_by("employee__nip").first()
        )
        if taker is not None:
            participant = Participant.objects.get(round=round_, employee=taker.employee)
            stdout.write(
                f"  Own result:    (Kukar site)/tes/  NIP {taker.employee.nip}, "
                f"code {codes.code_for(participant)} ({taker.employee.full_name}, 2023 round)"
            )


def seed_benchmark(region: Any, stdout: Any = None) -> None:
    """Simulated rounds of other regions in the national benchmark (Kukar's own 2023 round is there
    already: ``seed`` sent it through the region's publishing step). Skipped when they exist."""
    if benchmark_simulation.simulated_count():
        return
    bank = ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first()
    if bank is None:
        return
    codes = benchmark_simulation.demo_codes(BENCHMARK_REGENCIES, BENCHMARK_PROVINCES, [region.code], seed=552)
    rounds = benchmark_simulation.plan(codes, BENCHMARK_YEARS, seed=552)
    count = benchmark_simulation.publish_simulated(rounds, f"{bank.code} {bank.version}", seed=552)
    if stdout is not None:
        stdout.write(f"  National benchmark: {count} simulated rounds of {len(codes)} other regions")

"""Simulate a past round in a region, person by person, and score it with the real engine.

    manage.py simulate_round --region kukar --name "Pengukuran IKD 2023" --date 2023-08-15 \
        --takers 10303 [--targets 2.50,2.35,2.10,2.28,2.35] [--seed 2023] [--benchmark]

Every active employee is invited; ``--takers`` of them take the test (participation varies by unit).
Abilities are drawn per unit and segment around the target area scores, answers are drawn from the
item model, then the round is closed, scored and its results announced to its employees; ``--benchmark``
also sends it to the national benchmark (marked simulated), the region's separate step.
See assessment/results/services/simulation.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from assessment.results.models import Aggregate
from assessment.results.services import publishing, simulation
from assessment.results.services.demo_round import simulate_past_round
from assessment.rounds.services.lifecycle import RoundError
from tenants.models import Region


class Command(BaseCommand):
    help = "Simulate a past round person by person and score it with the real engine."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--region", required=True, help="Region slug or schema name.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--date", required=True, type=date.fromisoformat)
        parser.add_argument("--takers", required=True, type=int)
        parser.add_argument("--targets", default=",".join(str(t) for t in simulation.KUKAR_2023))
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument(
            "--benchmark", action="store_true", help="Also send the round to the national benchmark."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = (
            Region.objects.filter(slug=options["region"]).first()
            or Region.objects.filter(schema_name=options["region"]).first()
        )
        if region is None:
            raise CommandError(f"No region {options['region']!r}.")
        try:
            targets = [float(t) for t in options["targets"].split(",")]
        except ValueError:
            raise CommandError(
                "--targets takes five numbers separated by commas, e.g. 2.5,2.35,2.1,2.28,2.35"
            ) from None
        if len(targets) != 5 or not all(1.0 < t < 4.0 for t in targets):
            raise CommandError("--targets takes five area scores between 1 and 4.")
        with schema_context(region.schema_name):
            try:
                round_ = simulate_past_round(
                    options["name"],
                    options["date"],
                    region.tzinfo,
                    options["takers"],
                    targets=targets,
                    seed=options["seed"],
                )
                if options["benchmark"]:
                    publishing.publish_round(round_, simulated=True)
            except (RoundError, publishing.PublishingError) as exc:
                raise CommandError(str(exc)) from exc
            figures = Aggregate.objects.get(round=round_, dimension="region")
        self.stdout.write(
            f"Round {round_.pk} {round_.name!r}: {figures.n} takers of {figures.eligible} invited; "
            f"index {figures.mean:.2f} (95% CI {figures.ci_low:.2f}-{figures.ci_high:.2f}); "
            f"areas {', '.join(f'{v:.2f}' for v in figures.area_means)}."
        )

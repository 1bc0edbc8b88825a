"""A region with a few hundred generated employees and a round they took, simulated person by person."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.people import demo as people_demo
from assessment.results.services import closing, publishing, scoring, simulation
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import lifecycle
from tests.assessment.rounds.conftest import open_round
from tests.factories import make_user


def scored_round(region: Any, employees: int = 400, takers: int = 360) -> Round:
    people_demo.seed(region, count=employees)
    admin = make_user(region, Role.REGION_ADMIN)
    round_ = open_round(region, admin, name="Pengukuran IKD 2023")
    chosen = list(Participant.objects.filter(round=round_).select_related("employee").order_by("pk")[:takers])
    simulation.simulate_attempts(round_, chosen, seed=7)
    round_ = lifecycle.transition(round_, Round.State.CLOSED, admin)
    scoring.score_round(round_)
    return closing.change_state(round_, Round.State.PUBLISHED, admin)  # announced: nothing sent nationally


def sent_round(region: Any, employees: int = 400, takers: int = 360) -> Round:
    """``scored_round``, then the region's explicit step: its aggregates sent to the national benchmark."""
    round_ = scored_round(region, employees, takers)
    publishing.publish_round(round_)
    return round_


@pytest.fixture
def scored(region_a: Any) -> Iterator[tuple[Any, Round]]:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield region_a, scored_round(region_a)


@pytest.fixture
def sent(region_a: Any) -> Iterator[tuple[Any, Round]]:
    """Region A's round announced and sent to the national benchmark."""
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield region_a, sent_round(region_a)

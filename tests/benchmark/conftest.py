"""Benchmark fixtures: simulated published rounds of a few real regions, through the publishing step."""

from __future__ import annotations

from typing import Any

import pytest

from assessment.results.services import benchmark_simulation

INSTRUMENT = "ikd-nasional 2026.1"
# Kalimantan Timur (64) and a few regions elsewhere; 64.72 is region A's code (Samarinda).
PEERS = ("64.01", "64.02", "64.71", "64.74", "31.71", "32.73", "35.78", "73.71")


def publish_regions(
    codes: tuple[str, ...] = PEERS,
    years: tuple[int, ...] = (2024, 2025),
    seed: int = 5,
    instrument: str = INSTRUMENT,
) -> Any:
    """Simulated rounds of ``codes`` published on ``instrument`` (a region's own round uses the newest
    bank version: pass its publication's instrument to put the peers beside it)."""
    rounds = benchmark_simulation.plan(codes, years, seed=seed)
    benchmark_simulation.publish_simulated(rounds, instrument, seed=seed)
    return rounds


@pytest.fixture
def published(db: Any) -> Any:
    return publish_regions()


@pytest.fixture
def viewer(db: Any) -> Any:
    """A national viewer's signed-in client on the public host."""
    from accounts.roles import Role
    from tests.accounts.test_access import signed_in
    from tests.factories import make_user

    return signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))

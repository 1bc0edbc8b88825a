"""A past round simulated person by person: used by the demo and by ``manage.py simulate_round``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from assessment.instrument.models import ItemBank
from assessment.results.services import closing, scoring, simulation
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import lifecycle


def simulate_past_round(
    name: str,
    day: date,
    tz: ZoneInfo,
    takers: int,
    *,
    targets: Sequence[float] = simulation.KUKAR_2023,
    seed: int = 2023,
    actor: Any = None,
) -> Round:
    """Create a round held on ``day`` with every active employee invited, let ``takers`` of them take
    it (participation varies by unit), then close, score with the real engine and announce the results to
    its employees. Sending it to the national benchmark is the caller's separate step
    (``publishing.publish_round``)."""
    bank = ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first()
    if bank is None:
        raise lifecycle.RoundError("The national item bank is not loaded (manage.py load_instrument).")
    round_ = lifecycle.create_round(
        lifecycle.RoundSettings(name, bank, 60, 60, True, Round.ResultTiming.AFTER_PUBLICATION), actor
    )
    for start, end in ((time(7, 30), time(10, 0)), (time(10, 30), time(13, 0)), (time(13, 30), time(16, 0))):
        lifecycle.add_session(round_, day, start, end, tz, actor)
    lifecycle.set_participants(round_, mode="all", actor=actor)
    round_ = lifecycle.transition(round_, Round.State.SCHEDULED, actor)
    round_ = lifecycle.transition(round_, Round.State.OPEN, actor)
    invited = list(Participant.objects.filter(round=round_).select_related("employee").order_by("pk"))
    chosen = _sample(invited, takers, seed)
    simulation.simulate_attempts(
        round_, chosen, targets=targets, seed=seed, started_at=datetime.combine(day, time(8, 0), tz)
    )
    round_ = lifecycle.transition(round_, Round.State.CLOSED, actor)
    scoring.score_round(round_)
    return closing.change_state(round_, Round.State.PUBLISHED, actor)


def _sample(invited: list[Participant], takers: int, seed: int) -> list[Participant]:
    """``takers`` participants, with a participation rate that differs between units."""
    rng = np.random.default_rng(seed)
    takers = min(takers, len(invited))
    units = sorted({p.unit_id for p in invited})
    appetite = dict(zip(units, rng.uniform(0.6, 1.0, len(units)), strict=True))
    weights = np.array([appetite[p.unit_id] for p in invited])
    order = rng.choice(len(invited), size=takers, replace=False, p=weights / weights.sum())
    return [invited[i] for i in sorted(order)]

"""Simulated test takers, person by person, for the demo and the benchmarks.

Each simulated employee gets true abilities in the five areas: a regional mean per area, plus a unit
effect, plus segment effects (education, age, position type), plus a personal draw with areas
correlated 0.7. Answers are drawn from the instrument's item model (2PL/GPCM, the engine's own
``draw_scores``/``draw_answers``), stored as attempts and answers like real ones, and scored later by
the real engine. Nothing here writes a score or an aggregate.

The regional means are solved so that the *true* mean area scores land on the targets (for the demo:
Kukar's 2023 figures); the estimates then land near them, with the usual sampling and measurement noise.

A round with parallel forms gives each simulated taker a form as one session's spiral would
(``taking.assigned_form``): they are shown, and answer, that form's items only, so scoring meets the
union of the forms with every other form's items never given, as on a real test day.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from assessment.results.services.answers import item_specs
from assessment.results.services.segments import age_band, education_group
from assessment.rounds.models import Attempt, Participant, Round
from assessment.rounds.services.taking import assigned_form
from assessment.scoring import theta_to_score
from assessment.scoring.simulate import draw_answers, draw_scores

# Kukar's published 2023 area figures (areas 1-5) and index 2.3.
KUKAR_2023: tuple[float, ...] = (2.50, 2.35, 2.10, 2.28, 2.35)
UNIT_SD = 0.25  # spread of unit means (theta)
PERSON_SD = 0.85
AREA_CORR = 0.7
EDUCATION_EFFECT = {"SMA-": -0.35, "D1-D3": -0.1, "S1/D4": 0.1, "S2": 0.3, "S3": 0.4, "": 0.0}
AGE_EFFECT = {"<30": 0.25, "30-39": 0.1, "40-49": -0.1, "50+": -0.3, "": 0.0}
POSITION_EFFECT = {"struktural": 0.1, "fungsional": 0.05, "pelaksana": -0.1}


@dataclass(frozen=True)
class Simulated:
    attempts: int
    answers: int


def _area_offsets(targets: Sequence[float], spread: np.ndarray) -> np.ndarray:
    """Per-area theta offsets so that mean(theta_to_score(offset + spread)) hits each target."""
    offsets = np.zeros(len(targets))
    for k, target in enumerate(targets):
        low, high = -4.0, 4.0
        for _ in range(40):  # bisection: the mean score rises with the offset
            mid = (low + high) / 2
            if float(np.mean(theta_to_score(mid + spread[:, k]))) < target:
                low = mid
            else:
                high = mid
        offsets[k] = (low + high) / 2
    return offsets


@transaction.atomic
def simulate_attempts(
    round_: Round,
    participants: Sequence[Participant],
    *,
    targets: Sequence[float] = KUKAR_2023,
    seed: int = 2023,
    started_at: datetime | None = None,
) -> Simulated:
    """Give each participant a submitted attempt with answers drawn from the item model."""
    if not round_.form_items:
        raise ValueError("The round has no test form yet: schedule it before simulating takers.")
    rng = np.random.default_rng(seed)
    specs = item_specs(round_)
    n = len(participants)
    if n == 0:
        return Simulated(0, 0)
    start = started_at or timezone.now()
    on = start.date()
    units = sorted({p.unit_id for p in participants})
    unit_effect = dict(zip(units, rng.normal(0.0, UNIT_SD, len(units)), strict=True))
    person = np.array(
        [
            unit_effect[p.unit_id]
            + EDUCATION_EFFECT.get(education_group(p.employee.education), 0.0)
            + AGE_EFFECT.get(age_band(p.employee.birth_date, on), 0.0)
            + POSITION_EFFECT.get(p.employee.position_type, 0.0)
            for p in participants
        ]
    )
    cov = PERSON_SD**2 * ((1 - AREA_CORR) * np.eye(5) + AREA_CORR * np.ones((5, 5)))
    spread = person[:, None] + rng.multivariate_normal(np.zeros(5), cov, size=n, method="cholesky")
    theta = spread + _area_offsets(targets, spread)[None, :]
    scores = draw_scores(rng, specs, theta)
    answers = draw_answers(rng, specs, scores, blank_rate=0.3)

    minutes = rng.uniform(25, round_.time_limit_minutes, n)
    # Parallel forms: the takers in turn, as one session's spiral gives them (taking.assigned_form);
    # each is shown and answers their own form only. One form: the whole form, as before.
    count_forms = max(len(round_.forms), 1)
    form_of = [assigned_form(str(round_.form_seed), "simulated", k + 1, count_forms) for k in range(n)]
    codes = [round_.form_codes(f) for f in range(count_forms)]
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                participant=p,
                state=Attempt.State.SUBMITTED,
                deadline_at=start + timedelta(minutes=round_.time_limit_minutes),
                submitted_at=start + timedelta(minutes=float(m)),
                form=f,
                item_order=list(codes[f]),
                option_order={},
                seen_items=list(codes[f]),  # a simulated taker is shown every item of their form
            )
            for p, m, f in zip(participants, minutes, form_of, strict=True)
        ],
        batch_size=2000,
    )
    own = [set(c) for c in codes]
    buffer = io.StringIO()
    count = 0
    for attempt, given, m in zip(attempts, answers, minutes, strict=True):
        saved = (start + timedelta(minutes=float(m))).isoformat()
        mine = own[attempt.form]
        for seq, (code, answer) in enumerate(((c, a) for c, a in given.items() if c in mine), start=1):
            response = [answer] if isinstance(answer, str) else list(answer or [])
            if isinstance(answer, frozenset):
                response = sorted(response)
            buffer.write(f"{attempt.pk}\t{code}\t{json.dumps(response)}\tf\t{seq}\t{uuid.uuid4()}\t{saved}\n")
            count += 1
    buffer.seek(0)
    # COPY: 600,000 answer rows in seconds rather than minutes.
    sql = "COPY rounds_answer (attempt_id, item_code, response, flagged, seq, key, saved_at) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())
    return Simulated(len(attempts), count)

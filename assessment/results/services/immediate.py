"""Results shown at once: scoring one submitted attempt right after it is submitted.

A round whose ``result_timing`` is ``IMMEDIATE`` promises the employee their result as soon as their
attempt is scored. Submitting queues a Celery task (``queue_scoring``) that scores that one attempt
with the engine and the round's current item parameters (``scoring.score_attempt``), so the result is
usually ready by the time the taker opens it, and the web processes do no engine work in a submit storm.
Should the task be lost (a worker restarted), the result page scores the attempt itself
(``reading.own_score`` calls ``score_promptly``): the promise holds either way.

Closing the round scores every attempt again, in one transaction (``scoring.score_round``): the person's
figures then agree with the group figures, and a per-attempt scoring must not interleave with it (both
write the attempt's one ``Score``). So ``score_promptly``

* takes the round's row ``FOR SHARE``: many attempts are scored side by side, while closing the round
  (``lifecycle.transition`` locks the row ``FOR UPDATE``) waits for them, and they wait for it;
* scores only while the round is open and no round scoring is queued or running: after that the round
  scoring owns the scores (an attempt submitted by the close itself gets its result from it);
* locks the attempt's row, so two scorings of one attempt (the task and a page) run one after the other
  and the second finds the score there.

When the employee may see a result at all is ``reading.result_released``.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

from assessment.results.models import Score, ScoringRun
from assessment.results.services.scoring import score_attempt
from assessment.rounds.models import Attempt, Round

logger = logging.getLogger(__name__)

ROUND_SCORING_PENDING = (ScoringRun.State.QUEUED, ScoringRun.State.RUNNING)


def shows_at_once(round_: Round) -> bool:
    return round_.result_timing == Round.ResultTiming.IMMEDIATE


def round_scoring_pending(round_: Round) -> bool:
    """A scoring of the whole round is queued or running: it will write every attempt's score."""
    return ScoringRun.objects.filter(round=round_, state__in=ROUND_SCORING_PENDING).exists()


def queue_scoring(attempt: Attempt) -> bool:
    """After a submit: queue the attempt's scoring when its round shows results at once (once the
    submit is committed). Returns whether a task was queued."""
    round_ = attempt.participant.round
    if attempt.state != Attempt.State.SUBMITTED or not shows_at_once(round_):
        return False
    if round_.state != Round.State.OPEN:
        return False  # closed: the round's scoring scores it
    from assessment.results.tasks import score_attempt_task

    attempt_id = attempt.pk
    transaction.on_commit(lambda: score_attempt_task.delay(attempt_id))
    return True


def score_promptly(attempt_id: int, *, again: bool = False) -> Score | None:
    """Score one submitted attempt of an open round that shows results at once; the score, or None when
    it is not this function's to write (see the module docstring). An attempt already scored keeps its
    score unless ``again`` (a submit after the attempt was reopened). In a read-only (suspended)
    region the database refuses the lock, so the page answers with the read-only page instead of a
    "being scored" page that would wait for ever (the task does not run there at all)."""
    with transaction.atomic():
        round_id = (
            Attempt.objects.filter(pk=attempt_id).values_list("participant__round_id", flat=True).first()
        )
        if round_id is None:
            return None
        with connection.cursor() as cursor:  # Django has no FOR SHARE: shared with other attempts only
            cursor.execute("SELECT state FROM rounds_round WHERE id = %s FOR SHARE", [round_id])
            row = cursor.fetchone()
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("participant__round")
            .filter(pk=attempt_id)
            .first()
        )
        if row is None or attempt is None:
            return None
        round_ = attempt.participant.round
        if (
            row[0] != Round.State.OPEN
            or not shows_at_once(round_)
            or attempt.state != Attempt.State.SUBMITTED
            or round_scoring_pending(round_)
        ):
            return None
        existing = Score.objects.filter(attempt=attempt).first()
        if existing is not None and not again:
            return existing
        return score_attempt(attempt)

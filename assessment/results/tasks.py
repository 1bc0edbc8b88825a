"""Background work of results: scoring a closed round (idempotent: a rerun replaces the figures)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from assessment.results.models import ScoringRun
from assessment.results.services import scoring
from assessment.rounds.models import Round
from tenants.schemas import current_schema

logger = logging.getLogger(__name__)


def progress_key(round_id: int) -> str:
    return f"results:scoring:{current_schema()}:{round_id}"


@shared_task(name="results.score_round")
def score_round_task(round_id: int) -> str:
    round_ = Round.objects.get(pk=round_id)

    def progress(done: int, total: int) -> None:
        # The cache, not the row: the scoring transaction hides the row's updates until it commits.
        cache.set(progress_key(round_id), (done, total), timeout=3600)

    try:
        return scoring.score_round(round_, progress).state
    except Exception as exc:  # the transaction rolled back: record why, the admin can retry
        logger.exception("Scoring of round %s failed", round_id)
        ScoringRun.objects.update_or_create(
            round=round_,
            defaults={
                "state": ScoringRun.State.FAILED,
                "failure": str(exc)[:2000],
                "finished_at": timezone.now(),
            },
        )
        return ScoringRun.State.FAILED


@shared_task(name="results.score_attempt")
def score_attempt_task(attempt_id: int) -> bool:
    """One attempt of a round that shows results at once, scored right after its submit
    (``services.immediate``); False when the round's own scoring has taken over."""
    from assessment.results.services import immediate

    return immediate.score_promptly(attempt_id, again=True) is not None

"""Closing a round and announcing its results: the state change, then scoring in the background.

Announcing (the state *published*) opens the results to the round's employees and nothing more: sending the
round's aggregates to the national benchmark is a separate, explicit step of the region admin
(``publishing.publish_round``), so a region still waiting for the operator's approval announces its results
all the same.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assessment.results.models import ScoringRun
from assessment.rounds.models import Attempt, Round
from assessment.rounds.services import lifecycle


class TakersInProgress(lifecycle.RoundError):
    """Closing was asked while takers are still answering; the admin may wait or close anyway."""

    def __init__(self, count: int) -> None:
        super().__init__(
            _(
                "%(n)d takers are still taking the test. Closing now submits their answers so far; "
                "anyone with fewer than half of the items answered is reported as incomplete and left "
                "out of the figures. Wait for them, or close anyway."
            )
            % {"n": count}
        )
        self.count = count


def in_progress(round_: Round) -> int:
    return Attempt.objects.filter(participant__round=round_, state=Attempt.State.IN_PROGRESS).count()


def change_state(round_: Round, new_state: str, actor: Any, *, close_in_progress: bool = False) -> Round:
    """Every state change of a round from the UI goes through here: closing queues the scoring (and
    is refused while takers are still answering, unless ``close_in_progress``), publishing (announcing
    the results to employees) needs a finished scoring and sends nothing to the national benchmark."""
    if new_state == Round.State.CLOSED and not close_in_progress:
        waiting = in_progress(round_)
        if waiting:
            raise TakersInProgress(waiting)
    if new_state == Round.State.PUBLISHED:
        run = ScoringRun.objects.filter(round=round_).first()
        if run is None or run.state != ScoringRun.State.DONE:
            raise lifecycle.RoundError(_("The round can be published once its scoring has finished."))
    with transaction.atomic():
        round_ = lifecycle.transition(round_, new_state, actor)
        if new_state == Round.State.PUBLISHED:  # webhooks out (issue 18): results announced to employees
            from webhooks.events import Event, emit

            emit(Event.RESULTS_ANNOUNCED, {"round": {"id": round_.pk, "name": round_.name}})
    if new_state == Round.State.CLOSED:
        queue_scoring(round_)
    return round_


def queue_scoring(round_: Round) -> ScoringRun:
    from assessment.privacy.services.retention import responses_removed
    from assessment.results.tasks import score_round_task

    # Without its answers (deleted at the end of their retention period) a re-scoring would make every
    # attempt incomplete: the stored figures are final.
    if responses_removed(round_):
        raise lifecycle.RoundError(lifecycle.responses_removed_message())
    run, _created = ScoringRun.objects.update_or_create(
        round=round_, defaults={"state": ScoringRun.State.QUEUED, "progress": 0, "failure": ""}
    )
    transaction.on_commit(lambda: score_round_task.delay(round_.pk))
    return run

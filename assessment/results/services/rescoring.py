"""Scoring a round again under a newer parameter version: an explicit, recorded step.

A round's figures rest on the parameter version it was first scored with (``answers.pinned_version``);
the region admin's plain "score again" keeps that version, so the same answers give the same figures
whatever the national calibration accepted since. Moving a round to a newer version changes its
figures, so it is a decision of its own: ``rescore_under`` records it on the round's timeline (and
the region's audit trail) and queues the scoring under that version.

How the choice reaches the scoring task without changing its arguments: the run's recorded basis gets
``rescore_to`` (the accepted set's id); ``scoring.score_round`` scores under it and records the new
basis, which drops the key. If that scoring fails, the request stays pending: the next scoring of the
round (a retry) completes it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assessment.instrument.calibration import versions
from assessment.instrument.calibration.versions import ParameterVersion
from assessment.instrument.models import ParameterSet
from assessment.results.models import ScoringRun
from assessment.results.services import closing
from assessment.results.services.answers import pinned_version
from assessment.rounds.models import Round
from assessment.rounds.services import audit, lifecycle

__all__ = ["RescoreError", "newer_versions", "pinned_version", "rescore_under"]

ACTION = "rescored_under"


class RescoreError(Exception):
    """A re-scoring under another version that is refused; the message says why."""


def newer_versions(round_: Round) -> list[ParameterVersion]:
    """Accepted versions of the round's bank newer than the one it is scored under, newest first."""
    pinned = pinned_version(round_)
    return [
        v
        for v in versions.history(round_.bank)
        if v.set_id is not None and v.set_id != pinned.set_id and v.version > pinned.version
    ]


def rescore_under(round_: Round, parameter_set: ParameterSet, by: Any) -> ScoringRun:
    """Queue the scoring of ``round_`` under ``parameter_set`` (an accepted version of its bank) and
    record who asked for it, from which version to which."""
    if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
        raise RescoreError(_("Only a closed round is scored again."))
    if parameter_set.bank_id != round_.bank_id:
        raise RescoreError(
            _("Parameter set %(set)s belongs to bank %(other)s, not to this round's bank %(bank)s.")
            % {"set": parameter_set.pk, "other": parameter_set.bank, "bank": round_.bank}
        )
    if parameter_set.accepted_at is None or parameter_set.version is None:
        raise RescoreError(
            _("Parameter set %(set)s has not been accepted as a version.") % {"set": parameter_set.pk}
        )
    before = pinned_version(round_)
    target = versions.of_set(parameter_set)
    if before.set_id == target.set_id:
        raise RescoreError(
            _("The round is already scored under parameter version %(v)s.") % {"v": target.version}
        )
    with transaction.atomic():
        run, _created = ScoringRun.objects.select_for_update().get_or_create(round=round_)
        run.parameters = {**(run.parameters or {}), "rescore_to": parameter_set.pk}
        run.save(update_fields=["parameters"])
        try:
            run = closing.queue_scoring(round_)
        except lifecycle.RoundError as exc:
            raise RescoreError(str(exc)) from exc
        audit.record(
            round_,
            by,
            ACTION,
            from_version=before.version,
            from_label=before.label,
            to_version=target.version,
            to_label=target.label,
            parameter_set=parameter_set.pk,
        )
    return run

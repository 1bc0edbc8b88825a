"""``{% load rescore_offer %}``: on a round's page, whether a newer accepted parameter version exists.

``{% rescore_offer round as offer %}`` gives None when there is nothing to offer (the round is not
scored yet, or no accepted version of its bank is newer than the one it is scored under), else the
pinned version and the newest one with what it rests on, for the section "Parameter baru tersedia"
and its explicit re-score button (``assessment.results.views.rescore_under_version``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from assessment.instrument.calibration.versions import ParameterVersion
from assessment.instrument.models import ParameterSet
from assessment.results.models import ScoringRun
from assessment.results.services import rescoring
from assessment.rounds.models import Round

register = template.Library()


@dataclass(frozen=True)
class RescoreOffer:
    pinned: ParameterVersion
    newest: ParameterVersion
    regions: int  # regions the newest version rests on (0: not recorded, e.g. a regional set)
    newer: int  # how many accepted versions are newer than the pinned one

    @property
    def excluded(self) -> int:
        return len(self.newest.excluded)


@register.simple_tag
def rescore_offer(round_: Round) -> RescoreOffer | None:
    if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
        return None
    if not ScoringRun.objects.filter(round=round_, state=ScoringRun.State.DONE).exists():
        return None
    newer = rescoring.newer_versions(round_)
    if not newer:
        return None
    newest = newer[0]  # newer_versions gives accepted sets only: set_id is known
    sources = (
        ParameterSet.objects.filter(pk=newest.set_id or 0).values_list("sources", flat=True).first() or []
    )
    regions = len({s.get("region") for s in sources})
    return RescoreOffer(rescoring.pinned_version(round_), newest, regions, len(newer))

"""The region's training roadmap from a scored round: planning.roadmap on the round's scores."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from assessment.results.models import Score
from assessment.results.planning import LearningPlan, PersonNeed, Roadmap, learning_plan, roadmap
from assessment.results.services import catalogue
from assessment.rounds.models import Round
from tenants.schemas import current_schema


def region_roadmap(round_: Round, target_index: float, years: int) -> Roadmap:
    """Planning 12,500 people takes up to a second or two: the result is kept for an hour per round,
    scoring run, target and catalogue, so the exports that follow the page are instant."""
    courses = catalogue.courses()
    finished = round_.scoring.finished_at.timestamp() if round_.scoring.finished_at else 0
    offer = hashlib.sha256(repr(courses).encode()).hexdigest()[:16]  # stable across workers
    key = f"results:roadmap:{current_schema()}:{round_.pk}:{finished}:{target_index}:{years}:{offer}"
    plan = cache.get(key)
    if plan is None:
        people = [
            PersonNeed(
                unit=name,
                index=float(index or 0.0),  # complete attempts only: every one has an index
                area_scores={str(a["area"]): a["score"] for a in areas},
                competence_levels=competences,
            )
            for name, index, areas, competences in Score.objects.filter(
                round=round_, complete=True
            ).values_list("unit__name", "index", "areas", "competences")
        ]
        plan = roadmap(people, courses, target_index=target_index, years=years)
        cache.set(key, plan, timeout=3600)
    return plan


def personal_plan(score: Score) -> LearningPlan:
    """This year's courses for one employee, from the region's catalogue (gaps as in planning.is_gap)."""
    areas = {str(a["area"]): a["score"] for a in score.areas}
    return learning_plan(score.competences, catalogue.courses(), area_scores=areas)

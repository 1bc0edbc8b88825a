"""Reading results for pages and reports: one place that knows what a user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from assessment.instrument.models import Area, Competence, ProficiencyLevel
from assessment.results.models import Aggregate, Score, ScoringRun
from assessment.results.planning import shown_value
from assessment.results.services import immediate
from assessment.results.services.segments import DIMENSIONS
from assessment.rounds.models import Attempt, Round
from assessment.scoring.scale import level_of

SMALL_GROUP = 30  # below this a group's mean is shown with its range but not ranked


@dataclass
class Framework:
    areas: list[tuple[str, str]]  # (code, name)
    competences: dict[str, tuple[str, str, str]]  # code -> (area code, name, description)
    descriptors: dict[str, dict[str, str]]  # competence code -> level number -> what it means
    levels: dict[int, str]


def framework_of(round_: Round) -> Framework:
    fw = round_.bank.framework
    english = (get_language() or "id").startswith("en")
    areas = [(a.code, a.name_en if english else a.name_id) for a in Area.objects.filter(framework=fw)]
    competences = {}
    descriptors = {}
    for c in Competence.objects.filter(framework=fw).select_related("area"):
        competences[c.code] = (
            c.area.code,
            c.name_en if english else c.name_id,
            c.description_en if english else c.description_id,
        )
        descriptors[c.code] = {
            str(k): (v.get("en") if english else v.get("id")) or ""
            for k, v in (c.level_descriptors or {}).items()
        }
    levels = {
        lv.number: lv.name_en if english else lv.name_id
        for lv in ProficiencyLevel.objects.filter(framework=fw)
    }
    return Framework(areas, competences, descriptors, levels)


def scored_rounds() -> list[Round]:
    """Rounds with finished scoring, newest first."""
    done = ScoringRun.objects.filter(state=ScoringRun.State.DONE).values_list("round_id", flat=True)
    return list(Round.objects.filter(pk__in=list(done)).select_related("bank__framework"))


@dataclass
class RoundFigures:
    round: Round
    region: Aggregate | None
    units: list[Aggregate]
    ranked: list[Aggregate]  # units of 30 or more, best first
    small: list[Aggregate]  # units under 30: shown, not ranked
    segments: list[tuple[str, list[Aggregate]]] = field(default_factory=list)


def figures(round_: Round, unit_ids: list[int] | None = None) -> RoundFigures:
    """The region's figures, or only the given units' (a coordinator's scope)."""
    rows = list(Aggregate.objects.filter(round=round_))
    region = next((a for a in rows if a.dimension == "region"), None)
    units = [a for a in rows if a.dimension == "unit" and (unit_ids is None or int(a.key) in unit_ids)]
    units.sort(key=lambda a: a.label)
    with_scores = [u for u in units if u.n > 0 and u.mean is not None]
    ranked = sorted((u for u in with_scores if u.n >= SMALL_GROUP), key=lambda a: -(a.mean or 0))
    small = [u for u in with_scores if u.n < SMALL_GROUP]
    segments = []
    if unit_ids is None:
        for dimension, (label, keys) in DIMENSIONS.items():
            order = {k: n for n, (k, _) in enumerate(keys)}
            group = sorted((a for a in rows if a.dimension == dimension), key=lambda a: order.get(a.key, 99))
            if group:
                segments.append((str(label), group))
    return RoundFigures(round_, None if unit_ids is not None else region, units, ranked, small, segments)


def result_released(round_: Round) -> bool:
    """Whether the round's employees may see their own results: once it is published, or from their
    submit on when the round shows results at once (open, closed while it is scored, published).

    Nothing withdraws a round's results from its employees today (withdrawing from the national
    benchmark is another matter): a released result stays visible, and the personal code keeps
    opening it. A withdrawal would be one more condition here, the one place that decides."""
    if round_.state == Round.State.PUBLISHED:
        return True
    return immediate.shows_at_once(round_) and round_.state in {Round.State.OPEN, Round.State.CLOSED}


def own_score(attempt: Attempt | None) -> Score | None:
    """An employee's score, once they may see it (``result_released``). A round that shows results at
    once has the attempt scored by a task queued on submit; should it not have run yet, the attempt is
    scored here (``immediate.score_promptly``, which leaves a closed round to the round's scoring)."""
    if attempt is None or attempt.state != Attempt.State.SUBMITTED:
        return None
    round_ = attempt.participant.round
    if not result_released(round_):
        return None
    related = ("round__bank__framework", "unit", "employee")
    score = Score.objects.filter(attempt=attempt).select_related(*related).first()
    if score is None and immediate.shows_at_once(round_) and immediate.score_promptly(attempt.pk) is not None:
        score = Score.objects.select_related(*related).get(attempt=attempt)
    return score


def index_interval(score: Score) -> tuple[float, float]:
    """The 95 % interval of a person's index: the stored one (which accounts for the correlation
    between areas), or, for a score stored before intervals were kept, the symmetric one."""
    if score.index is None:
        return float("nan"), float("nan")
    if score.index_low is not None and score.index_high is not None:
        return score.index_low, score.index_high
    se = score.index_se or 0.0
    return max(1.0, score.index - 1.96 * se), min(4.0, score.index + 1.96 * se)


def area_rows(score: Score, fw: Framework) -> list[dict[str, Any]]:
    names = dict(fw.areas)
    return [{**a, "name": names.get(str(a["area"]), str(a["area"]))} for a in score.areas]


def competence_rows(score: Score, fw: Framework) -> list[dict[str, Any]]:
    """Competences from weakest to strongest, each with what its current and next level mean.

    ``band`` is the level by the one rule the learning plan uses too (``level_of``), and ``shown`` the
    value rounded down to one decimal, so the number beside it never reads as another level."""
    rows = []
    for code, level in score.competences.items():
        area, name, _description = fw.competences.get(code, ("", code, ""))
        whole = max(1, level_of(level))
        rows.append(
            {
                "code": code,
                "name": name,
                "area": area,
                "level": level,
                "shown": shown_value(level),
                "band": whole,
                "band_name": fw.levels.get(whole, str(whole)),
                "now": fw.descriptors.get(code, {}).get(str(whole), ""),
                "next": fw.descriptors.get(code, {}).get(str(min(4, whole + 1)), "") if whole < 4 else "",
            }
        )
    rows.sort(key=lambda r: (r["level"], r["code"]))
    return rows

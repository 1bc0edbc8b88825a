"""Scoring a round: every submitted attempt through the engine, then the aggregates, in one transaction.

Re-runnable: a second run replaces the first run's scores and aggregates (for example after the item
parameters were recalibrated), so closing a round twice gives the same figures.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from assessment.instrument.models import Item
from assessment.people.models import WorkUnit
from assessment.results.models import Aggregate, Score, ScoringRun
from assessment.results.services import segments
from assessment.results.services.aggregates import GroupFigures, summarise
from assessment.rounds.models import Attempt, Participant, Round
from assessment.scoring import ItemSpec, round_quality, score_answers, score_matrix

Progress = Callable[[int, int], None]
# How far a competence's own share of points may move its indicative level away from its area score.
COMPETENCE_SPREAD = 1.5


class ScoringError(Exception):
    pass


def item_specs(round_: Round) -> list[ItemSpec]:
    """The round's form as the engine sees it, in form order."""
    items = {
        i.code: i
        for i in Item.objects.filter(bank=round_.bank, code__in=round_.form_items).select_related(
            "competence__area"
        )
    }
    specs = []
    for code in round_.form_items:
        item = items[code]
        params = item.params or {}
        specs.append(
            ItemSpec(
                id=code,
                type=item.type,  # type: ignore[arg-type]
                key=tuple(item.key),
                area=int(item.competence.area.code),
                competence=item.competence.code,
                level=item.level,
                a=float(params.get("a", 1.0)),
                b=float(params.get("b", 0.0)),
                steps=tuple(float(s) for s in params.get("steps") or ()),
                options=tuple(o["id"] for o in item.options),
                anchor=item.is_anchor,
            )
        )
    return specs


def as_answer(spec: ItemSpec, response: list[str]) -> Any:
    if not response:
        return None
    if spec.max_score == 1:
        return response[0]
    return response


@dataclass
class LoadedAnswers:
    attempt_ids: list[int]
    answers: list[dict[str, Any]]


def load_answers(round_: Round, specs: list[ItemSpec], attempt_id: int | None = None) -> LoadedAnswers:
    by_id = {s.id: s for s in specs}
    attempts = Attempt.objects.filter(participant__round=round_, state=Attempt.State.SUBMITTED)
    if attempt_id is not None:
        attempts = attempts.filter(pk=attempt_id)
    attempt_ids = list(attempts.order_by("pk").values_list("pk", flat=True))
    position = {pk: n for n, pk in enumerate(attempt_ids)}
    answers: list[dict[str, Any]] = [{} for _ in attempt_ids]
    single = {s.id for s in specs if s.max_score == 1}
    with connection.cursor() as cursor:
        # Raw rows, and a one-option answer as plain text from PostgreSQL: 600,000 answers through
        # the ORM or json.loads would cost more than the scoring itself.
        cursor.execute(
            "SELECT a.attempt_id, a.item_code, "
            "CASE WHEN jsonb_array_length(a.response) = 1 THEN a.response->>0 END, "
            "CASE WHEN jsonb_array_length(a.response) <> 1 THEN a.response::text END "
            "FROM rounds_answer a "
            "JOIN rounds_attempt t ON t.id = a.attempt_id JOIN rounds_participant p "
            "ON p.id = t.participant_id WHERE p.round_id = %s AND t.state = 'submitted' "
            "AND (%s::bigint IS NULL OR t.id = %s::bigint)",
            [round_.pk, attempt_id, attempt_id],
        )
        for attempt, code, one, many in cursor.fetchall():
            if code not in by_id:
                continue
            if one is not None:
                answers[position[attempt]][code] = one if code in single else [one]
            else:
                answers[position[attempt]][code] = as_answer(by_id[code], json.loads(many))
    return LoadedAnswers(attempt_ids, answers)


def competence_levels(
    specs: list[ItemSpec], scores: np.ndarray, area_scores: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Indicative level per competence: the area score, moved by how the competence's own share of
    points compares with the area's (two or three items per competence are too few for an estimate
    of their own)."""
    competences = sorted({s.competence for s in specs}, key=lambda c: tuple(int(x) for x in c.split(".")))
    max_scores = np.array([s.max_score for s in specs], dtype=np.float64)
    out = np.full((scores.shape[0], len(competences)), np.nan)
    for j, code in enumerate(competences):
        cols = [k for k, s in enumerate(specs) if s.competence == code]
        area = specs[cols[0]].area
        area_cols = [k for k, s in enumerate(specs) if s.area == area]
        p_comp = scores[:, cols].sum(axis=1) / max_scores[cols].sum()
        p_area = scores[:, area_cols].sum(axis=1) / max_scores[area_cols].sum()
        out[:, j] = np.clip(area_scores[:, area - 1] + COMPETENCE_SPREAD * (p_comp - p_area), 1.0, 4.0)
    return competences, out


def _figures_row(
    round_: Round, dimension: str, key: str, label: str, eligible: int, g: GroupFigures
) -> Aggregate:
    return Aggregate(
        round=round_,
        dimension=dimension,
        key=key,
        label=label[:200],
        eligible=eligible,
        n=g.n,
        mean=g.mean,
        sd=g.sd,
        ci_low=g.ci_low,
        ci_high=g.ci_high,
        area_means=g.area_means,
        competence_means=g.competence_means,
        level_shares=g.level_shares,
        area_level_shares=g.area_level_shares,
        histogram=g.histogram,
    )


@dataclass
class _Scored:
    rows: list[Score]
    result: Any
    comp: np.ndarray
    codes: list[str]
    units: np.ndarray
    segments: dict[str, list[str]]
    scores: np.ndarray
    mask: np.ndarray


def _score_people(round_: Round, specs: list[ItemSpec], loaded: LoadedAnswers) -> _Scored:
    """Engine scores for the loaded attempts, as unsaved Score rows with their segments."""
    scores, mask = score_answers(specs, loaded.answers)
    result = score_matrix(specs, scores, mask)
    codes, comp = competence_levels(specs, scores.astype(np.float64), result.score)
    people = {
        row["attempt__id"]: row
        for row in Participant.objects.filter(attempt__id__in=loaded.attempt_ids).values(
            "attempt__id",
            "employee_id",
            "unit_id",
            "employee__employment_status",
            "employee__position_type",
            "employee__rank",
            "employee__birth_date",
            "employee__sex",
            "employee__education",
        )
    }
    on = timezone.localdate()
    # Plain Python lists once, rather than ten thousand times numpy scalars per field.
    score, se = np.round(result.score, 4).tolist(), np.round(result.score_se, 4).tolist()
    low, high = np.round(result.score_low, 4).tolist(), np.round(result.score_high, 4).tolist()
    level, n_items = result.level.tolist(), result.n_items.tolist()
    index, index_se, index_level = (
        result.index.tolist(),
        result.index_se.tolist(),
        result.index_level.tolist(),
    )
    comp_levels = np.round(comp, 3).tolist()
    local_raw, local_max = result.local_raw.tolist(), result.local_max.tolist()
    rows = []
    seg_values: dict[str, list[str]] = defaultdict(list)
    units: list[int] = []
    for i, attempt_id in enumerate(loaded.attempt_ids):
        p = people[attempt_id]
        birth: date | None = p["employee__birth_date"]
        seg = {
            "status": p["employee__employment_status"],
            "position_type": p["employee__position_type"],
            "rank_group": segments.rank_group(p["employee__employment_status"], p["employee__rank"]),
            "age_band": segments.age_band(birth, on),
            "sex": p["employee__sex"],
            "education": segments.education_group(p["employee__education"]),
        }
        for key, value in seg.items():
            seg_values[key].append(value)
        units.append(p["unit_id"])
        rows.append(
            Score(
                round=round_,
                attempt_id=attempt_id,
                employee_id=p["employee_id"],
                unit_id=p["unit_id"],
                index=index[i],
                index_se=index_se[i],
                level=index_level[i],
                areas=[
                    {
                        "area": area,
                        "score": score[i][k],
                        "se": se[i][k],
                        "low": low[i][k],
                        "high": high[i][k],
                        "level": level[i][k],
                        "n": n_items[i][k],
                    }
                    for k, area in enumerate(result.areas)
                ],
                competences=dict(zip(codes, comp_levels[i], strict=True)),
                local_raw=local_raw[i],
                local_max=local_max[i],
                **seg,
            )
        )
    return _Scored(rows, result, comp, codes, np.array(units), seg_values, scores, mask)


SCORE_COLUMNS = (
    "round_id",
    "attempt_id",
    "employee_id",
    "unit_id",
    "index",
    "index_se",
    "level",
    "areas",
    "competences",
    "local_raw",
    "local_max",
    "status",
    "position_type",
    "rank_group",
    "age_band",
    "sex",
    "education",
)


def _copy_scores(rows: list[Score]) -> None:
    """COPY rather than INSERT: ten thousand rows with JSON in a fraction of bulk_create's time."""
    json_columns = {"areas", "competences"}
    sql = f"COPY {Score._meta.db_table} ({', '.join(SCORE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(getattr(row, c)) if c in json_columns else getattr(row, c) for c in SCORE_COLUMNS]
            )


@transaction.atomic
def score_attempt(attempt: Attempt) -> Score:
    """One submitted attempt, scored at once (rounds that show the result right after submitting).
    Closing the round scores everyone again with the same engine, so the figures agree."""
    round_ = attempt.participant.round
    specs = item_specs(round_)
    loaded = load_answers(round_, specs, attempt_id=attempt.pk)
    scored = _score_people(round_, specs, loaded)
    Score.objects.filter(attempt=attempt).delete()
    row = scored.rows[0]
    row.save()
    return row


@transaction.atomic
def score_round(round_: Round, progress: Progress | None = None) -> ScoringRun:
    """Score every submitted attempt of a closed round and compute its aggregates."""
    report = progress or (lambda done, total: None)
    if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
        raise ScoringError("Only a closed round is scored.")
    run, _ = ScoringRun.objects.select_for_update().get_or_create(round=round_)
    run.state, run.started_at, run.failure = ScoringRun.State.RUNNING, timezone.now(), ""
    specs = item_specs(round_)
    loaded = load_answers(round_, specs)
    n = len(loaded.attempt_ids)
    report(0, n)
    scored = _score_people(round_, specs, loaded)
    report(n // 2, n)
    # One DELETE statement each: nothing refers to scores or aggregates, and the ORM's collector
    # would first load ten thousand rows.
    Score.objects.filter(round=round_)._raw_delete(Score.objects.db)
    _copy_scores(scored.rows)

    Aggregate.objects.filter(round=round_)._raw_delete(Aggregate.objects.db)
    aggregates = _aggregates(round_, scored.result, scored.comp, scored.codes, scored.units, scored.segments)
    Aggregate.objects.bulk_create(aggregates, batch_size=1000)

    # One-option items hold the chosen option id (or nothing) per person: the distractor rates.
    choices = {s.id: [a.get(s.id) for a in loaded.answers] for s in specs if s.max_score == 1}
    quality = round_quality(specs, scored.scores, scored.mask, choices, scored.result) if n >= 2 else None
    run.quality = _quality_json(quality, specs) if quality else {}
    run.bank_parameters = round_.bank.parameters
    run.state, run.progress, run.total, run.finished_at = ScoringRun.State.DONE, n, n, timezone.now()
    run.save()
    report(n, n)
    return run


def _aggregates(
    round_: Round,
    result: Any,
    comp: np.ndarray,
    codes: list[str],
    units: np.ndarray,
    seg_values: dict[str, list[str]],
) -> list[Aggregate]:
    def figures(rows: np.ndarray) -> GroupFigures:
        return summarise(
            result.index[rows],
            result.index_level[rows],
            result.score[rows],
            result.level[rows],
            comp[rows],
            codes,
        )

    invited = dict(
        Participant.objects.filter(round=round_)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    everyone = np.arange(len(units))
    out = [_figures_row(round_, "region", "all", "", sum(invited.values()), figures(everyone))]
    names = dict(WorkUnit.objects.values_list("pk", "name"))
    for unit_id, eligible in invited.items():
        out.append(
            _figures_row(
                round_,
                "unit",
                str(unit_id),
                names.get(unit_id, ""),
                eligible,
                figures(np.flatnonzero(units == unit_id)),
            )
        )
    for dimension, values in seg_values.items():
        column = np.array(values, dtype=object)
        for key, label in segments.DIMENSIONS[dimension][1]:
            rows = np.flatnonzero(column == key)
            if rows.size:
                out.append(_figures_row(round_, dimension, key, str(label), 0, figures(rows)))
    return out


def _num(value: float) -> float | None:
    return None if value != value else round(float(value), 4)  # NaN -> None for JSON


def _quality_json(report: Any, specs: list[ItemSpec]) -> dict[str, Any]:
    by_id = {s.id: s for s in specs}
    return {
        "alpha_overall": _num(report.alpha_overall),
        "alpha_by_area": {str(a): _num(v) for a, v in report.alpha_by_area},
        "reliability_by_area": {str(a): _num(v) for a, v in report.reliability_by_area},
        "index_reliability": _num(report.index_reliability),
        "items": [
            {
                "id": s.id,
                "area": s.area,
                "competence": by_id[s.id].competence,
                "level": by_id[s.id].level,
                "n": s.n,
                "p": _num(s.p_value),
                "r_pb": _num(s.r_pb),
                "options": [[o, _num(r)] for o, r in s.option_rates],
                "flags": list(s.flags),
            }
            for s in report.items
        ],
    }

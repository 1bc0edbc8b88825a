"""Scoring a round: every submitted attempt through the engine, then the group figures, in one transaction.

Two estimates serve two purposes (docs/scoring.md, part 3):

* a **person's** result is the EAP of each area and the index (``Score.index``, ``Score.areas``), with
  an interval that accounts for the correlation between areas;
* **group** figures (region, work units, segments, level shares, histograms, and what the benchmark
  receives) come from plausible values drawn under the round's population model
  (``assessment.scoring.population``): averaging EAPs would shrink every group toward the prior and
  understate both differences between groups and the shares at the extreme levels.

Answers go through the response-process rule first (``answers.coded_responses``): malformed stored
answers and items never reached are not administered; an attempt with fewer than half of its items
answered is *incomplete*, stored without an index or level, counted apart and left out of every group.

Re-runnable: a second run replaces the first run's scores and aggregates, under the parameter version
the round was first scored with (``answers.pinned_version``): a newer accepted calibration changes a
round's figures only through the explicit ``rescoring.rescore_under``. The draws are seeded by the
round, so the same answers give the same figures, and the segments of a person are kept from the first
scoring, so a correction in the register never moves a person between the cells of a published round.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from assessment.instrument.basis import version_basis
from assessment.people.models import WorkUnit
from assessment.results.models import Aggregate, Score, ScoringRun
from assessment.results.services import segments
from assessment.results.services.aggregates import AggregateFigures, summarise
from assessment.results.services.answers import coded_responses, item_specs, load_responses, pinned_version
from assessment.rounds.models import Attempt, Participant, Round
from assessment.scoring import BatchResult, ItemSpec, round_quality, score_matrix
from assessment.scoring.population import PlausibleValues, plausible_values
from assessment.scoring.responses import ResponseMatrix, chosen_options

__all__ = ["ScoringError", "item_specs", "score_attempt", "score_round"]

Progress = Callable[[int, int], None]
# How far a competence's own share of points may move its indicative level away from its area score.
COMPETENCE_SPREAD = 1.5
# Plausible values per person: five is the PISA/TIMSS practice before 2015 and enough for means and
# shares at region and unit level; the imputation part of the error is reported with every mean.
PV_DRAWS = int(os.environ.get("IKD_PV_DRAWS", "5"))
SEGMENT_FIELDS = ("status", "position_type", "rank_group", "age_band", "sex", "education")


class ScoringError(Exception):
    pass


def competence_levels(
    specs: list[ItemSpec], scores: np.ndarray, mask: np.ndarray, area_scores: np.ndarray, areas: Sequence[int]
) -> tuple[list[str], np.ndarray]:
    """Indicative level per competence: the area score, moved by how the competence's own share of
    points compares with the area's, on the items the person was given (two or three items per
    competence are too few for an estimate of their own)."""
    competences = sorted({s.competence for s in specs}, key=lambda c: tuple(int(x) for x in c.split(".")))
    max_scores = np.array([s.max_score for s in specs], dtype=np.float64)[None, :] * mask
    got = scores * mask
    column = {area: k for k, area in enumerate(areas)}
    out = np.full((scores.shape[0], len(competences)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, code in enumerate(competences):
            cols = [k for k, s in enumerate(specs) if s.competence == code]
            area = specs[cols[0]].area
            if area not in column:
                continue
            area_cols = [k for k, s in enumerate(specs) if s.area == area]
            p_comp = got[:, cols].sum(axis=1) / max_scores[:, cols].sum(axis=1)
            p_area = got[:, area_cols].sum(axis=1) / max_scores[:, area_cols].sum(axis=1)
            out[:, j] = np.clip(
                area_scores[:, column[area]] + COMPETENCE_SPREAD * (p_comp - p_area), 1.0, 4.0
            )
    return competences, out


def _figures_row(
    round_: Round, dimension: str, key: str, label: str, eligible: int, g: AggregateFigures
) -> Aggregate:
    return Aggregate(
        round=round_,
        dimension=dimension,
        key=key,
        label=label[:200],
        eligible=eligible,
        n=g.n,
        incomplete=g.incomplete,
        mean=g.mean,
        mean_se=g.mean_se,
        sd=g.sd,
        ci_low=g.ci_low,
        ci_high=g.ci_high,
        area_means=g.area_means,
        competence_means=g.competence_means,
        level_shares=g.level_shares,
        area_level_shares=g.area_level_shares,
        histogram=g.histogram,
    )


@dataclass(frozen=True)
class _Person:
    employee_id: int
    unit_id: int
    segments: dict[str, str]


def _people(round_: Round, attempt_ids: list[int]) -> list[_Person]:
    """Who took each attempt, with the segments they are counted in: those of an earlier scoring of the
    same attempt when there is one (frozen), else the register's today."""
    frozen = {
        row["attempt_id"]: {f: row[f] for f in SEGMENT_FIELDS}
        for row in Score.objects.filter(round=round_).values("attempt_id", *SEGMENT_FIELDS)
    }
    fields = (
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
    # Tuples, not dicts: ten thousand rows.
    rows = {
        row[0]: dict(zip(fields, row, strict=True))
        for row in Participant.objects.filter(attempt__id__in=attempt_ids).values_list(*fields)
    }
    on = timezone.localdate()
    out = []
    for attempt_id in attempt_ids:
        p = rows[attempt_id]
        seg = frozen.get(attempt_id)
        if seg is None:
            birth: date | None = p["employee__birth_date"]
            seg = {
                "status": p["employee__employment_status"],
                "position_type": p["employee__position_type"],
                "rank_group": segments.rank_group(p["employee__employment_status"], p["employee__rank"]),
                "age_band": segments.age_band(birth, on),
                "sex": p["employee__sex"],
                "education": segments.education_group(p["employee__education"]),
            }
        out.append(_Person(p["employee_id"], p["unit_id"], seg))
    return out


def _round4(values: np.ndarray) -> list[Any]:
    """Plain floats rounded to 4 places, NaN as None (JSON and the database both take None)."""
    rounded = np.round(values, 4)
    return [None if v != v else v for v in rounded.tolist()]


# One score row as plain column values (``SCORE_COLUMNS`` without the round): building ten thousand
# model instances only to read their fields back for COPY cost more than the engine.
Row = dict[str, Any]


@dataclass(frozen=True)
class _Scored:
    rows: list[Row]
    complete: np.ndarray  # positions of the complete attempts
    result: BatchResult | None  # EAP results of the complete attempts, in that order
    codes: list[str]
    comp: np.ndarray
    coded: ResponseMatrix
    people: list[_Person]


def _score_people(
    round_: Round, specs: list[ItemSpec], coded: ResponseMatrix, attempt_ids: list[int]
) -> _Scored:
    """EAP results of the complete attempts, and a score row for every attempt."""
    people = _people(round_, attempt_ids)
    complete = np.flatnonzero(coded.complete)
    result = (
        score_matrix(specs, coded.scores[complete], coded.administered[complete]) if complete.size else None
    )
    codes: list[str] = []
    comp = np.zeros((0, 0))
    if result is not None:
        codes, comp = competence_levels(
            specs,
            coded.scores[complete].astype(np.float64),
            coded.administered[complete],
            result.score,
            result.areas,
        )
    answered, reached = coded.n_answered.tolist(), coded.n_reached.tolist()
    rows: list[Row] = []
    done: dict[int, Row] = {}
    if result is not None:
        score, se = _round4(result.score), _round4(result.score_se)
        low, high = _round4(result.score_low), _round4(result.score_high)
        level, n_items = result.level.tolist(), result.n_items.tolist()
        index, index_se = _round4(result.index), _round4(result.index_se)
        index_low, index_high = _round4(result.index_low), _round4(result.index_high)
        index_level = result.index_level.tolist()
        comp_levels = np.round(comp, 3).tolist()
        local_raw, local_max = result.local_raw.tolist(), result.local_max.tolist()
        for r, i in enumerate(complete.tolist()):
            person = people[i]
            done[i] = dict(
                attempt_id=attempt_ids[i],
                employee_id=person.employee_id,
                unit_id=person.unit_id,
                complete=True,
                answered=answered[i],
                reached=reached[i],
                index=index[r],
                index_se=index_se[r],
                index_low=index_low[r],
                index_high=index_high[r],
                level=index_level[r],
                areas=[
                    {
                        "area": area,
                        "score": score[r][k],
                        "se": se[r][k],
                        "low": low[r][k],
                        "high": high[r][k],
                        "level": level[r][k],
                        "n": n_items[r][k],
                    }
                    for k, area in enumerate(result.areas)
                ],
                competences={c: v for c, v in zip(codes, comp_levels[r], strict=True) if v == v},
                local_raw=local_raw[r],
                local_max=local_max[r],
                plausible={},
                **person.segments,
            )
    for i, attempt_id in enumerate(attempt_ids):
        row = done.get(i)
        if row is None:
            person = people[i]
            row = dict(
                attempt_id=attempt_id,
                employee_id=person.employee_id,
                unit_id=person.unit_id,
                complete=False,
                answered=answered[i],
                reached=reached[i],
                index=None,
                index_se=None,
                index_low=None,
                index_high=None,
                level=0,
                areas=[],
                competences={},
                local_raw=0,
                local_max=0,
                plausible={},
                **person.segments,
            )
        rows.append(row)
    return _Scored(rows, complete, result, codes, comp, coded, people)


SCORE_COLUMNS = (
    "round_id",
    "attempt_id",
    "employee_id",
    "unit_id",
    "complete",
    "answered",
    "reached",
    "index",
    "index_se",
    "index_low",
    "index_high",
    "level",
    "areas",
    "competences",
    "local_raw",
    "local_max",
    "plausible",
    *SEGMENT_FIELDS,
)
JSON_COLUMNS = frozenset({"areas", "competences", "plausible"})


def _copy_scores(round_: Round, rows: list[Row]) -> None:
    """COPY rather than INSERT: ten thousand rows with JSON in a fraction of bulk_create's time."""
    sql = f"COPY {Score._meta.db_table} ({', '.join(SCORE_COLUMNS)}) FROM STDIN"
    columns = SCORE_COLUMNS[1:]
    encoder = json.JSONEncoder(separators=(",", ":"))
    dumps = encoder.encode
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([round_.pk, *(dumps(row[c]) if c in JSON_COLUMNS else row[c] for c in columns)])


@transaction.atomic
def score_attempt(attempt: Attempt) -> Score:
    """One submitted attempt, scored at once (rounds that show the result right after submitting).
    Closing the round scores everyone again with the same engine, so the person's figures agree."""
    round_ = attempt.participant.round
    specs = item_specs(round_)
    loaded = load_responses(round_, specs, attempt_id=attempt.pk)
    scored = _score_people(round_, specs, coded_responses(specs, loaded), loaded.attempt_ids)
    Score.objects.filter(attempt=attempt).delete()
    return Score.objects.create(round=round_, **scored.rows[0])


def _seed(round_: Round) -> int:
    """The draws' seed: fixed per round, so scoring again gives the same group figures."""
    return int.from_bytes(hashlib.sha256(f"pv|{round_.form_seed}|{round_.pk}".encode()).digest()[:8], "big")


@transaction.atomic
def score_round(round_: Round, progress: Progress | None = None) -> ScoringRun:
    """Score every submitted attempt of a closed round and compute its group figures."""
    report = progress or (lambda done, total: None)
    if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
        raise ScoringError("Only a closed round is scored.")
    run, _ = ScoringRun.objects.select_for_update().get_or_create(round=round_)
    run.state, run.started_at, run.failure = ScoringRun.State.RUNNING, timezone.now(), ""
    # The version the round was first scored with (or the one an explicit re-scoring asked for).
    version = pinned_version(round_, run.parameters)
    specs = item_specs(round_, version)
    loaded = load_responses(round_, specs)
    n = len(loaded.attempt_ids)
    report(0, n)
    coded = coded_responses(specs, loaded)
    scored = _score_people(round_, specs, coded, loaded.attempt_ids)
    report(n // 3, n)
    complete = scored.complete
    units = np.array([p.unit_id for p in scored.people], dtype=np.int64)
    seg_values = {f: [p.segments[f] for p in scored.people] for f in SEGMENT_FIELDS}
    draws = None
    if complete.size:
        covariates = {"unit": [str(u) for u in units[complete]]}
        covariates.update({f: [seg_values[f][i] for i in complete] for f in SEGMENT_FIELDS})
        draws = plausible_values(
            specs,
            coded.scores[complete],
            coded.administered[complete],
            covariates,
            n_draws=PV_DRAWS,
            seed=_seed(round_),
        )
        # Whole arrays to lists at once: per-person slices cost more than the draws themselves.
        pv_index = np.round(draws.index, 4).T.tolist()
        pv_areas = np.round(draws.score, 4).transpose(1, 0, 2).tolist()
        for r, i in enumerate(complete.tolist()):
            scored.rows[i]["plausible"] = {"index": pv_index[r], "areas": pv_areas[r]}
    report(2 * n // 3, n)
    # One DELETE statement each: nothing refers to scores or aggregates, and the ORM's collector
    # would first load ten thousand rows.
    Score.objects.filter(round=round_)._raw_delete(Score.objects.db)
    _copy_scores(round_, scored.rows)

    Aggregate.objects.filter(round=round_)._raw_delete(Aggregate.objects.db)
    Aggregate.objects.bulk_create(_aggregates(round_, scored, draws, units, seg_values), batch_size=1000)

    quality = None
    if complete.size >= 2 and scored.result is not None:
        # One-option items hold the chosen option id (or nothing) per person: the distractor rates.
        stored = loaded.stored[complete]
        choices = {
            s.id: chosen_options(s, stored[:, j].tolist()) for j, s in enumerate(specs) if s.max_score == 1
        }
        quality = round_quality(
            specs,
            coded.scores[complete],
            coded.calibration_mask[complete],
            choices,
            scored.result,
        )
    run.quality = _quality_json(quality, specs) if quality else {}
    run.bank_parameters = version.label
    run.parameters = version_basis(round_.bank, version).as_json()
    run.malformed_answers = int(coded.malformed.sum())
    run.incomplete_attempts = int(n - complete.size)
    run.population = _model_json(draws) if draws is not None else {}
    run.state, run.progress, run.total, run.finished_at = ScoringRun.State.DONE, n, n, timezone.now()
    run.save()
    report(n, n)
    return run


def _model_json(draws: PlausibleValues) -> dict[str, Any]:
    """What the population model behind the round's group figures was (for the method note)."""
    model = draws.model
    return {
        "draws": draws.n_draws,
        "persons": draws.n_persons,
        "covariates": len(model.columns) - 1,
        "converged": model.converged,
        "iterations": list(model.iterations),
        "area_sd": [round(float(v), 4) for v in np.sqrt(np.diag(model.sigma))],
        "correlation": np.round(model.correlation, 3).tolist(),
    }


def _aggregates(
    round_: Round,
    scored: _Scored,
    draws: PlausibleValues | None,
    units: np.ndarray,
    seg_values: Mapping[str, list[str]],
) -> list[Aggregate]:
    complete_flags = np.zeros(len(units), dtype=np.bool_)
    complete_flags[scored.complete] = True
    # Row r of the draws is attempt scored.complete[r]: map attempt positions to draw rows.
    draw_row = np.full(len(units), -1, dtype=np.int64)
    draw_row[scored.complete] = np.arange(scored.complete.size)

    def figures(positions: np.ndarray) -> AggregateFigures:
        rows = draw_row[positions[complete_flags[positions]]]
        incomplete = int((~complete_flags[positions]).sum())
        if draws is None or rows.size == 0:
            return summarise(np.zeros((1, 0)), np.zeros((1, 0, 5)), np.zeros((0, 0)), [], incomplete)
        return summarise(
            draws.index[:, rows], draws.score[:, rows, :], scored.comp[rows], scored.codes, incomplete
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
    grouped: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for dimension, values in seg_values.items():
        for i, value in enumerate(values):
            grouped[dimension][value].append(i)
    for dimension in seg_values:
        for key, label in segments.DIMENSIONS[dimension][1]:
            positions = grouped[dimension].get(key)
            if positions:
                out.append(_figures_row(round_, dimension, key, str(label), 0, figures(np.array(positions))))
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

"""What a region sends to the national benchmark when it decides to: aggregates, nothing personal.

Sending is its own step, apart from announcing the results to the round's employees (``closing.change_state``
to *published*): the admin reads what is sent, who sees it and how to withdraw it, and confirms
(``publish_round``); nothing goes to the benchmark before that. Only an announced round can be sent, and only
by an approved region (``tenants.services.approval``); a pending region announces its results all the same.
Withdrawing (``withdraw_round``) removes the figures from the benchmark at once; both are audited.

The round's plausible values are summed here, inside the region, into the plain figures of a
``benchmark.disclosure.Release`` (the region and its six breakdowns); only those figures go to
``benchmark.services.publishing``, which protects, audits and writes them to the public schema.

Means are the mean over draws (Rubin's point estimate), which equals the mean of each person's average
draw, so every breakdown's n-weighted means still add up to the total's, as the disclosure audit
requires. Counts (levels, histogram) must be whole people, so they come from one designated draw,
the first: an unbiased draw from the same population model, with a little more noise than the mean
over draws shown on the region's own pages. Incomplete attempts are not part of any cell.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from assessment.instrument.basis import ParameterBasis
from assessment.instrument.calibration import versions
from assessment.results.models import Score, ScoringRun
from assessment.results.services import segments
from assessment.results.services.aggregates import HISTOGRAM_EDGES
from assessment.results.services.answers import pinned_version
from assessment.rounds.models import Participant, Round
from assessment.scoring import AREAS as AREA_CODES
from assessment.scoring import DEFAULT_CUTS, score_to_level
from assessment.scoring.figures import draw_figures
from audit import services as audit_trail
from benchmark import disclosure
from benchmark.models import Publication, Version
from benchmark.services import publishing as benchmark
from benchmark.services.cells import DIMENSIONS
from tenants.models import Region
from tenants.schemas import current_schema

AREAS = 5
EDGES = np.array(HISTOGRAM_EDGES)
# The overall level is a function of the index, with its cuts on histogram edges: the disclosure rule must
# know, or a level count minus a histogram bin would expose the people between them.
LEVEL_STARTS = (0, *(int(np.searchsorted(EDGES, cut)) for cut in DEFAULT_CUTS.score_at_cut))
LEVEL_NESTING = disclosure.Nesting("level", "histogram", LEVEL_STARTS)
VECTOR_SIZES = {"histogram": len(EDGES) - 1, "level": 4, **{f"area{a + 1}_level": 4 for a in range(AREAS)}}


@dataclass(frozen=True)
class People:
    """One column per person: the index and the five area scores of each draw, and the segment keys.

    ``index`` is (draws, n) or (n,) for one value per person; ``areas`` (draws, n, 5) or (n, 5).
    """

    index: NDArray[np.float64]
    areas: NDArray[np.float64]
    segments: Mapping[str, Sequence[str]]

    def draws(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        index = np.asarray(self.index, dtype=np.float64)
        if index.ndim == 1:
            index = index[None, :]
        areas = np.asarray(self.areas, dtype=np.float64).reshape(index.shape[0], index.shape[1], AREAS)
        return index, areas


def _counts(values: NDArray[np.integer], size: int, offset: int = 0) -> tuple[int, ...]:
    return tuple(int(c) for c in np.bincount(values - offset, minlength=size)[:size])


def _cell(index: NDArray[np.float64], areas: NDArray[np.float64]) -> disclosure.Cell:
    """A cell from (draws, n) index values and (draws, n, 5) area scores."""
    n = int(index.shape[1])
    if n == 0:
        return disclosure.Cell(0, vectors={name: (0,) * size for name, size in VECTOR_SIZES.items()})
    estimate = draw_figures(index, areas, AREA_CODES)
    stats = {"sd": estimate.sd, "ci_low": estimate.low, "ci_high": estimate.high}
    first, first_areas = index[0], areas[0]
    bins = np.clip(np.searchsorted(EDGES, first, side="right") - 1, 0, len(EDGES) - 2)
    vectors = {
        "histogram": _counts(bins, len(EDGES) - 1),
        "level": _counts(score_to_level(first), 4, offset=1),
        **{
            f"area{a + 1}_level": _counts(score_to_level(first_areas[:, a]), 4, offset=1)
            for a in range(AREAS)
        },
    }
    means = {"index": float(index.mean())}
    means.update({f"area{a + 1}": float(areas[:, :, a].mean()) for a in range(AREAS)})
    return disclosure.Cell(n, means, {k: float(v) for k, v in stats.items() if not math.isnan(v)}, vectors)


def release_from_people(people: People, eligible: int | None) -> disclosure.Release:
    """The region total and one breakdown per segment dimension; keys outside the known categories are
    counted under "" (not recorded), so every breakdown partitions the participants."""
    index, areas = people.draws()
    index = np.clip(index, 1.0, 4.0)
    # A missing area score (an area without answered items) counts at the person's index, so that the
    # n-weighted means of every breakdown add up exactly to the total's.
    areas = np.clip(np.where(np.isnan(areas), index[:, :, None], areas), 1.0, 4.0)
    tables = []
    for dimension in DIMENSIONS:
        known = [key for key, _label in segments.DIMENSIONS[dimension][1]]
        column = np.array([v if v in known else "" for v in people.segments[dimension]], dtype=object)
        keys = known if "" in known else [*known, ""]
        cells = {key: _cell(index[:, column == key], areas[:, column == key]) for key in keys}
        if "" not in known and cells[""].n == 0:
            del cells[""]
        tables.append(disclosure.Table(dimension, cells))
    return disclosure.Release(
        _cell(index, areas), tables, eligible=eligible, value_range=(1.0, 4.0), nestings=(LEVEL_NESTING,)
    )


def people_of_round(round_: Round) -> People:
    """The plausible values of a round's complete attempts and their segments, read in one query."""
    sql = f"""
        SELECT s.plausible, s.status, s.position_type, s.rank_group, s.age_band, s.sex, s.education
        FROM {Score._meta.db_table} s WHERE s.round_id = %s AND s.complete ORDER BY s.id
    """  # noqa: S608 - only constants are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_.pk])
        rows = cursor.fetchall()
    plausible = [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in rows]
    draws = len(plausible[0]["index"]) if plausible else 1
    index = np.array([p["index"] for p in plausible], dtype=np.float64).reshape(-1, draws).T
    areas = np.array([p["areas"] for p in plausible], dtype=np.float64).reshape(-1, draws, AREAS)
    segment_columns = list(zip(*(row[1:] for row in rows), strict=True)) if rows else [()] * len(DIMENSIONS)
    return People(
        index=index,
        areas=areas.transpose(1, 0, 2),
        segments={dim: list(col) for dim, col in zip(DIMENSIONS, segment_columns, strict=True)},
    )


PublishingError = benchmark.PublishingError


def own_keys() -> str:
    """The round-key prefix of the current region's own rounds (simulated stand-ins have other keys)."""
    return f"{current_schema()}:"


def round_key(round_: Round) -> str:
    return f"{own_keys()}{round_.pk}"


def held_on(round_: Round, tz: tzinfo) -> date:
    first = round_.sessions.order_by("starts_at").first()
    moment = first.starts_at if first is not None else round_.created_at
    return moment.astimezone(tz).date()


def current_region() -> Region:
    """The region whose schema is active (a fake tenant in a bare ``schema_context`` has no code)."""
    return Region.objects.get(schema_name=current_schema())


def figures_of_round(round_: Round, region: Region, simulated: bool = False) -> benchmark.RoundFigures:
    people = people_of_round(round_)
    eligible = Participant.objects.filter(round=round_).count()
    bank = round_.bank
    scoring = ScoringRun.objects.filter(round=round_).first()
    instrument = f"{bank.code} {bank.version}"
    pinned = pinned_version(round_, scoring.parameters if scoring else None)
    scale, scale_note = versions.scale_of(instrument, pinned.version, versions.scale_links())
    return benchmark.RoundFigures(
        region_code=region.code,
        round_key=round_key(round_),
        round_name=round_.name,
        held_on=held_on(round_, region.tzinfo),
        instrument=instrument,
        release=release_from_people(people, eligible),
        simulated=simulated,
        parameters=ParameterBasis.from_json(scoring.parameters if scoring else None).as_json(),
        rescored=_rescored_since_published(round_, region, scoring),
        scale=scale,
        scale_note=scale_note,
    )


def _rescored_since_published(round_: Round, region: Region, scoring: ScoringRun | None) -> bool:
    """Whether every value was computed again since the round's figures were last published: a
    published round takes no new, reopened or removed attempts (it has no way back to open), so a
    scoring that finished after the last version is a full re-score of the same people."""
    last = (
        Version.objects.filter(region_code=region.code, round_key=round_key(round_))
        .order_by("-number")
        .values_list("published_at", flat=True)
        .first()
    )
    finished = scoring.finished_at if scoring is not None else None
    return last is not None and finished is not None and finished > last


def publish_round(round_: Round, *, simulated: bool | None = None) -> Publication:
    """The region's explicit decision: send an announced round's aggregates to the benchmark (again: the
    new figures replace the old). ``simulated`` None keeps the mark of the figures it replaces."""
    if round_.state != Round.State.PUBLISHED:
        raise benchmark.PublishingError(
            _("Announce the round's results to its employees first; then its figures can be sent.")
        )
    region = current_region()
    if simulated is None:
        earlier = publication_of(round_)
        simulated = earlier.simulated if earlier is not None else False
    publication = benchmark.publish(figures_of_round(round_, region, simulated), own_keys=own_keys())
    audit_trail.record(
        "benchmark.published", subject=round_, participants=publication.participants, simulated=simulated
    )
    return publication


def withdraw_round(round_: Round) -> bool:
    withdrawn = benchmark.withdraw(current_region().code, round_key(round_))
    if withdrawn:
        audit_trail.record("benchmark.withdrawn", subject=round_)
    return withdrawn


def preview_round(round_: Round) -> benchmark.Preview:
    """What sending the round would publish now (protected and audited against its earlier versions)."""
    region = current_region()
    earlier = publication_of(round_)
    return benchmark.preview(figures_of_round(round_, region, earlier.simulated if earlier else False))


def publication_of(round_: Round) -> Publication | None:
    return Publication.objects.filter(region_code=current_region().code, round_key=round_key(round_)).first()


def own_publications(region: Region) -> list[Publication]:
    """The region's own rounds in the benchmark, newest first: never figures another source published
    under its code (the demo's simulated stand-ins for regions that had not signed up)."""
    return list(
        Publication.objects.filter(region_code=region.code, round_key__startswith=own_keys()).order_by(
            "-held_on", "-published_at"
        )
    )

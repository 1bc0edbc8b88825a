"""Closing a round: every attempt scored by the engine, aggregates per unit and segment, idempotent."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.utils import translation

from assessment.results.models import Aggregate, Score, ScoringRun
from assessment.results.services import closing, publishing, scoring
from assessment.rounds.models import Answer, Attempt, Round
from assessment.rounds.services import lifecycle
from assessment.scoring import score_matrix
from assessment.scoring.responses import code_responses
from tests.assessment.rounds.conftest import open_round


def test_a_closed_round_is_scored_with_aggregates_and_quality(scored: Any) -> None:
    _, round_ = scored
    scores = Score.objects.filter(round=round_)
    assert scores.count() == 360
    index = np.array([s.index for s in scores])
    # Simulated around Kukar's 2023 figures (index 2.3): 360 people land near them.
    assert abs(index.mean() - 2.32) < 0.2
    region_row = Aggregate.objects.get(round=round_, dimension="region")
    assert region_row.n == 360
    assert region_row.eligible == round_.participants.count()
    assert region_row.ci_low < region_row.mean < region_row.ci_high
    assert abs(sum(region_row.level_shares) - 1) < 1e-3
    assert sum(region_row.histogram) == pytest.approx(360)  # expected counts over the draws
    assert len(region_row.area_means) == 5
    assert abs(region_row.area_means[0] - 2.5) < 0.25
    assert region_row.area_means[2] < region_row.area_means[0]  # content creation lowest, as in 2023
    units = Aggregate.objects.filter(round=round_, dimension="unit")
    assert sum(u.n for u in units) == 360
    assert {a.dimension for a in Aggregate.objects.filter(round=round_)} >= {
        "status",
        "position_type",
        "rank_group",
        "age_band",
        "sex",
        "education",
    }
    run = ScoringRun.objects.get(round=round_)
    assert run.state == "done"
    assert 0.5 < run.quality["index_reliability"] < 1
    assert len(run.quality["items"]) == 60
    assert all(-1 <= i["r_pb"] <= 1 for i in run.quality["items"] if i["r_pb"] is not None)


def test_the_stored_score_is_the_engine_score_of_the_stored_answers(scored: Any) -> None:
    """Same answers, same score, whichever way they are scored (and in every region)."""
    _, round_ = scored
    score = Score.objects.filter(round=round_).order_by("pk").first()
    specs = scoring.item_specs(round_)
    stored = {a.item_code: a.response for a in Answer.objects.filter(attempt=score.attempt)}
    attempt = score.attempt
    coded = code_responses(specs, [stored], [attempt.item_order], [attempt.seen_items])
    person = score_matrix(specs, coded.scores, coded.administered).person(0)
    assert person.index == pytest.approx(score.index, abs=1e-4)
    assert [round(a.score, 4) for a in person.areas] == [a["score"] for a in score.areas]


def test_scoring_again_gives_the_same_figures(scored: Any) -> None:
    _, round_ = scored
    before = sorted(Score.objects.filter(round=round_).values_list("attempt_id", "index"))
    mean = Aggregate.objects.get(round=round_, dimension="region").mean
    scoring.score_round(round_)
    assert sorted(Score.objects.filter(round=round_).values_list("attempt_id", "index")) == before
    assert Aggregate.objects.get(round=round_, dimension="region").mean == mean


def test_an_unscored_round_cannot_be_published(scored: Any) -> None:
    region, _ = scored
    round_ = open_round(region, name="Ronde tanpa skor")
    round_ = closing.change_state(round_, Round.State.CLOSED, None)
    ScoringRun.objects.filter(round=round_).update(state=ScoringRun.State.QUEUED)
    with (
        translation.override("id"),
        pytest.raises(lifecycle.RoundError, match="setelah penskorannya selesai"),
    ):
        closing.change_state(round_, Round.State.PUBLISHED, None)
    assert Attempt.objects.filter(participant__round=round_).count() == 0


def test_simulate_round_command_gives_a_published_round_scored_by_the_engine(region_a: Any) -> None:
    """The documented command behind the demo's 2023 round, at a small scale: announced to its employees,
    and with ``--benchmark`` sent through the region's explicit step, as the demo sends Kukar's round."""
    import io

    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from assessment.people import demo as people_demo

    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        people_demo.seed(region_a, count=200)
    out = io.StringIO()
    call_command(
        "simulate_round",
        *("--region", region_a.slug, "--name", "Simulasi 2023", "--date", "2023-08-15", "--takers", "150"),
        "--benchmark",
        stdout=out,
    )
    assert "150 takers of 200 invited" in out.getvalue()
    with schema_context(region_a.schema_name):
        round_ = Round.objects.get(name="Simulasi 2023")
        assert round_.state == Round.State.PUBLISHED
        assert Score.objects.filter(round=round_).count() == 150
        assert Answer.objects.filter(attempt__participant__round=round_).count() > 150 * 40
        first = round_.sessions.first().starts_at.astimezone(region_a.tzinfo)
        assert first.date().isoformat() == "2023-08-15"
        publication = publishing.publication_of(round_)
        assert publication is not None
        assert (publication.participants, publication.simulated) == (150, True)


def test_closing_queues_the_scoring_task_which_reports_progress(scored: Any) -> None:
    """Closing queues results.score_round (after commit); the task scores and leaves its progress."""
    from django.core.cache import cache

    from assessment.results.tasks import progress_key, score_round_task

    region, _ = scored
    round_ = open_round(region, name="Ronde ditutup")
    round_ = closing.change_state(round_, Round.State.CLOSED, None)
    run = ScoringRun.objects.get(round=round_)
    assert run.state == ScoringRun.State.QUEUED
    assert score_round_task(round_.pk) == ScoringRun.State.DONE
    assert ScoringRun.objects.get(round=round_).state == ScoringRun.State.DONE
    assert cache.get(progress_key(round_.pk)) == (0, 0)  # nobody took this round
    assert closing.change_state(round_, Round.State.PUBLISHED, None).state == Round.State.PUBLISHED

"""Scoring a real round under the response-process rule: malformed answers, incomplete attempts,
takers still answering at close, segments frozen at the first scoring, figures that say their basis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.results.models import Aggregate, Score, ScoringRun
from assessment.results.services import publishing, reading, scoring
from assessment.rounds.models import Answer, Attempt, Participant, Round
from assessment.rounds.services import taking
from tests.assessment.results.conftest import scored_round
from tests.assessment.results.test_pages import signed_in
from tests.assessment.rounds.conftest import open_round


@pytest.fixture
def small(region_a: Any) -> Iterator[tuple[Any, Round]]:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield region_a, scored_round(region_a, employees=140, takers=120)


def _ordering_answer(round_: Round) -> Answer:
    codes = list(round_.form_items)
    from assessment.instrument.models import Item

    ordering = set(Item.objects.filter(code__in=codes, type="ordering").values_list("code", flat=True))
    return Answer.objects.filter(attempt__participant__round=round_, item_code__in=ordering).order_by("pk")[0]


def test_one_malformed_answer_does_not_stop_the_round(small: Any) -> None:
    _, round_ = small
    bad = _ordering_answer(round_)
    # A partial ordering written before the save path checked shapes (or by hand).
    Answer.objects.filter(pk=bad.pk).update(response=bad.response[:1])
    run = scoring.score_round(round_)
    assert run.state == ScoringRun.State.DONE
    assert run.malformed_answers == 1
    assert Score.objects.filter(round=round_).count() == 120
    score = Score.objects.get(attempt_id=bad.attempt_id)
    assert score.complete  # one item not administered for this person; the rest counts
    areas = {a["area"]: a["n"] for a in score.areas}
    assert sum(areas.values()) <= 59
    # The taker's own result is there (no error page).
    assert reading.own_score(Attempt.objects.get(pk=bad.attempt_id)) == score


def test_empty_and_half_done_attempts_are_incomplete_and_counted_nowhere(small: Any) -> None:
    _, round_ = small
    attempts = list(Attempt.objects.filter(participant__round=round_).order_by("pk")[:2])
    empty, half = attempts
    Answer.objects.filter(attempt=empty).delete()
    kept = list(Answer.objects.filter(attempt=half).order_by("pk").values_list("pk", flat=True)[:25])
    Answer.objects.filter(attempt=half).exclude(pk__in=kept).delete()
    scoring.score_round(round_)
    for attempt in (empty, half):
        score = Score.objects.get(attempt=attempt)
        assert not score.complete
        assert score.index is None
        assert score.level == 0  # never level 1 (Dasar)
        assert score.plausible == {}
    assert Score.objects.get(attempt=half).answered == 25
    region = Aggregate.objects.get(round=round_, dimension="region")
    assert region.n == 118
    assert region.incomplete == 2
    assert sum(u.n for u in Aggregate.objects.filter(round=round_, dimension="unit")) == 118
    assert ScoringRun.objects.get(round=round_).incomplete_attempts == 2
    people = publishing.people_of_round(round_)
    assert people.draws()[0].shape[1] == 118


def test_group_figures_come_from_plausible_values(small: Any) -> None:
    _, round_ = small
    region = Aggregate.objects.get(round=round_, dimension="region")
    draws = np.array([s.plausible["index"] for s in Score.objects.filter(round=round_, complete=True)])
    assert draws.shape[1] == scoring.PV_DRAWS
    assert region.mean == pytest.approx(draws.mean(), abs=1e-3)
    eap_mean = float(np.mean(Score.objects.filter(round=round_).values_list("index", flat=True)))
    assert region.mean != pytest.approx(eap_mean, abs=1e-6)  # not an average of EAPs
    assert region.mean_se is not None
    assert region.mean_se > 0
    assert region.ci_low < region.mean < region.ci_high
    assert sum(region.histogram) == pytest.approx(120, abs=0.05)
    # Scoring again draws the same values: the seed belongs to the round.
    scoring.score_round(round_)
    assert Aggregate.objects.get(round=round_, dimension="region").mean == region.mean


def test_segments_are_frozen_at_the_first_scoring(small: Any) -> None:
    _, round_ = small
    score = Score.objects.filter(round=round_, complete=True).select_related("employee").first()
    before = score.education
    employee = score.employee
    employee.education = "S3" if before != "S3" else "SMA/SMK"
    employee.save()
    scoring.score_round(round_)
    assert Score.objects.get(attempt_id=score.attempt_id).education == before


def test_closing_with_takers_still_answering_asks_first(region_a: Any) -> None:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        from assessment.people import demo as people_demo

        people_demo.seed(region_a, count=5)
        client, admin = signed_in(region_a, Role.REGION_ADMIN)
        round_ = open_round(region_a, admin, name="Ronde berjalan")
        taking.start(Participant.objects.filter(round=round_).first())
        page = client.post(f"/ronde/{round_.pk}/", {"action": "transition", "state": "closed"})
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="close-in-progress"' in html
        assert "1 peserta masih mengerjakan" in html
        assert Round.objects.get(pk=round_.pk).state == Round.State.OPEN
        done = client.post(
            f"/ronde/{round_.pk}/", {"action": "transition", "state": "closed", "close_in_progress": "1"}
        )
        assert done.status_code == 302
        assert Round.objects.get(pk=round_.pk).state == Round.State.CLOSED
        assert not Attempt.objects.filter(participant__round=round_, state="in_progress").exists()


def test_results_pages_say_the_parameters_are_provisional(small: Any) -> None:
    region, round_ = small
    client, _ = signed_in(region, Role.REGION_ADMIN)
    assert ScoringRun.objects.get(round=round_).parameters["status"] == "provisional"
    for url in (f"/hasil/{round_.pk}/", f"/hasil/{round_.pk}/kualitas/", f"/hasil/{round_.pk}/peta-jalan/"):
        html = client.get(url).content.decode()
        assert 'id="figures-basis"' in html, url
        assert "Parameter sementara" in html, url


def test_a_stored_response_that_is_not_a_list_is_malformed(small: Any) -> None:
    _, round_ = small
    answer = Answer.objects.filter(attempt__participant__round=round_).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rounds_answer SET response = %s::jsonb WHERE id = %s", [json.dumps({"x": 1}), answer.pk]
        )
    run = scoring.score_round(round_)
    assert run.state == ScoringRun.State.DONE
    assert run.malformed_answers == 1

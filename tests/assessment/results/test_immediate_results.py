"""A round that shows results at once (issue #15, point 2): the attempt is scored by a task queued on
submit; the employee sees the result, and signs in again with NIP and code after the round closed;
the round's own scoring takes over at close."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from accounts.roles import Role
from assessment.results import tasks
from assessment.results.models import Score, ScoringRun
from assessment.results.services import closing, immediate
from assessment.rounds.models import Attempt, Participant, Round
from assessment.rounds.services import codes, saving, taking
from tests.assessment.rounds.conftest import open_round, staffed
from tests.factories import make_user

__all__ = ["staffed"]  # the fixture, used by name below
HOST = "samarinda.localhost"
BUDI = "198703122010011003"


def _sign_in(participant: Participant) -> Client:
    client = Client(HTTP_HOST=HOST)
    response = client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _answer_everything(attempt: Attempt) -> None:
    for seq, code in enumerate(attempt.item_order, start=1):  # the first option of every item
        options = attempt.option_order[code]
        response = options if attempt.item_types[code] == "ordering" else options[:1]
        saving.save_answer(attempt, code, response, False, seq, str(uuid.uuid4()))


def test_submitting_scores_the_attempt_and_the_code_opens_the_result_after_the_close(
    staffed: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = open_round(staffed, admin, result_timing="immediate")
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = _sign_in(participant)
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"
    attempt = Attempt.objects.get(participant=participant)
    _answer_everything(attempt)

    queued: list[int] = []
    monkeypatch.setattr(tasks.score_attempt_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/tes/api/kirim").json()["state"] == "submitted"
    assert queued == [attempt.pk]  # queued once the submit is committed
    assert not Score.objects.filter(attempt=attempt).exists()
    assert tasks.score_attempt_task(attempt.pk) is True  # what the worker runs
    score = Score.objects.get(attempt=attempt)
    assert score.complete
    assert score.index is not None

    done = client.get("/tes/selesai/")
    assert done.context["result_at_once"]
    page = client.get("/tes/hasil/")
    assert page.context["score"] == score

    # The round closes: its scoring is queued (and will replace every score); the per-attempt scoring
    # steps aside, and the employee's code still opens the result they were promised.
    with django_capture_on_commit_callbacks(execute=False):
        closing.change_state(round_, Round.State.CLOSED, admin)
    assert ScoringRun.objects.get(round=round_).state == ScoringRun.State.QUEUED
    assert immediate.score_promptly(attempt.pk, again=True) is None
    assert Score.objects.get(attempt=attempt).pk == score.pk
    again = _sign_in(participant)
    assert again.get("/tes/mulai/")["Location"] == "/tes/hasil/"
    assert again.get("/tes/hasil/").context["score"] == score


def test_a_closed_round_that_shows_results_after_publication_keeps_its_codes_closed(
    staffed: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = open_round(staffed, admin)  # results after publication
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    attempt = taking.start(participant)
    _answer_everything(attempt)
    taking.submit(attempt)
    assert immediate.queue_scoring(attempt) is False
    with django_capture_on_commit_callbacks(execute=False):
        closing.change_state(round_, Round.State.CLOSED, admin)
    refused = Client(HTTP_HOST=HOST).post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)})
    assert refused.status_code == 400
    assert immediate.score_promptly(attempt.pk) is None
    assert not Score.objects.exists()

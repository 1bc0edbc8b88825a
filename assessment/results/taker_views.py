"""An employee's own result: index, areas, strengths and gaps, and a 20 JP learning plan.

Pages that show a result sign out after ``rounds.taker_views.RESULT_IDLE_SECONDS`` without activity
(the server, and the page's script ``rounds/idle.js``), for the phone or lab computer that is passed on;
every one has a sign-out button. Without a result yet, the page says why; while the attempt is being
scored it refreshes itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import access
from assessment.results.models import Score
from assessment.results.person_report import report_context
from assessment.results.reports import person_report_pdf
from assessment.results.services import reading
from assessment.rounds.models import Attempt, Participant, Round
from assessment.rounds.taker_views import (
    SIGNED_OUT_IDLE,
    idle_context,
    idle_expired,
    signed_in_participant,
)
from audit import services as audit_trail
from frontend.downloads import PDF, attachment

PENDING_REFRESH_SECONDS = 10  # the page waiting for a score asks again this often


@dataclass(frozen=True)
class Mine:
    """What the result page knows of the visitor: signed in at all, the newest visible score, and the
    attempt of their newest participation (to say why there is no result yet)."""

    signed_in: bool
    score: Score | None = None
    attempt: Attempt | None = None
    round: Round | None = None


def _mine(request: HttpRequest) -> Mine:
    participants = Participant.objects.none()
    # A taker session whose access code was revoked since it was opened counts as signed out.
    taker = signed_in_participant(request)
    if taker is not None:
        participants = Participant.objects.filter(employee_id=taker.employee_id)
    elif request.user.is_authenticated:
        participants = Participant.objects.filter(employee__user=request.user)
    else:
        return Mine(signed_in=False)
    newest: tuple[Attempt | None, Round] | None = None
    for participant in participants.select_related("round").order_by("-round__created_at"):
        attempt = Attempt.objects.filter(participant=participant).select_related("participant__round").first()
        if newest is None:
            newest = (attempt, participant.round)
        score = reading.own_score(attempt)
        if score is not None:
            return Mine(True, score, attempt, participant.round)
    if newest is None:
        return Mine(signed_in=True)
    return Mine(True, None, newest[0], newest[1])


def _pending_reason(mine: Mine) -> str:
    """Why the page shows no result: ``not_taken``, ``in_progress``, ``scoring`` (shown at once, being
    scored: the page refreshes itself) or ``publication`` (after the region publishes)."""
    if mine.attempt is None or mine.round is None:
        return "not_taken"
    if mine.attempt.state != Attempt.State.SUBMITTED:
        return "in_progress"
    if reading.result_released(mine.round):
        return "scoring"
    return "publication"


def _context(score: Score) -> dict[str, Any]:
    return report_context(score)


@access(public=True)
def my_result(request: HttpRequest) -> HttpResponse:
    if idle_expired(request):
        return redirect(f"{reverse('taker_login')}?keluar={SIGNED_OUT_IDLE}")
    mine = _mine(request)
    if not mine.signed_in:
        return redirect("taker_login")
    if mine.score is None:
        context = {
            "reason": _pending_reason(mine),
            "round": mine.round,
            "refresh_seconds": PENDING_REFRESH_SECONDS,
            **idle_context(request),  # nothing while a test is in progress
        }
        return render(request, "results/my_result_pending.html", context)
    if not mine.score.complete:
        return render(
            request, "results/my_result_pending.html", {"incomplete": mine.score, **idle_context(request)}
        )
    return render(request, "results/my_result.html", {**_context(mine.score), **idle_context(request)})


@access(public=True)
def my_result_pdf(request: HttpRequest) -> HttpResponse:
    if idle_expired(request):
        return redirect(f"{reverse('taker_login')}?keluar={SIGNED_OUT_IDLE}")
    mine = _mine(request)
    score = mine.score
    if score is None or not score.complete:
        return redirect("my_result" if mine.signed_in else "taker_login")
    content = person_report_pdf(score, str(getattr(request, "region", "") or ""), _context(score)["plan"])
    audit_trail.personal_export(request, "own_result", "pdf", subject=score.employee, round=score.round_id)
    return attachment(content, f"hasil-ikd-{score.employee.nip}.pdf", PDF)

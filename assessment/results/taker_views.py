"""An employee's own result: index, areas, strengths and gaps, and a 20 JP learning plan."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import access
from assessment.results import presentation
from assessment.results.exports import person_report_pdf
from assessment.results.models import Aggregate, Score
from assessment.results.services import reading, roadmaps
from assessment.results.services.reading import index_interval
from assessment.rounds.models import Attempt, Participant
from assessment.rounds.taker_views import signed_in_participant
from audit import services as audit_trail
from frontend.downloads import PDF, attachment


def _my_score(request: HttpRequest) -> tuple[Score | None, bool]:
    """The newest visible score of the signed-in taker; and whether they are signed in at all."""
    participants = Participant.objects.none()
    # A taker session whose access code was revoked since it was opened counts as signed out.
    taker = signed_in_participant(request)
    if taker is not None:
        participants = Participant.objects.filter(employee_id=taker.employee_id)
    elif request.user.is_authenticated:
        participants = Participant.objects.filter(employee__user=request.user)
    else:
        return None, False
    for participant in participants.select_related("round").order_by("-round__created_at"):
        attempt = Attempt.objects.filter(participant=participant).select_related("participant__round").first()
        score = reading.own_score(attempt)
        if score is not None:
            return score, True
    return None, True


def _context(score: Score) -> dict[str, Any]:
    fw = reading.framework_of(score.round)
    areas = reading.area_rows(score, fw)
    region = Aggregate.objects.filter(round=score.round, dimension="region").first()
    plan = roadmaps.personal_plan(score)
    low, high = index_interval(score)
    competences = reading.competence_rows(score, fw)
    return {
        "score": score,
        "employee": score.employee,
        "level_name": fw.levels.get(score.level, ""),
        "areas": areas,
        "chart": presentation.person_charts(areas, region),
        "gaps": competences[:5],
        "strengths": list(reversed(competences[-3:])),
        "competences": competences,
        "plan": plan,
        "low": low,
        "high": high,
        "framework": fw,
    }


@access(public=True)
def my_result(request: HttpRequest) -> HttpResponse:
    score, signed_in = _my_score(request)
    if not signed_in:
        return redirect("taker_login")
    if score is None:
        return render(request, "results/my_result_pending.html")
    if not score.complete:
        return render(request, "results/my_result_pending.html", {"incomplete": score})
    return render(request, "results/my_result.html", _context(score))


@access(public=True)
def my_result_pdf(request: HttpRequest) -> HttpResponse:
    score, signed_in = _my_score(request)
    if score is None or not score.complete:
        return redirect("my_result" if signed_in else "taker_login")
    content = person_report_pdf(score, str(getattr(request, "region", "") or ""), _context(score)["plan"])
    audit_trail.personal_export(request, "own_result", "pdf", subject=score.employee, round=score.round_id)
    return attachment(content, f"hasil-ikd-{score.employee.nip}.pdf", PDF)

"""The region admin opens one employee's report: the page the employee sees, and its PDF.

Region admins only (a unit coordinator follows participation, not single people's results). The round
must be scored; the employee's score in it decides what is shown (an incomplete attempt says so). The
PDF download is audited as an export of personal data, like every per-employee file.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.access import access
from accounts.roles import Role
from assessment.results import exports
from assessment.results.models import Score, ScoringRun
from assessment.results.person_report import report_context
from audit import services as audit_trail
from frontend.downloads import PDF, attachment


def _score(pk: int, employee_id: int) -> Score:
    return get_object_or_404(
        Score.objects.select_related("round__bank__framework", "round__scoring", "unit", "employee"),
        round_id=pk,
        employee_id=employee_id,
        round__scoring__state=ScoringRun.State.DONE,
    )


@access(roles=[Role.REGION_ADMIN])
def results_person(request: HttpRequest, pk: int, employee_id: int) -> HttpResponse:
    score = _score(pk, employee_id)
    if not score.complete:
        context = {"score": score, "employee": score.employee, "incomplete": True}
    else:
        context = {**report_context(score, about_someone=True), "incomplete": False}
    back = request.GET.get("dari", "")
    context["back"] = back if back in {"unit", "peserta"} else ""
    return render(request, "results/person.html", context)


@access(roles=[Role.REGION_ADMIN])
def results_person_pdf(request: HttpRequest, pk: int, employee_id: int) -> HttpResponse:
    score = _score(pk, employee_id)
    if not score.complete:
        return results_person(request, pk, employee_id)
    plan = report_context(score)["plan"]
    content = exports.person_report_pdf(score, str(getattr(request, "region", "") or ""), plan)
    audit_trail.personal_export(
        request, "employee_report", "pdf", subject=score.employee, round=score.round_id
    )
    return attachment(content, f"hasil-ikd-{score.employee.nip}.pdf", PDF)

"""Results pages of a region's site: the region, a unit, item quality, the roadmap, the catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from assessment.instrument.models import ParameterSet
from assessment.people.models import WorkUnit
from assessment.people.services import units as unit_services
from assessment.results import exports, presentation, reports
from assessment.results.forms import CourseForm, RoadmapForm
from assessment.results.models import ScoringRun, TrainingCourse
from assessment.results.services import catalogue, closing, publishing, reading, rescoring, roadmaps
from assessment.results.services.domains import national_domains
from assessment.results.tasks import progress_key
from assessment.rounds.models import Round
from assessment.rounds.services.lifecycle import RoundError
from audit import services as audit_trail
from frontend.downloads import CSV, PDF, XLSX, attachment
from tenants.services import approval

ADMIN = [Role.REGION_ADMIN]
STAFF = [Role.REGION_ADMIN, Role.UNIT_COORDINATOR]


def _region_name(request: HttpRequest) -> str:
    return str(getattr(request, "region", None) or "")


def _scored_round(pk: int) -> Round:
    return get_object_or_404(
        Round.objects.select_related("bank__framework"), pk=pk, scoring__state=ScoringRun.State.DONE
    )


@access(roles=STAFF)
def results_home(request: HttpRequest) -> HttpResponse:
    rounds = reading.scored_rounds()
    if rounds:
        return redirect("results_round", pk=rounds[0].pk)
    pending = Round.objects.filter(state__in=[Round.State.CLOSED, Round.State.PUBLISHED])
    return render(request, "results/none.html", {"pending": pending})


@access(roles=STAFF)
def results_round(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _scored_round(pk)
    scope = unit_services.scope_for(request.user)
    figures = reading.figures(round_, scope)
    fw = reading.framework_of(round_)
    context = {
        "round": round_,
        "rounds": reading.scored_rounds(),
        "figures": figures,
        "framework": fw,
        "charts": presentation.round_charts(figures, fw),
        "domains": national_domains(fw, figures.region.area_means if figures.region else None),
        "is_admin": scope is None,
        # Announcing and sending to the national benchmark are two steps: the admin's controls for the second.
        "benchmark": _benchmark_status(request, round_) if scope is None else None,
    }
    return render(request, "results/round.html", context)


def _benchmark_status(request: HttpRequest, round_: Round) -> dict[str, object]:
    return {
        "announced": round_.state == Round.State.PUBLISHED,
        "publication": publishing.publication_of(round_),
        "refusal": approval.publish_refusal(request.region),  # type: ignore[attr-defined]
    }


@access(roles=STAFF)
def results_unit(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    round_ = _scored_round(pk)
    scope = unit_services.scope_for(request.user)
    if scope is not None and unit_id not in scope:
        return HttpResponse(status=403)
    unit = get_object_or_404(WorkUnit, pk=unit_id)
    figures = reading.figures(round_, [unit_id])
    region = reading.figures(round_).region
    fw = reading.framework_of(round_)
    row = figures.units[0] if figures.units else None
    context = {
        "round": round_,
        "unit": unit,
        "row": row,
        "region": region,
        "framework": fw,
        "charts": presentation.unit_charts(row, region, fw) if row else {},
        "competences": presentation.competence_table(row, region, fw) if row else [],
    }
    return render(request, "results/unit.html", context)


@access(roles=ADMIN)
def results_quality(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _scored_round(pk)
    quality = round_.scoring.quality
    fw = reading.framework_of(round_)
    labels = {
        "too_easy": _("too easy"),
        "too_hard": _("too hard"),
        "negative_discrimination": _("negative discrimination"),
        "weak_discrimination": _("weak discrimination"),
        "rare_distractor": _("a wrong option almost nobody chooses"),
    }
    items = [{**i, "flags": [labels.get(f, f) for f in i["flags"]]} for i in quality.get("items", [])]
    flagged = [i for i in items if i["flags"]]
    context = {
        "round": round_,
        "quality": quality,
        "areas": [(code, name, quality.get("alpha_by_area", {}).get(code)) for code, name in fw.areas],
        "reliability": quality.get("reliability_by_area", {}),
        "flagged": flagged,
        "items": items,
    }
    return render(request, "results/quality.html", context)


@access(roles=ADMIN)
def results_roadmap(request: HttpRequest, pk: int, kind: str = "") -> HttpResponse:
    if kind not in {"", "xlsx", "pdf"}:
        raise Http404
    round_ = _scored_round(pk)
    region = reading.figures(round_).region
    start = region.mean if region and region.mean else 2.0
    # A reachable first proposal: at 20 JP a year the index moves by about 0.05 a year (docs/scoring.md 3.3).
    form = RoadmapForm(request.GET or None, initial={"target": round(start + 0.1, 2), "years": 3})
    plan = (
        roadmaps.region_roadmap(round_, float(form.cleaned_data["target"]), form.cleaned_data["years"])
        if form.is_valid()
        else None
    )
    if plan is not None and kind == "xlsx":
        return attachment(exports.roadmap_xlsx(plan, round_), f"peta-jalan-{round_.pk}.xlsx", XLSX)
    if plan is not None and kind == "pdf":
        content = reports.roadmap_pdf(plan, _region_name(request), round_.name, round_)
        return attachment(content, f"peta-jalan-{round_.pk}.pdf", PDF)
    context = {"round": round_, "form": form, "plan": plan, "start": start, "query": request.GET.urlencode()}
    return render(request, "results/roadmap.html", context)


@access(roles=STAFF)
def results_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in {"pdf", "xlsx", "csv"}:
        raise Http404
    round_ = _scored_round(pk)
    scope = unit_services.scope_for(request.user)
    if kind == "pdf":
        content = reports.region_report_pdf(round_, request.region, scope)  # type: ignore[attr-defined]
        return attachment(content, f"laporan-{round_.pk}.pdf", PDF)
    content = exports.scores_table(round_, scope, kind)
    audit_trail.personal_export(request, "employee_results", kind, subject=round_)
    return attachment(content, f"hasil-pegawai-{round_.pk}.{kind}", XLSX if kind == "xlsx" else CSV)


@access(roles=STAFF)
def results_unit_report(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    round_ = _scored_round(pk)
    scope = unit_services.scope_for(request.user)
    if scope is not None and unit_id not in scope:
        return HttpResponse(status=403)
    unit = get_object_or_404(WorkUnit, pk=unit_id)
    content = reports.region_report_pdf(round_, request.region, [unit_id], unit.name)  # type: ignore[attr-defined]
    return attachment(content, f"laporan-{unit.code}-{round_.pk}.pdf", PDF)


@access(roles=ADMIN)
def scoring_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar on the round page polls while the round is scored."""
    run = ScoringRun.objects.filter(round_id=pk).first()
    if run is None:
        return JsonResponse({"state": "none"})
    done, total = cache.get(progress_key(pk)) or (run.progress, run.total)
    return JsonResponse({"state": run.state, "done": done, "total": total, "failure": run.failure})


@access(roles=ADMIN)
@require_http_methods(["POST"])
def rescore(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk, state__in=[Round.State.CLOSED, Round.State.PUBLISHED])
    try:
        closing.queue_scoring(round_)
    except RoundError as exc:  # its answers are gone (retention)
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Scoring started again."))
    return redirect("round_detail", pk=pk)


@access(roles=ADMIN)
@require_http_methods(["POST"])
def rescore_under_version(request: HttpRequest, pk: int) -> HttpResponse:
    """The explicit step of the round page's "Parameter baru tersedia": score again under a newer
    accepted parameter version (rescoring.rescore_under records it)."""
    round_ = get_object_or_404(Round, pk=pk, state__in=[Round.State.CLOSED, Round.State.PUBLISHED])
    raw = request.POST.get("parameter_set", "")
    parameter_set = ParameterSet.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if parameter_set is None:
        messages.error(request, _("Choose the parameter version to score the round under."))
        return redirect("round_detail", pk=pk)
    try:
        rescoring.rescore_under(round_, parameter_set, request.user)
    except rescoring.RescoreError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Scoring under parameter version %(version)s started; the change is recorded in the history.")
            % {"version": parameter_set.version},
        )
    return redirect("round_detail", pk=pk)


@access(roles=STAFF)
def course_list(request: HttpRequest) -> HttpResponse:
    catalogue.ensure_seeded()
    can_edit = getattr(request.user, "role", "") == Role.REGION_ADMIN
    return render(
        request, "results/courses.html", {"courses": TrainingCourse.objects.all(), "can_edit": can_edit}
    )


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    course = get_object_or_404(TrainingCourse, pk=pk) if pk else None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The course was saved."))
        return redirect("course_list")
    return render(request, "results/course_edit.html", {"form": form, "course": course})

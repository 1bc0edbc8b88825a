"""Region admins and coordinators: rounds, sessions, participants, code sheets and test day, live."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from accounts.roles import Role
from assessment.people.models import WorkUnit
from assessment.people.services import units
from assessment.results.services import closing
from assessment.rounds import sheets
from assessment.rounds.forms import MinutesForm, ParticipantsForm, RoundForm, SessionForm
from assessment.rounds.models import Attempt, Participant, Round
from assessment.rounds.services import audit as round_audit
from assessment.rounds.services import codes, lifecycle, monitor, taking
from audit import services as audit_trail
from config import sites
from frontend.downloads import CSV, PDF, XLSX, attachment
from frontend.tabular import write_csv

ADMIN = [Role.REGION_ADMIN]
STAFF = [Role.REGION_ADMIN, Role.UNIT_COORDINATOR]
PARTICIPANTS_SHOWN = 100


def _unit_scope(request: HttpRequest) -> list[int] | None:
    return units.scope_for(request.user)


def _settings_from(form: RoundForm) -> lifecycle.RoundSettings:
    return lifecycle.RoundSettings(**form.cleaned_data)


@access(roles=STAFF)
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST":
        if request.user.role != Role.REGION_ADMIN:  # type: ignore[union-attr]
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                round_ = lifecycle.create_round(_settings_from(form), request.user)
            except lifecycle.RoundError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                return redirect("round_detail", pk=round_.pk)
    return render(request, "rounds/list.html", {"rounds": Round.objects.all(), "form": form})


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk)
    action = request.POST.get("action", "")
    initial = {f: getattr(round_, f) for f in RoundForm.base_fields}
    settings_form = RoundForm(request.POST if action == "settings" else None, initial=initial)
    session_form = SessionForm(request.POST if action == "session" else None)
    participants_form = ParticipantsForm(request.POST if action == "participants" else None)
    in_progress = 0
    try:
        if action == "settings" and settings_form.is_valid():
            lifecycle.update_round(round_, _settings_from(settings_form), request.user)
            messages.success(request, _("The round was saved."))
            return redirect("round_detail", pk=pk)
        if action == "session" and session_form.is_valid():
            data = session_form.cleaned_data
            lifecycle.add_session(
                round_,
                data["day"],
                data["start"],
                data["end"],
                request.region.tzinfo,  # type: ignore[attr-defined]
                request.user,
            )
            return redirect("round_detail", pk=pk)
        if action == "participants" and participants_form.is_valid():
            data = participants_form.cleaned_data
            change = lifecycle.set_participants(
                round_,
                mode=data["mode"],
                units=list(data["units"]),
                nips_text=data["nips_text"],
                actor=request.user,
            )
            messages.success(
                request,
                _("Participants: %(added)s, %(removed)s.")
                % {
                    "added": ngettext("%(n)s added", "%(n)s added", change.added)
                    % {"n": intcomma(change.added)},
                    "removed": ngettext("%(n)s removed", "%(n)s removed", change.removed)
                    % {"n": intcomma(change.removed)},
                },
            )
            return redirect("round_detail", pk=pk)
        if action == "transition":
            closing.change_state(
                round_,
                request.POST.get("state", ""),
                request.user,
                close_in_progress=request.POST.get("close_in_progress") == "1",
            )
            return redirect("round_detail", pk=pk)
    except closing.TakersInProgress as exc:
        in_progress = exc.count
        messages.warning(request, str(exc))
    except lifecycle.RoundError as exc:
        target = {"settings": settings_form, "session": session_form, "participants": participants_form}.get(
            action
        )
        if target is not None:
            target.add_error(exc.field if exc.field in target.fields else None, str(exc))
        else:
            messages.error(request, str(exc))
    round_.refresh_from_db()
    context = {
        "round": round_,
        "in_progress": in_progress,
        "settings_form": settings_form,
        "session_form": session_form,
        "participants_form": participants_form,
        "next_states": [(s, Round.State(s).label) for s in sorted(lifecycle.TRANSITIONS[round_.state])],
        "units": monitor.unit_progress(round_),
        "history": round_audit.history(
            round_,
            request.region.tzinfo,  # type: ignore[attr-defined]
            request.region.time_zone,  # type: ignore[attr-defined]
        ),
        "participant_count": round_.participants.count(),
    }
    return render(request, "rounds/detail.html", context)


@access(roles=STAFF)
def code_sheet(request: HttpRequest, pk: int, unit_id: int, kind: str) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk)
    scope = _unit_scope(request)
    if scope is not None and unit_id not in scope:
        raise Http404  # another unit's codes: as if it did not exist
    if kind not in {"pdf", "xlsx"}:
        raise Http404
    unit = get_object_or_404(WorkUnit, pk=unit_id)
    audit_trail.personal_export(request, "code_sheet", kind, subject=round_, unit=unit.code)
    if kind == "pdf":
        # Printed for employees: the region's configured address, not this request's Host (config.sites).
        site = sites.region_url(request.region)  # type: ignore[attr-defined]
        region = request.region  # type: ignore[attr-defined]
        content = sheets.pdf(round_, unit.name, unit.pk, site, region.tzinfo, region.time_zone)
        return attachment(content, f"kode-akses-{unit.code}.pdf", PDF)
    return attachment(sheets.xlsx(round_, unit.pk), f"kode-akses-{unit.code}.xlsx", XLSX)


@access(roles=STAFF)
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk)
    query = request.GET.get("q", "").strip()
    qs = Participant.objects.filter(round=round_).select_related("employee", "unit", "attempt")
    scope = _unit_scope(request)
    if scope is not None:
        qs = qs.filter(unit_id__in=scope)
    unit_id = request.GET.get("unit", "")
    unit = WorkUnit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
    if unit_id and (unit is None or (scope is not None and unit.pk not in scope)):
        raise Http404  # another unit's people: as if it did not exist
    if unit is not None:
        qs = qs.filter(unit=unit)
    not_started = request.GET.get("status") == "not_started"
    if not_started:
        qs = qs.filter(attempt__isnull=True)
    if query:
        qs = (
            qs.filter(employee__nip__startswith=query)
            if query.isdigit()
            else qs.filter(employee__full_name__icontains=query)
        )
    rows = list(qs.order_by("employee__full_name")[:PARTICIPANTS_SHOWN])
    context = {
        "round": round_,
        "rows": rows,
        "total": len(rows) if len(rows) < PARTICIPANTS_SHOWN else qs.count(),
        "shown": PARTICIPANTS_SHOWN,
        "query": query,
        "unit": unit,
        "not_started": not_started,
        "minutes_form": MinutesForm(),
    }
    return render(request, "rounds/participants.html", context)


@access(roles=ADMIN)
@require_POST
def participant_action(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    participant = get_object_or_404(Participant, pk=participant_id, round_id=pk)
    action = request.POST.get("action")
    form = MinutesForm(request.POST)
    try:
        if action == "revoke":
            code = codes.revoke(participant, request.user)
            messages.success(
                request,
                _("New access code for %(name)s: %(code)s")
                % {"name": participant.employee.full_name, "code": code},
            )
        elif action in {"extend", "reopen"} and form.is_valid():
            attempt = Attempt.objects.get(participant=participant)
            operation = taking.extend_time if action == "extend" else taking.reopen
            operation(attempt, form.cleaned_data["minutes"], request.user, form.cleaned_data["reason"])
            messages.success(request, _("Done for %(name)s.") % {"name": participant.employee.full_name})
        else:
            messages.error(request, _("Give the number of minutes (1 to 120)."))
    except (taking.TakingError, Attempt.DoesNotExist) as exc:
        messages.error(request, str(exc) if isinstance(exc, taking.TakingError) else _("No attempt yet."))
    return redirect(f"/ronde/{pk}/peserta/?q={participant.employee.nip}")


@access(roles=STAFF)
def live(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk)
    scope = _unit_scope(request)
    # A coordinator is told which units the page covers (they and their sub-units).
    scope_units = None if scope is None else WorkUnit.objects.filter(coordinators=request.user.pk)
    return render(request, "rounds/live.html", {"round": round_, "scope_units": scope_units})


@access(roles=STAFF)
def live_data(request: HttpRequest, pk: int) -> JsonResponse:
    round_ = get_object_or_404(Round, pk=pk)
    scope = _unit_scope(request)
    units = monitor.unit_progress(round_, scope)
    listing = reverse("round_participants", args=[pk])
    for unit in units:  # the unit's own links: who has not started, its access-code sheets
        unit["links"] = {
            "not_started": f"{listing}?unit={unit['unit_id']}&status=not_started",
            "pdf": reverse("code_sheet", args=[pk, unit["unit_id"], "pdf"]),
            "xlsx": reverse("code_sheet", args=[pk, unit["unit_id"], "xlsx"]),
        }
    totals = {k: sum(u[k] for u in units) for k in ("invited", "started", "submitted")}
    return JsonResponse(
        {
            "state": round_.get_state_display(),
            "units": units,
            "totals": totals,
            "rate": monitor.rate(round_, scope),
        }
    )


@access(roles=STAFF)
def not_started_export(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(Round, pk=pk)
    rows = (
        [p.unit.name, p.employee.nip, p.employee.full_name, p.employee.phone]
        for p in monitor.not_started(round_, _unit_scope(request))
    )
    # Names and phone numbers are data: the shared writer keeps "=..." or "+62..." from running.
    content = write_csv(["Unit Kerja", "NIP", "Nama", "Nomor HP"], rows)
    audit_trail.personal_export(request, "not_started", "csv", subject=round_)
    return attachment(content, "belum-mulai.csv", CSV)

"""The platform operator's calibration pages (public site, /operator/kalibrasi/): thin views on the services.

* The list: every bank's parameter sets (computing, proposed, accepted, failed) with the persons and
  regions they rest on, and the regions that consent to contribute with their closed rounds (counts).
* A new national calibration: the closed rounds of consenting regions, grouped by region; the choice
  goes to ``jobs.start_national_calibration``, whose refusals come back at the field; the job runs
  in Celery and its page reloads itself (a meta refresh: no script, nothing for the CSP to allow) until
  the proposal is there.
* The proposal's report (``operator_report``) with the acceptance form: the operator is the signed-in
  user, items may be left out of scoring (DIF category C), and a confirmation box is required by the
  server as well as the page.

Only the operator opens them (``accounts.access``); the region-side re-score control lives with the
round (``assessment.results.views.rescore_under_version``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from accounts.roles import Role
from assessment.instrument import calibration, operator_report
from assessment.instrument.calibration import CalibrationError, jobs, national, versions
from assessment.instrument.models import CalibrationJob, ItemBank, ParameterSet
from assessment.instrument.operator_forms import AcceptForm, NewCalibrationForm

OPERATOR = [Role.PLATFORM_OPERATOR]
REFRESH_SECONDS = 3


def _operator_name(request: HttpRequest) -> str:
    user: Any = request.user
    name = (getattr(user, "full_name", "") or "").strip()
    email = user.get_username()
    return f"{name} <{email}>" if name and name != email else email


@access(roles=OPERATOR)
def calibration_home(request: HttpRequest) -> HttpResponse:
    banks = list(ItemBank.objects.select_related("framework").order_by("code", "version"))
    sets = ParameterSet.objects.exclude(kind=ParameterSet.Kind.BASELINE).select_related("bank")
    runs = CalibrationJob.objects.exclude(state=CalibrationJob.State.DONE)
    options = jobs.available_rounds()
    regions = sorted(jobs.consenting_regions(), key=lambda region: region.name)
    context = {
        "sections": operator_report.bank_sections(
            banks, sets, runs, {bank.pk: versions.current(bank) for bank in banks}
        ),
        "contributors": operator_report.contributing_regions(regions, options),
        "min_persons": national.MIN_PERSONS,
    }
    return render(request, "instrument/operator/calibration_list.html", context)


@access(roles=OPERATOR)
@require_http_methods(["GET", "POST"])
def calibration_new(request: HttpRequest) -> HttpResponse:
    options = jobs.available_rounds()
    form = NewCalibrationForm(
        request.POST if request.method == "POST" else None, options=options, min_persons=national.MIN_PERSONS
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            choices = [jobs.RoundChoice(o.region_code, o.round_id) for o in form.chosen()]
            try:
                job = jobs.start_national_calibration(
                    form.bank(),  # type: ignore[arg-type]  # known: clean() refused a missing bank
                    choices,
                    request.user.get_username(),
                    min_persons=national.MIN_PERSONS,
                )
            except CalibrationError as exc:
                # Every refusal of the choice concerns the rounds chosen (their regions, states, bank
                # and persons): shown at that field, whatever finer field the service names.
                field = getattr(exc, "field", "rounds")
                form.add_error(field if field in form.fields else "rounds", str(exc))
            else:
                return redirect("operator_calibration_job", pk=job.pk)
        status = 400
    context = {
        "form": form,
        "regions": operator_report.rounds_by_region(options, form["rounds"].value() or []),
        "min_persons": national.MIN_PERSONS,
    }
    return render(request, "instrument/operator/calibration_new.html", context, status=status)


@access(roles=OPERATOR)
def calibration_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(CalibrationJob.objects.select_related("bank"), pk=pk)
    if job.state == CalibrationJob.State.DONE and job.parameter_set_id is not None:
        return redirect("operator_calibration_set", pk=job.parameter_set_id)
    running = job.state in {CalibrationJob.State.QUEUED, CalibrationJob.State.RUNNING}
    context = {
        "job": job,
        "running": running,
        "regions": len({c.get("region") for c in job.choices or []}),
        "rounds": len(job.choices or []),
        "refresh": REFRESH_SECONDS,
        "step": operator_report.step_label(job.step or ""),
    }
    return render(request, "instrument/operator/calibration_job.html", context)


def _set_page(
    request: HttpRequest, parameter_set: ParameterSet, form: AcceptForm | None = None, status: int = 200
) -> HttpResponse:
    report = operator_report.report(parameter_set)
    form = form or AcceptForm(codes=report.item_codes)
    bank = parameter_set.bank
    context = {
        "ps": parameter_set,
        "report": report,
        "form": form,
        "left_out": set(form["leave_out"].value() or []) if form.is_bound else set(),
        "current": versions.current(bank),
        "history": versions.history(bank),
        "next_version": max((v.version for v in versions.history(bank)), default=0) + 1,
    }
    return render(request, "instrument/operator/calibration_set.html", context, status=status)


@access(roles=OPERATOR)
def calibration_set(request: HttpRequest, pk: int) -> HttpResponse:
    parameter_set = get_object_or_404(ParameterSet.objects.select_related("bank__framework"), pk=pk)
    return _set_page(request, parameter_set)


@access(roles=OPERATOR)
@require_POST
def calibration_accept(request: HttpRequest, pk: int) -> HttpResponse:
    parameter_set = get_object_or_404(ParameterSet.objects.select_related("bank__framework"), pk=pk)
    codes = operator_report.report(parameter_set).item_codes
    form = AcceptForm(request.POST, codes=codes)
    if not form.is_valid():
        return _set_page(request, parameter_set, form, status=400)
    try:
        accepted = calibration.accept(
            parameter_set, _operator_name(request), leave_out=form.cleaned_data["leave_out"]
        )
    except CalibrationError as exc:
        form.add_error(None, str(exc))
        return _set_page(request, parameter_set, form, status=400)
    messages.success(
        request,
        _(
            "Version %(version)s of bank %(bank)s is accepted and is now its current parameters. Rounds keep "
            "the version they were scored with until their region re-scores them explicitly."
        )
        % {"version": accepted.version, "bank": accepted.bank},
    )
    return redirect("operator_calibration_set", pk=accepted.pk)

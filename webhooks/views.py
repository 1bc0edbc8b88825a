"""The region admin's webhook pages (``/pengaturan/webhook/``): endpoints, their delivery log, the test
send and sending a failed delivery again. Region admins only; a read-only region's POSTs are refused by
``RegionStatusMiddleware`` like every other change. The work is in ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from accounts.roles import Role
from webhooks.forms import EVENT_LABELS, EndpointForm
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoints as service
from webhooks.services.signing import SIGNATURE_HEADER

ADMIN = [Role.REGION_ADMIN]
LOG_LENGTH = 50


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@access(roles=ADMIN)
def webhook_list(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/list.html", {"rows": service.listing(), "labels": EVENT_LABELS})


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_create(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        endpoint = service.create(
            data["url"], data["description"], data["events"], data["active"], request.user
        )
        # The secret is shown on this answer only (no redirect that could be reloaded later).
        context = {"endpoint": endpoint, "header": SIGNATURE_HEADER}
        return _no_store(render(request, "webhooks/created.html", context))
    return render(request, "webhooks/form.html", {"form": form})


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=pk)
    form = EndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        if service.update(form.save(commit=False), form.changed_data):
            # A new URL has a new secret, shown on this answer only, as on creation.
            context = {"endpoint": endpoint, "header": SIGNATURE_HEADER, "rotated": True}
            return _no_store(render(request, "webhooks/created.html", context))
        messages.success(request, _("Webhook saved."))
        return redirect("webhook_detail", pk=endpoint.pk)
    deliveries = Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")[:LOG_LENGTH]
    context = {"endpoint": endpoint, "form": form, "deliveries": deliveries, "labels": EVENT_LABELS}
    return render(request, "webhooks/detail.html", context)


@access(roles=ADMIN)
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=pk)
    delivery = service.send_test(endpoint)
    if delivery.status == Delivery.Status.SUCCEEDED:
        messages.success(
            request,
            _("Test sent: the receiver answered HTTP %(code)s in %(ms)s ms.")
            % {"code": delivery.last_status_code, "ms": delivery.duration_ms},
        )
    else:
        messages.error(
            request, _("Test failed: %(error)s") % {"error": delivery.last_error or delivery.last_status_code}
        )
    return redirect("webhook_detail", pk=endpoint.pk)


@access(roles=ADMIN)
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=pk)
    service.set_active(endpoint, not endpoint.active)
    messages.success(request, _("Webhook enabled.") if endpoint.active else _("Webhook disabled."))
    return redirect("webhook_detail", pk=endpoint.pk)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=pk)
    if request.method == "POST":
        service.delete(endpoint)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhook_list")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint})


@access(roles=ADMIN)
@require_POST
def webhook_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("endpoint"), pk=pk)
    if not delivery.can_resend:
        messages.error(request, _("Only a failed delivery can be sent again."))
        return redirect("webhook_detail", pk=delivery.endpoint_id)
    delivery = service.resend(delivery)
    if delivery.status == Delivery.Status.SUCCEEDED:
        messages.success(
            request,
            _("Sent again: the receiver answered HTTP %(code)s.") % {"code": delivery.last_status_code},
        )
    else:
        messages.error(request, _("Sending again failed: %(error)s") % {"error": delivery.last_error})
    return redirect("webhook_detail", pk=delivery.endpoint_id)

"""The provider's webhook: POST /billing/webhook/ on the public host.

Verify the signature (and that its timestamp is at most ``BILLING_WEBHOOK_TOLERANCE`` seconds old: a
replayed old delivery is refused), store the event by its id and answer 200; the worker processes it
(``billing.services.events``). A bad signature or an old timestamp gets 400 and nothing is stored.
Without a configured provider the endpoint does not exist (404).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import access
from billing.providers import get_provider
from billing.providers.base import InvalidWebhook
from billing.services import events

log = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # Stripe's events are a few kilobytes


@access(public=True)  # no session: the provider's signature is the authentication
@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    provider = get_provider()
    if provider is None:
        return HttpResponse(status=404)
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        return HttpResponseBadRequest("too large")
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = provider.verify_webhook(request.body, signature, tolerance=settings.BILLING_WEBHOOK_TOLERANCE)
    except InvalidWebhook as exc:
        log.warning("billing webhook refused: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    received = events.receive(event)
    return JsonResponse({"received": received.event_id, "new": received.new})

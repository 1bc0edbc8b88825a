"""The first middleware: request id, request metrics, and the probe and metrics endpoints.

It runs before the region is resolved (settings: first in ``MIDDLEWARE``), so that

- every log line of the request, the region middleware's included, carries the request id;
- the time measured is the whole request's;
- ``/metrics`` and ``/readyz`` answer on any host (a probe or a scraper addresses the pod, not a
  region's name) and cost no region lookup. ``/healthz`` stays a normal view (frontend.views).

Per request it costs a header read (from ``META``: ``request.headers`` builds a mapping of every
header, 10 us), a ``time.perf_counter`` pair, one counter increment and one histogram observation on
label children looked up once (:func:`config.observability.metrics.request_done`): about 11 us in
all (tests/perf/bench_metrics.py measures it, and a no-op view with and without it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.observability import context, metrics, probes

_STATUS_CLASS = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


def route_of(request: HttpRequest) -> str:
    """A bounded name for what the request asked: the URL's name, else its pattern, never the path."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.url_name or match.route or "unnamed"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.endpoints: dict[str, Callable[[HttpRequest], HttpResponse]] = {
            probes.METRICS_PATH: probes.metrics_endpoint,
            probes.READY_PATH: probes.readyz,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        request_id = context.new_request_id(request.META.get(context.REQUEST_ID_META))
        context.set_request_id(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        endpoint = self.endpoints.get(request.path_info)
        if endpoint is not None:  # not counted: a scrape every few seconds is not traffic
            response = endpoint(request)
        else:
            response = self.get_response(request)
            metrics.request_done(
                route_of(request),
                _STATUS_CLASS.get(response.status_code // 100, "other"),
                time.perf_counter() - start,
            )
        response[context.REQUEST_ID_HEADER] = request_id
        return response

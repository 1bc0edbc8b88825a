"""Request hygiene for every site: a NUL byte in the address or in a form is refused with a 400.

PostgreSQL text cannot hold NUL (U+0000): psycopg raises ``ValueError`` as soon as such a value is
sent in a query, so a search box given ``?q=%00`` answered 500 on every page that filters by what it
receives, and a new page would have been the next one.  No name, NIP, code or search term has a use
for NUL, so the request is refused once, here, before any view, form or session reads it, rather
than each view cleaning its parameters.

Checked: the path, the query string and form fields (names and values).  Not checked: the content of
an uploaded file (an ``.xlsx`` is binary; its reader validates what it takes from it), the names of
uploaded files (Django's parser already drops NUL from them) and JSON bodies (the views parse them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

NUL = "\x00"


def _lists_hold_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def has_nul(request: HttpRequest) -> bool:
    """Whether the request's path, query string or form data holds a NUL byte."""
    if NUL in request.path or _lists_hold_nul(request.GET):
        return True
    if request.method != "POST":
        return False
    # Only form encodings are parsed here (request.POST is empty for JSON, without reading the body).
    return _lists_hold_nul(request.POST)


class RejectNulMiddleware:
    """Answer 400 (the product's error page) to a request that carries a NUL byte."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            logger.warning(
                "Refused a request with a NUL byte: %s %s", request.method, request.path.replace(NUL, "\\0")
            )
            context = {
                "title": _("Invalid request"),
                "message": _("The address or the form contains a character that is not allowed."),
            }
            if request.path.startswith("/api/"):  # API clients read JSON, as for every other API error
                return JsonResponse({"detail": context["message"]}, status=400)
            return render(request, "frontend/error.html", context, status=400)
        return self.get_response(request)

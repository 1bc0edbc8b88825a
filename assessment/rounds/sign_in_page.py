"""The taker's sign-in page, rendered once per region and language and kept by the process.

In a start storm every taker opens this page first (10,303 of them within minutes for one Kukar), and
rendering it (the base template, its translations and static links) was most of the request's CPU. For a
visitor who is not signed in, has no message waiting and asked for the plain address, the page is the
same for everybody of a region in one language except its CSRF token. So it is rendered with a
placeholder where the token goes, kept, and each request gets the copy with its own token (asking for
the token also sets the CSRF cookie, as rendering would). Anything else (an error, ``?keluar=``, a
signed-in staff user, a waiting message) is rendered as before.

The key holds what the page shows of the region (name, read-only state and its reason), so a renamed
or suspended region gets a new copy at once in this process; a template changes only with a deployment,
which restarts the processes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

TEMPLATE = "rounds/taker_login.html"
PLACEHOLDER = "ikdSignInCsrfTokenPlaceholder"  # letters only: the csrf tag outputs it unescaped as is
KEPT = 256  # regions x languages held by one process before it starts over
_pages: dict[tuple[Any, ...], str] = {}


def cacheable(request: HttpRequest) -> bool:
    """Whether the request gets the shared page: a GET of the bare address by a visitor with no message
    waiting (reading the messages does not consume them)."""
    return (
        request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and len(messages.get_messages(request)) == 0
    )


def response(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    region = getattr(request, "region", None)
    key = (
        getattr(region, "schema_name", None),
        getattr(region, "name", None),
        getattr(region, "is_read_only", None),
        getattr(region, "status_reason", None),
        get_language(),
    )
    page = _pages.get(key)
    if page is None:
        page = render(request, TEMPLATE, {**context, "csrf_token": PLACEHOLDER}).content.decode()
        if len(_pages) >= KEPT:
            _pages.clear()
        _pages[key] = page
    return HttpResponse(page.replace(PLACEHOLDER, get_token(request)))


def forget() -> None:
    _pages.clear()

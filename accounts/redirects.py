"""Where a ``next=`` parameter may send the browser: the request's own host only.

``ALLOWED_HOSTS`` names the platform's domain and every subdomain of it (``.BASE_DOMAIN``), because every
region has its host there. allauth's own check accepts any host ``ALLOWED_HOSTS`` accepts, so a sign-in on
``samarinda.<domain>`` with ``?next=https://evil.<domain>/phish`` (or ``//evil.<domain>/``) ended on a host
the platform does not serve, or on another region's. A redirect after signing in, out or up, after a
password change or reauthentication, goes to the same host instead: a path, or an absolute URL naming this
very host, with https when the request came over https.

``is_same_host`` is the one check: ``accounts.adapters.AccountAdapter.is_safe_url`` uses it, and through it
every ``next`` allauth honours (sign-in, sign-in by code, the second factor's step, sign-out,
reauthentication, password change); a view of ours that honours a redirect parameter must use it too.
None does today: the other ``next`` the project reads, billing's ``?next=upgrade``, names a page and is
compared with that name; the URLs the project builds with ``next=`` (the sign-in page's, the enrolment
link's) are made by the server. Django's language switch (``set_language``) applies the same rule itself
(``allowed_hosts={request.get_host()}``, ``require_https=request.is_secure()``).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_same_host(request: HttpRequest | None, url: str | None) -> bool:
    """Whether ``url`` stays on the request's host (a relative URL does); without a request, only a
    relative URL does."""
    if not url:
        return False
    allowed = {request.get_host()} if request is not None else set()
    secure = request.is_secure() if request is not None else False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=allowed, require_https=secure)

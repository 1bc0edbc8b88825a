"""Browser-side hardening headers on every response: Content-Security-Policy and Permissions-Policy.

Django's SecurityMiddleware already sends X-Content-Type-Options (``SECURE_CONTENT_TYPE_NOSNIFF``),
Referrer-Policy (``SECURE_REFERRER_POLICY``), Cross-Origin-Opener-Policy and, on HTTPS, HSTS
(``SECURE_HSTS_SECONDS``); X-Frame-Options comes from its own middleware. Django 5.2 has no setting for
the two headers here, so this small middleware adds them.

The policy is strict because the product allows it: every script, style, font and image is served by
the app itself (the brief forbids other hosts), and no template has inline ``<script>`` code, an
``on*=`` handler or a ``style`` attribute or block (tests/frontend/test_security_headers.py scans the
templates and fails when one is added; behaviour goes into the static JS files and looks into ikd.css).
So ``script-src 'self'`` and ``style-src 'self'``, without ``'unsafe-inline'``: an injected
``<script>`` or handler does not run even if escaping fails somewhere. ``img-src`` also allows
``data:`` for the QR code of the TOTP set-up page (allauth renders it as a data URI). Scripts may
still set ``element.style`` (CSSOM), which CSP does not govern: the progress bars use that.

``form-action``: on the public site the signup form's answer redirects the new admin to their region's
host (a subdomain), and browsers check redirects after a form submission against ``form-action`` too,
so the public site allows ``*.BASE_DOMAIN`` as a target; a region's site posts only to itself.

A view may send its own policy (the header is only set when absent).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Features the product never uses, refused for the page and anything it might embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def content_security_policy(*, public_site: bool) -> str:
    policy = dict(BASE_POLICY)
    if public_site:
        # No scheme: the page's own (http on localhost, https in production); any port, for the demo.
        policy["form-action"] += f" *.{settings.BASE_DOMAIN}:*"
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_policy = content_security_policy(public_site=True)
        self.region_policy = content_security_policy(public_site=False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # RegionMiddleware (first in the list) sets request.region: None on the public site.
        public_site = getattr(request, "region", None) is None
        response.headers.setdefault(
            "Content-Security-Policy", self.public_policy if public_site else self.region_policy
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

"""What every page knows, as ``ikd``: the region or the public site, the platform's address and the
header links.

The brief named this ``site``, but allauth's views put their own ``site`` (the Sites framework object)
into the context of the sign-in pages, which would hide ours there; ``ikd`` is never shadowed.
No database query happens here: the region is the one the middleware already loaded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

PRODUCT_NAME = "IKD ASN"


def _public_url(request: HttpRequest, base_domain: str) -> str:
    """The public site at the scheme and port of the current request, e.g. ``http://localhost:8000/``."""
    try:
        scheme = request.scheme or "http"
    except Exception:  # a request built by hand in a test may lack META
        scheme = "http"
    try:
        port = str(request.get_port() or "")
    except Exception:  # ...or SERVER_PORT
        port = ""
    suffix = "" if port in {"", "80", "443"} else f":{port}"
    return f"{scheme}://{base_domain}{suffix}/"


def site(request: HttpRequest) -> dict[str, Any]:
    region = getattr(request, "region", None)
    base_domain = getattr(settings, "BASE_DOMAIN", "localhost")
    return {
        "ikd": {
            "region": region,
            "is_public": region is None,
            "base_domain": base_domain,
            "public_url": _public_url(request, base_domain),
            "product_name": PRODUCT_NAME,
            "nav": getattr(request, "ikd_nav", []),
        }
    }

"""What every page knows, as ``ikd`` (allauth already uses ``site``): the region or the public site,
the platform's address and the header links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    region = getattr(request, "region", None)
    try:
        port = request.get_port()
    except Exception:  # a request built by hand in a test may lack SERVER_PORT
        port = "80"
    scheme = getattr(request, "scheme", "http") or "http"
    default = "443" if scheme == "https" else "80"
    suffix = "" if port in {default, ""} else f":{port}"
    return {
        "ikd": {
            "region": region,
            "is_public": region is None,
            "base_domain": settings.BASE_DOMAIN,
            "public_url": f"{scheme}://{settings.BASE_DOMAIN}{suffix}/",
            "product_name": "IKD ASN",
            "nav": getattr(request, "ikd_nav", []),
        }
    }

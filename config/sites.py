"""Absolute addresses of the platform's sites, from configuration, never from the request.

A link that leaves the request (in a mail: password reset, address confirmation, sign-in code, the
operator's enrolment link, an approval notice) is read later by someone other than the client who caused
it. Built with ``request.build_absolute_uri()`` it would carry whatever ``Host`` header (with its port)
that client sent: an attacker asks for a reset of the victim's account with ``Host:
samarinda.localhost:6666`` and the victim's mail points at a port the attacker listens on, key included.
django-tenants only checks the host name (it drops the port), so the tenant is right and the link is
not. Here the host is the region's own primary ``Domain`` row (the public site is ``BASE_DOMAIN``) and
the scheme and port are the settings ``SITE_SCHEME`` and ``SITE_PORT``.

Redirects answered to the same client (e.g. signup to the new region's host) may keep using the
request: there the client only misleads itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django_tenants.utils import get_public_schema_name

from tenants.schemas import current_schema

if TYPE_CHECKING:
    from tenants.models import Region

DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin(host: str, *, port: str | int | None = None) -> str:
    """``scheme://host[:port]`` with the configured scheme; the port only when it is not the default."""
    scheme = settings.SITE_SCHEME
    port = str(settings.SITE_PORT if port is None else port).strip()
    suffix = "" if port in {"", DEFAULT_PORTS.get(scheme, "")} else f":{port}"
    return f"{scheme}://{host}{suffix}"


def region_host(region: Region) -> str:
    """The region's primary host name as configured (its Domain row), else ``<slug>.BASE_DOMAIN``."""
    from tenants.models import Domain

    # Ordered so that a region with several host names but no primary one still gets a stable answer.
    domain = (
        Domain.objects.filter(tenant_id=region.pk)
        .order_by("-is_primary", "pk")
        .values_list("domain", flat=True)
    ).first()
    return domain or f"{region.slug}.{settings.BASE_DOMAIN}"


def public_url(path: str = "/", *, port: str | int | None = None) -> str:
    return origin(settings.BASE_DOMAIN, port=port) + path


def region_url(region: Region, path: str = "/", *, port: str | int | None = None) -> str:
    return origin(region_host(region), port=port) + path


def current_site_url(path: str = "/") -> str:
    """The address of ``path`` on the site of the schema the connection is on (a region or the public
    site)."""
    from tenants.models import Region

    schema = current_schema()
    if schema == get_public_schema_name():
        return public_url(path)
    region = Region.objects.filter(schema_name=schema).first()
    if region is None:  # a schema without a region (template, spare): nothing links there
        raise LookupError(f"no region uses the schema {schema!r}")
    return region_url(region, path)


def current_site_host() -> str:
    """``host[:port]`` of the current schema's site, as mails show it (allauth's ``current_site.domain``)."""
    return current_site_url("").split("://", 1)[1]

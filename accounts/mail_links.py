"""Addresses in allauth's mails from configuration, never from the request's Host header.

Every address allauth puts in a mail (the reset link, the confirmation link, the closing "site" line,
any other ``*_url`` of the context) is built here from config.sites: the site of the schema the request
is on, with the configured scheme and port. allauth builds them from the request's Host header, which
the client chooses, so a reset asked for with ``Host: samarinda.localhost:6666`` would mail the victim a
link, key included, to a port the attacker listens on. A mixin of accounts.adapters.AccountAdapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest
from django.urls import reverse

from config import sites
from frontend.context_processors import PRODUCT_NAME


@dataclass(frozen=True)
class ConfiguredSite:
    """What allauth's mail templates read as ``current_site``: name and domain, from configuration."""

    name: str
    domain: str


def on_this_site(url: str) -> str:
    """The same path on the configured address of the current site, whatever host the URL names."""
    parts = urlsplit(url)
    base = urlsplit(sites.current_site_url("/"))
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


class SiteLinksAdapterMixin:
    """Overrides of allauth's DefaultAccountAdapter (put before it in the bases)."""

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's key is "<uid in base 36>-<token>"; its URL pattern takes the two apart.
        uid, _, token = key.partition("-")
        return sites.current_site_url(
            reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
        )

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return sites.current_site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context = dict(context)
        context["current_site"] = ConfiguredSite(name=PRODUCT_NAME, domain=sites.current_site_host())
        # Any other absolute link allauth put in (e.g. the sign-up link of the unknown-account mail).
        for name, value in list(context.items()):
            if name.endswith("_url") and isinstance(value, str) and "://" in value:
                context[name] = on_this_site(value)
        super().send_mail(template_prefix, email, context)  # type: ignore[misc]

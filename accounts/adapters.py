"""allauth hooks: nobody signs up through allauth; region admins create their region's users.

Who the client is and how wrong passwords are limited are the project's, not allauth's defaults:

* ``get_client_ip`` is ``config.ratelimit.client_ip``, so allauth's per-IP limits count the real client
  behind the reverse proxy (``TRUSTED_PROXY_COUNT``), not the proxy, which would make one noisy client
  everybody's limit.
* Wrong passwords: allauth's ``login_failed`` rate counts them per IP and per account, and its per-account
  part locks the account for everyone, its owner too, after five wrong passwords from anybody. Here
  ``pre_authenticate`` asks ``config.ratelimit.failure_refusal`` instead (per account and client, per
  client, and a generous per-account ceiling that never locks the owner's first try), and
  ``authentication_failed`` counts the failure. A refused client gets allauth's
  ``too_many_login_attempts`` error; ``accounts.views.LoginView`` answers it with 429 and Retry-After.

Where ``next=`` may lead is the project's too (``is_safe_url``): the request's own host only
(``accounts.redirects``), not every host ``ALLOWED_HOSTS`` accepts (all of the platform's subdomains).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.http import HttpRequest

from accounts import redirects
from accounts.mail_links import SiteLinksAdapterMixin
from config import ratelimit

LOGIN_ACTION = "account_login"
REFUSAL_ATTRIBUTE = "ikd_login_refusal"  # where pre_authenticate leaves its refusal for the view


def login_failure_limits() -> ratelimit.FailureLimits:
    return ratelimit.FailureLimits(
        per_client_subject=ratelimit.Rate(*settings.LOGIN_FAILURES_PER_CLIENT_ACCOUNT),
        per_client=ratelimit.Rate(*settings.LOGIN_FAILURES_PER_CLIENT),
        per_subject=ratelimit.Rate(*settings.LOGIN_FAILURES_PER_ACCOUNT),
    )


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


# Links in mails come from configuration, not from the Host header (accounts.mail_links).
class AccountAdapter(SiteLinksAdapterMixin, DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> Any:
        return "/"

    def is_safe_url(self, url: str | None) -> bool:
        # Same host only: allauth's check accepts every subdomain of the platform's domain.
        return redirects.is_same_host(context.request, url)

    def get_client_ip(self, request: HttpRequest) -> str:
        return ratelimit.client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Replaces allauth's check (not called): its per-account key would lock the owner out.
        login = _login_of(credentials)
        refusal = ratelimit.failure_refusal(request, LOGIN_ACTION, login, login_failure_limits())
        if refusal is not None:
            setattr(request, REFUSAL_ATTRIBUTE, refusal)
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        ratelimit.count_failure(request, LOGIN_ACTION, _login_of(credentials), login_failure_limits())

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth calls this after a successful password reset: the owner proved who they are, so their
        # own client's wrong passwords for the account are forgotten (as allauth does for its counters).
        ratelimit.forget_failures(request, LOGIN_ACTION, _login_of(credentials))

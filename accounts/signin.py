"""The account sign-in page: allauth's, answering 429 when the client is refused for wrong passwords.

allauth shows a refusal for too many wrong passwords as a form error with status 200; a client that
tries passwords by script should see a 429 with Retry-After, like every other limit of the project
(config.ratelimit). The refusal itself is decided in ``accounts.adapters.AccountAdapter.pre_authenticate``
and left on the request; this view only turns it into the status. Served at ``/akun/login/`` ahead of
allauth's own URL on both the public and the region sites.

``sign_in`` is how our other ways in (the invitation link, the post-signup link) sign a user in: through
allauth's login stages, as the password sign-in does, so that a user with an authenticator is sent to the
second factor's step (``/akun/2fa/authenticate/``) and the session is theirs only after it. Calling
Django's ``login`` directly skipped that step: whoever held the link was in without the second factor.
"""

from __future__ import annotations

from typing import Any

from allauth.account.utils import perform_login
from allauth.account.views import LoginView as AllauthLoginView
from django.http import HttpRequest, HttpResponse

from accounts.access import access
from accounts.adapters import REFUSAL_ATTRIBUTE
from config.ratelimit import Refusal


@access(public=True)
class LoginView(AllauthLoginView):
    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)
        refusal = getattr(self.request, REFUSAL_ATTRIBUTE, None)
        if isinstance(refusal, Refusal):
            response.status_code = 429
            response["Retry-After"] = str(refusal.retry_after)
        return response


login = LoginView.as_view()


def sign_in(request: HttpRequest, user: Any, *, redirect_url: str) -> HttpResponse:
    """Sign ``user`` in through allauth's login stages and answer with where the browser goes next: the
    second factor's step when the user has an authenticator (the session is signed in once it is passed,
    then sent to ``redirect_url``), else ``redirect_url``, signed in. ``request.user`` tells the caller
    which (authenticated only in the second case)."""
    response: HttpResponse = perform_login(request, user, redirect_url=redirect_url)
    return response

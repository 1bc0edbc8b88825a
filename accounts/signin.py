"""The account sign-in page: allauth's, answering 429 when the client is refused for wrong passwords.

allauth shows a refusal for too many wrong passwords as a form error with status 200; a client that
tries passwords by script should see a 429 with Retry-After, like every other limit of the project
(config.ratelimit). The refusal itself is decided in ``accounts.adapters.AccountAdapter.pre_authenticate``
and left on the request; this view only turns it into the status. Served at ``/akun/login/`` ahead of
allauth's own URL on both the public and the region sites.
"""

from __future__ import annotations

from typing import Any

from allauth.account.views import LoginView as AllauthLoginView
from django.http import HttpResponse

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

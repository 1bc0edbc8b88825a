"""How a request to the region API says which key it uses: ``Authorization: Api-Key <key>``.

- ``request.auth`` is the ``api.models.ApiKey``; ``request.user`` is an ``ApiClient``: authenticated
  (so DRF's ``IsAuthenticated`` and throttles treat it as a client) but no account: no pk, no role, no
  permissions. DRF also sets it on the underlying Django request, so the audit trail (which reads
  ``request.user``) names the key (``api:<prefix>``) as the actor of what an API call does.
- A key in the query string (``api_key``, ``apikey``, ``key``, ``token``, ``access_token``) is refused
  with 400 before anything else, even with a valid header: URLs end up in proxy logs, browser history
  and Referer headers, so such a key must be treated as leaked, and answering 400 (not ignoring it)
  tells the integrator at once.
- A missing header answers 401 (DRF's NotAuthenticated, with ``WWW-Authenticate: Api-Key``); a wrong,
  revoked or other region's key answers 401 with one message for all, so an outsider cannot tell which.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from api.keys import services
from api.models import ApiKey

KEYWORD = "Api-Key"
QUERY_KEY_NAMES = ("api_key", "apikey", "key", "token", "access_token")


class KeyInQueryString(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _(
        "API keys are not accepted in the URL. Send the key in the header 'Authorization: Api-Key <key>', "
        "and revoke this key: a URL is written to logs."
    )
    default_code = "api_key_in_query"


class ApiClient:
    """``request.user`` of a request made with an API key: a client, not an account."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    role = ""

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def get_username(self) -> str:
        return f"api:{self.key.prefix}"

    def __str__(self) -> str:
        return self.get_username()

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


def refuse_key_in_query(request: Request) -> None:
    params = request._request.GET
    if any(name in params for name in QUERY_KEY_NAMES):
        raise KeyInQueryString()


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        refuse_key_in_query(request)
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Api-Key header: give exactly one key."))
        try:
            text = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key.")) from None
        key = services.authenticate(text)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        return ApiClient(key), key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key ikd_<prefix>_<secret>`, made by the region admin "
            "(Pengaturan → API). Keys in the query string are refused (400).",
        }

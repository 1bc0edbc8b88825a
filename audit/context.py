"""Who is acting, from where: the context every audit event takes its actor and request from.

Two consumers, one source:

- ``audit.services.record`` (Python) reads the current request from a context variable that the
  middleware sets for every request (a background task names its actor when it records).
- The triggers on the user table (``audit.models.StaffAccount``) cannot see Python; they read the
  request's context from pghistory's session variables. ``pghistory.context`` injects them into every
  writing statement of the block, so the middleware opens it only where a trigger may fire with a
  person behind it: a signed-in staff member's POST (and the like). A test taker's answer saves, the
  hot path of test day, never pay for the injection, and GET pages do not either.

The events a request writes share one request id: pghistory's context id when one is open, else an id
made on first use.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import pghistory
from django.http import HttpRequest, HttpResponse

from accounts.roles import Role
from config.ratelimit import client_ip

_request: ContextVar[HttpRequest | None] = ContextVar("ikd_audit_request", default=None)

REQUEST_ID = "ikd_audit_request_id"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PATH_LENGTH = 200


def current_request() -> HttpRequest | None:
    return _request.get()


def request_id(request: HttpRequest) -> uuid.UUID:
    value = getattr(request, REQUEST_ID, None)
    if value is None:
        value = uuid.uuid4()
        setattr(request, REQUEST_ID, value)
    return value


def ip_of(request: HttpRequest) -> str | None:
    """The client's address as the rate limits see it (behind the configured proxies), if valid."""
    address = client_ip(request)
    return address if address and address != "unknown" else None


def signed_in_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _metadata(user: Any, ip: str | None, path: str) -> dict[str, Any]:
    return {"actor_id": user.pk, "actor": user.get_username(), "ip": ip, "path": path[:PATH_LENGTH]}


def _is_staff(user: Any) -> bool:
    return user is not None and getattr(user, "role", Role.EMPLOYEE) != Role.EMPLOYEE


class AuditContextMiddleware:
    """Makes the request the audit's context; opens the trigger context for a staff member's change."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            if request.method in _SAFE_METHODS:
                return self.get_response(request)
            user = signed_in_user(request)
            if not _is_staff(user):
                return self.get_response(request)
            with pghistory.context(**_metadata(user, ip_of(request), request.path)) as context:
                setattr(request, REQUEST_ID, context.id)
                return self.get_response(request)
        finally:
            _request.reset(token)

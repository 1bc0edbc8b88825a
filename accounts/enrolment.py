"""Enrolling a platform operator's authenticator: only through a one-time link made with the account.

Operators must use TOTP, and an operator without an authenticator is sent to allauth's activation
page after signing in. Before this module, whoever first signed in with the operator's password (a
leaked or guessed one) enrolled *their* phone there, and from then on the second factor protected the
attacker. Now activation for an operator without an authenticator is refused (accounts.middleware)
unless the session came through the operator's enrolment link:

* ``issue_link(user)`` makes a signed link (salted for this purpose, naming the user, the schema and a
  random nonce, valid ``LINK_MAX_AGE``) and stores the nonce on the user; issuing a new link replaces
  the nonce, so earlier links stop working. ``create_platform_user`` prints one for a new operator,
  ``operator_enrolment_link`` a fresh one (lost link, new phone), and the demo prints one.
* Opening the link shows a page; pressing its button (a POST, so that mail scanners that fetch links
  do not use it up) empties the nonce in one conditional UPDATE, so the link works once, and marks the
  session as enrolling that user. The mark survives signing in (Django keeps session data on login).
* ``refuses_activation`` is the check the middleware makes on allauth's activation page.

The link is delivered out of band by whoever created the account; with it, the password alone no
longer decides whose authenticator guards the operator account.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import Role
from accounts.services import has_totp
from config import sites
from tenants.schemas import current_schema

if TYPE_CHECKING:
    from accounts.models import User

LINK_SALT = "ikd.accounts.mfa-enrolment"
LINK_MAX_AGE = 60 * 60 * 24 * 3  # seconds: three days to open the mail and find the phone
SESSION_KEY = "ikd_mfa_enrolment"
ACTIVATION_URL_NAME = "mfa_activate_totp"


def needs_link(user: Any) -> bool:
    """Whose authenticator may only be enrolled through a link: platform operators'."""
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.PLATFORM_OPERATOR)


def issue_token(user: User) -> str:
    """A new single-use token for ``user`` (in the current schema); earlier ones stop working."""
    nonce = secrets.token_urlsafe(24)
    user.mfa_enrolment_nonce = nonce
    user.save(update_fields=["mfa_enrolment_nonce"])
    return signing.dumps({"user": user.pk, "schema": current_schema(), "nonce": nonce}, salt=LINK_SALT)


def issue_link(user: User, *, port: str | int | None = None) -> str:
    """The enrolment link for ``user``, on the configured public site (config.sites)."""
    path = reverse(
        "mfa_enrolment", urlconf=settings.PUBLIC_SCHEMA_URLCONF, kwargs={"token": issue_token(user)}
    )
    return sites.public_url(path, port=port)


def _payload(token: str) -> dict[str, Any] | None:
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # tampered, made for something else, or expired
        return None
    if not isinstance(payload, dict) or payload.get("schema") != current_schema() or not payload.get("nonce"):
        return None
    return payload


def _pending(payload: dict[str, Any]) -> Any:
    user_model: Any = get_user_model()
    return user_model.objects.filter(pk=payload["user"], mfa_enrolment_nonce=payload["nonce"], is_active=True)


def peek(token: str) -> User | None:
    """The user a still-unused link is for, without using it up (the page before the button)."""
    payload = _payload(token)
    if payload is None:
        return None
    user: User | None = _pending(payload).first()
    return user


def redeem(token: str) -> User | None:
    """Use the link up: the user it was for, once; None when invalid, expired, replaced or used."""
    payload = _payload(token)
    if payload is None:
        return None
    # One conditional UPDATE: of two concurrent uses, exactly one sees its row change.
    if _pending(payload).update(mfa_enrolment_nonce="") != 1:
        return None
    user_model: Any = get_user_model()
    user: User = user_model.objects.get(pk=payload["user"])
    return user


def open_enrolment(request: HttpRequest, user: User) -> None:
    request.session[SESSION_KEY] = user.pk


def close_if_enrolled(request: HttpRequest) -> None:
    """Once the user has an authenticator the mark has done its work: a later re-enrolment (after
    removing it) needs a new link. Costs a query only while a session carries the mark."""
    session = getattr(request, "session", None)
    user: Any = getattr(request, "user", None)
    if session is not None and SESSION_KEY in session and user is not None and user.is_authenticated:
        if has_totp(user):
            session.pop(SESSION_KEY, None)


def refuses_activation(request: HttpRequest) -> bool:
    """Whether this request to allauth's TOTP activation must be refused: an operator without an
    authenticator whose session did not come through their enrolment link."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != ACTIVATION_URL_NAME:
        return False
    user: Any = request.user
    if not needs_link(user):
        return False
    if has_totp(user):
        return False  # allauth sends them on to the deactivation page
    return bool(request.session.get(SESSION_KEY) != user.pk)

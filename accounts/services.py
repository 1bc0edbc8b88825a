"""Account rules: creating users, roles per schema, MFA requirements and one-time login links."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django_tenants.utils import get_public_schema_name

from accounts.roles import PLATFORM_ROLES, REGION_ROLES, Role
from tenants.schemas import current_schema

if TYPE_CHECKING:
    from accounts.models import User

LOGIN_TOKEN_SALT = "ikd.accounts.login-token"  # noqa: S105 (a namespace, not a secret)
LOGIN_TOKEN_MAX_AGE = 120  # seconds: the link is followed by a redirect, not by a person


class RoleNotAllowedHere(ValueError):
    pass


def roles_for_current_schema() -> frozenset[str]:
    return PLATFORM_ROLES if current_schema() == get_public_schema_name() else REGION_ROLES


@transaction.atomic
def create_user(
    *, email: str, full_name: str, role: str, password: str | None = None, email_verified: bool = False
) -> User:
    """A user in the current schema; region roles only in a region, platform roles only in public."""
    if role not in roles_for_current_schema():
        raise RoleNotAllowedHere(role)
    user_model: Any = get_user_model()
    user: User = user_model.objects.create_user(
        email=email, password=password, full_name=full_name, role=role
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_required(user: User, region: Any) -> bool:
    """Operators always; a region's admins when the region asks for it."""
    if user.role == Role.PLATFORM_OPERATOR:
        return True
    return bool(region is not None and user.role == Role.REGION_ADMIN and region.require_admin_mfa)


def issue_login_token(user: User) -> str:
    """A signed, single-use link that signs ``user`` in on its region's host (after signup)."""
    payload = {"user": user.pk, "schema": current_schema(), "nonce": secrets.token_urlsafe(12)}
    return signing.dumps(payload, salt=LOGIN_TOKEN_SALT)


def redeem_login_token(token: str) -> User | None:
    """The user the token names, once, within its lifetime, in the schema it was issued for."""
    try:
        payload = signing.loads(token, salt=LOGIN_TOKEN_SALT, max_age=LOGIN_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if payload.get("schema") != current_schema():
        return None
    if not cache.add(f"login-token:{payload['nonce']}", 1, timeout=LOGIN_TOKEN_MAX_AGE * 2):
        return None  # already used
    user_model: Any = get_user_model()
    user: User | None = user_model.objects.filter(pk=payload["user"], is_active=True).first()
    return user


def set_role(user: User, role: str) -> None:
    if role not in roles_for_current_schema():
        raise RoleNotAllowedHere(role)
    user.role = role
    user.save(update_fields=["role"])


def set_active(user: User, active: bool) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])

"""Audit events that other code announces by signal: sign-ins, password and two-factor changes, and
coordinators' units.

Signals rather than calls in the views because these happen inside allauth and Django (several views,
one signal each), and because a coordinator's units can be changed from anywhere that touches the
many-to-many field; the receivers only translate a signal into ``audit.services`` calls.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import m2m_changed

from audit import services


def connect() -> None:
    from assessment.people.models import WorkUnit

    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="audit.logged_in")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    account_signals.login_code_rejected.connect(_code_rejected, dispatch_uid="audit.code_rejected")
    mfa_signals.authentication_failed.connect(_mfa_failed, dispatch_uid="audit.mfa_failed")
    account_signals.password_changed.connect(_password_changed, dispatch_uid="audit.password_changed")
    account_signals.password_reset.connect(_password_reset, dispatch_uid="audit.password_reset")
    mfa_signals.authenticator_added.connect(_mfa_added, dispatch_uid="audit.mfa_added")
    mfa_signals.authenticator_removed.connect(_mfa_removed, dispatch_uid="audit.mfa_removed")
    m2m_changed.connect(_units_changed, sender=WorkUnit.coordinators.through, dispatch_uid="audit.units")


def _logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.signed_in(request, user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    identifier = credentials.get("email") or credentials.get("username") or credentials.get("login") or ""
    services.sign_in_failed(request, str(identifier))


def _code_rejected(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.record("signin.failed", actor=None, subject=user, request=request, method="email_code")


def _mfa_failed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.record("signin.failed", actor=None, subject=user, request=request, method="mfa")


def _password_changed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.record("account.password_changed", actor=user, subject=user, request=request)


def _password_reset(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    services.record("account.password_reset", actor=user, subject=user, request=request)


def _authenticator(kind: str, request: Any, user: Any, authenticator: Any) -> None:
    method = str(getattr(authenticator, "type", "") or "")
    services.record(kind, actor=user, subject=user, request=request, method=method)


def _mfa_added(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    _authenticator("account.mfa_added", request, user, kwargs.get("authenticator"))


def _mfa_removed(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    _authenticator("account.mfa_removed", request, user, kwargs.get("authenticator"))


def _units_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """``unit.coordinators.add(user)`` or ``user.coordinated_units.add(unit)``: one event per user."""
    from assessment.people.models import WorkUnit

    if action == "pre_clear":
        # The set is gone after the clear: note it now (the event rolls back with the clear if it fails).
        if reverse:  # user.coordinated_units.clear()
            codes = list(instance.coordinated_units.values_list("code", flat=True))
            if codes:
                services.coordinated_units_changed(instance, removed=codes)
        else:  # unit.coordinators.clear()
            for user in instance.coordinators.all():
                services.coordinated_units_changed(user, removed=[instance.code])
        return
    if action not in {"post_add", "post_remove"} or not pk_set:
        return
    key = "added" if action == "post_add" else "removed"
    if reverse:
        codes = list(WorkUnit.objects.filter(pk__in=pk_set).values_list("code", flat=True))
        services.coordinated_units_changed(instance, **{key: codes})
    else:
        for user in model._default_manager.filter(pk__in=pk_set):
            services.coordinated_units_changed(user, **{key: [instance.code]})

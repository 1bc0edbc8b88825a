"""Views of a region's site for accounts: the post-signup landing, users and security settings."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import enrolment
from accounts.access import access
from accounts.forms import RegionSecurityForm, RegionUserForm, UserRoleForm
from accounts.roles import Role
from accounts.services import create_user, redeem_login_token, set_active, set_role

ADMIN = [Role.REGION_ADMIN]


@access(public=True)
def login_token(request: HttpRequest, token: str) -> HttpResponse:
    """Where signup sends the new admin: a one-time link that signs them in on their region's host."""
    user = redeem_login_token(token)
    if user is None:
        messages.error(request, _("This sign-in link has expired or was already used. Please sign in."))
        return redirect("account_login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    address = EmailAddress.objects.filter(user=user, primary=True, verified=False).first()
    if address is not None:  # sent from the region's host, so the link points there
        address.send_confirmation(request, signup=True)
    messages.success(request, _("Welcome! Your region's site is ready."))
    return redirect("home")


@access(public=True)
@require_http_methods(["GET", "POST"])
def mfa_enrolment(request: HttpRequest, token: str) -> HttpResponse:
    """An operator's one-time enrolment link (accounts.enrolment): a page, then a button that uses the link
    up and lets this session activate the operator's authenticator (after signing in, if need be)."""
    user = enrolment.peek(token) if request.method == "GET" else enrolment.redeem(token)
    if user is None:
        context = {
            "title": _("This enrolment link no longer works"),
            "message": _(
                "It has expired, was replaced by a newer link or was already used. "
                "Ask another platform operator for a new one."
            ),
        }
        return render(request, "frontend/error.html", context, status=410)
    if request.method == "GET":
        return render(request, "accounts/mfa_enrolment.html", {"enrolling": user})
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)  # someone else's session: the link is not theirs to use
    enrolment.open_enrolment(request, user)
    activation = reverse(enrolment.ACTIVATION_URL_NAME)
    if request.user.is_authenticated:
        return redirect(activation)
    messages.info(
        request, _("Sign in with your password; then scan the QR code with your authenticator app.")
    )
    return redirect(f"{reverse('account_login')}?next={activation}")


# Reachable while the middleware sends a signed-in operator without an authenticator to the activation.
mfa_enrolment.ikd_mfa_setup = True  # type: ignore[attr-defined]


def _send_set_password_email(request: HttpRequest, email: str) -> None:
    """A new user chooses their own password through allauth's reset flow."""
    form = ResetPasswordForm(data={"email": email})
    if form.is_valid():
        form.save(request)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    user_model: Any = get_user_model()
    form = RegionUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = create_user(
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    role=form.cleaned_data["role"],
                )
        except IntegrityError:
            form.add_error("email", _("A user with this email already exists in this region."))
        else:
            _send_set_password_email(request, user.email)
            messages.success(
                request, _("%(name)s was added and will receive an email to set a password.") % {"name": user}
            )
            return redirect("users")
    context = {"users": user_model.objects.order_by("full_name"), "form": form}
    return render(request, "accounts/users.html", context)


@access(roles=ADMIN)
@require_http_methods(["POST"])
def user_update(request: HttpRequest, pk: int) -> HttpResponse:
    user_model: Any = get_user_model()
    user = get_object_or_404(user_model, pk=pk)
    form = UserRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    elif user.pk == request.user.pk and (
        form.cleaned_data["role"] != Role.REGION_ADMIN or not form.cleaned_data["active"]
    ):
        messages.error(request, _("You cannot remove your own admin role or deactivate yourself."))
    else:
        set_role(user, form.cleaned_data["role"])
        set_active(user, form.cleaned_data["active"])
        messages.success(request, _("%(name)s was updated.") % {"name": user})
    return redirect("users")


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    region = request.region  # type: ignore[attr-defined]
    form = RegionSecurityForm(request.POST or None, initial={"require_admin_mfa": region.require_admin_mfa})
    if request.method == "POST" and form.is_valid():
        region.require_admin_mfa = form.cleaned_data["require_admin_mfa"]
        region.save(update_fields=["require_admin_mfa"])
        messages.success(request, _("Security settings saved."))
        return redirect("security")
    return render(request, "accounts/security.html", {"form": form})

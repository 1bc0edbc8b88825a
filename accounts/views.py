"""Views of a region's site for accounts: the post-signup landing and security settings (users:
``accounts.user_views``)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import enrolment
from accounts.access import access
from accounts.forms import RegionSecurityForm
from accounts.roles import Role
from accounts.services import redeem_login_token
from accounts.signin import sign_in

ADMIN = [Role.REGION_ADMIN]


@access(public=True)
def login_token(request: HttpRequest, token: str) -> HttpResponse:
    """Where signup sends the new admin: a one-time link that signs them in on their region's host.

    Through allauth's login stages (``accounts.signin.sign_in``), as the password sign-in: the link lives
    two minutes and the admin has just been made, but their password is theirs from the signup form, so
    within those minutes they could have signed in elsewhere and set up an authenticator; the link then
    asks for it like the sign-in page would, instead of skipping it."""
    user = redeem_login_token(token)
    if user is None:
        messages.error(request, _("This sign-in link has expired or was already used. Please sign in."))
        return redirect("account_login")
    if request.user.is_authenticated:
        logout(request)  # whoever's session this browser had: the link starts a fresh one
    response = sign_in(request, user, redirect_url=reverse("home"))
    if not request.user.is_authenticated:
        return response  # the second factor's step comes first
    address = EmailAddress.objects.filter(user=user, primary=True, verified=False).first()
    if address is not None:  # sent from the region's host, so the link points there
        address.send_confirmation(request, signup=True)
    messages.success(request, _("Welcome! Your region's site is ready."))
    return response


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

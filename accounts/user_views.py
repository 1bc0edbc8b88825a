"""A region's users: the list, adding one (with a coordinator's units), editing one, importing many, and
the invitation link's page where an invitee chooses a password and is signed in (through the second
factor's step when they have an authenticator: ``accounts.signin.sign_in``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts import invitations, user_import
from accounts.access import access
from accounts.forms import AcceptInvitationForm, RegionUserForm, UserEditForm, UserImportForm
from accounts.roles import Role
from accounts.services import create_user, set_active, set_role
from accounts.signin import sign_in
from assessment.people.models import WorkUnit
from assessment.people.services import coordinators
from frontend.downloads import XLSX, attachment
from frontend.tabular import template_xlsx

ADMIN = [Role.REGION_ADMIN]


def _invite(request: HttpRequest, user: Any) -> bool:
    """Mail ``user`` their invitation (region, inviter and units from this request and the database)."""
    region = request.region  # type: ignore[attr-defined]
    invitation = invitations.prepare(
        user,
        region_name=region.name,
        invited_by=str(request.user),
        units=[unit.name for unit in coordinators.units_of(user)],
    )
    return invitations.send(invitation, region.tzinfo)


def _user_list() -> Any:
    user_model: Any = get_user_model()
    units = Prefetch("coordinated_units", queryset=WorkUnit.objects.order_by("name"))
    return user_model.objects.exclude(role=Role.EMPLOYEE).prefetch_related(units).order_by("full_name")


def _already_there(email: str) -> str:
    """The address has an account (often an employee's, made when a round was scheduled): say whose, and
    link to it, where its role and units can be changed."""
    user_model: Any = get_user_model()
    existing = user_model.objects.filter(email__iexact=email.strip()).first()
    if existing is None:
        return _("A user with this email already exists in this region.")
    return format_html(
        '{} <a href="{}">{}</a>',
        _("%(name)s already has an account with this email (%(role)s).")
        % {"name": existing, "role": existing.get_role_display()},
        reverse("user_update", args=[existing.pk]),
        _("Change their role and units on their page."),
    )


def _already_set_up(person: Any) -> str:
    return _(
        "%(name)s already has a password and an authenticator, so no invitation is sent: they sign in "
        "with these. A forgotten password is reset with “Forgot your password?” on the sign-in page."
    ) % {"name": person}


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def users(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():  # "add a coordinator" from a unit's page
        initial = {"role": Role.UNIT_COORDINATOR, "units": WorkUnit.objects.filter(pk=int(unit_id))}
    form = RegionUserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = create_user(email=data["email"], full_name=data["full_name"], role=data["role"])
                coordinators.set_units(user, data["units"])
        except IntegrityError:
            form.add_error("email", _already_there(data["email"]))
        except coordinators.CoordinatorError as exc:
            form.add_error("units", str(exc))
        else:
            if _invite(request, user):
                messages.success(request, _("%(name)s was added and invited by email.") % {"name": user})
            else:
                messages.warning(
                    request,
                    _("%(name)s was added, but the invitation could not be mailed; send it again later.")
                    % {"name": user},
                )
            return redirect("users")
    user_model: Any = get_user_model()
    context = {
        "users": _user_list(),
        "form": form,
        "import_form": UserImportForm(),
        "employees": user_model.objects.filter(role=Role.EMPLOYEE).count(),
    }
    return render(request, "accounts/users.html", context)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user_model: Any = get_user_model()
    person = get_object_or_404(user_model, pk=pk)
    initial = {"role": person.role, "active": person.is_active, "units": coordinators.units_of(person)}
    action = request.POST.get("action", "save")
    form = UserEditForm(request.POST if action == "save" else None, initial=initial)
    if request.method == "POST" and action == "invite":
        if not person.is_active:
            messages.error(request, _("Activate the user before inviting them."))
        elif not invitations.needed(person):
            messages.error(request, _already_set_up(person))
        elif _invite(request, person):
            messages.success(
                request, _("A new invitation was mailed to %(email)s.") % {"email": person.email}
            )
        else:
            messages.error(request, _("The invitation could not be mailed; try again later."))
        return redirect("user_update", pk=person.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person.pk == request.user.pk and (data["role"] != Role.REGION_ADMIN or not data["active"]):
            form.add_error(None, _("You cannot remove your own admin role or deactivate yourself."))
        else:
            with transaction.atomic():
                set_role(person, data["role"])
                set_active(person, data["active"])
                coordinators.set_units(person, data["units"])
            messages.success(request, _("%(name)s was updated.") % {"name": person})
            return redirect("users")
    context = {
        "person": person,
        "form": form,
        "units": coordinators.units_of(person),
        "set_up": not invitations.needed(person),
    }
    return render(request, "accounts/user_edit.html", context)


@access(roles=ADMIN)
@require_http_methods(["POST"])
def user_import_view(request: HttpRequest) -> HttpResponse:
    form = UserImportForm(request.POST, request.FILES)
    outcome: user_import.Outcome | None = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > user_import.MAX_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)d MB.") % {"mb": user_import.MAX_BYTES // 2**20}
            )
        else:
            try:
                outcome = user_import.import_users(upload.read(), upload.name)
            except IntegrityError:  # someone added one of these addresses meanwhile: nothing was saved
                outcome = user_import.Outcome(
                    errors=[
                        user_import.RowError(
                            0, "", _("An address in the file was just taken; upload it again.")
                        )
                    ]
                )
    if outcome is not None and outcome.ok:
        failed = sum(not _invite(request, user) for user in outcome.created)
        created = len(outcome.created)
        messages.success(
            request,
            ngettext(
                "%(count)s user was added and invited by email.",
                "%(count)s users were added and invited by email.",
                created,
            )
            % {"count": f"{created:,}".replace(",", ".")},
        )
        if failed:
            messages.warning(
                request,
                ngettext(
                    "%(count)s invitation could not be mailed; send it again from the user's page.",
                    "%(count)s invitations could not be mailed; send them again from the users' pages.",
                    failed,
                )
                % {"count": failed},
            )
        return redirect("users")
    user_model: Any = get_user_model()
    context = {
        "users": _user_list(),
        "form": RegionUserForm(),
        "import_form": form,
        "import_errors": outcome.errors if outcome is not None else [],
        "employees": user_model.objects.filter(role=Role.EMPLOYEE).count(),
    }
    return render(request, "accounts/users.html", context, status=200 if form.is_valid() else 400)


@access(roles=ADMIN)
def user_import_template(request: HttpRequest) -> HttpResponse:
    headers = [names[0] for names in user_import.COLUMNS.values()]
    notes = [
        "Satu baris per pengguna. Peran: Admin, Koordinator atau Pegawai.",
        "Unit Kerja hanya untuk koordinator: kode atau nama unit yang aktif; "
        "pisahkan beberapa unit dengan “;”.",
        "Setiap pengguna menerima email undangan untuk membuat kata sandinya sendiri.",
        "Jika satu baris salah, tidak ada pengguna yang dibuat: "
        "perbaiki baris yang disebut, lalu unggah lagi.",
    ]
    content = template_xlsx(headers, user_import.template_rows(), notes)
    return attachment(content, "templat-impor-pengguna.xlsx", XLSX)


@access(public=True)
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: the GET shows the form (mail scanners follow links), the POST uses it up."""
    invitee = invitations.user_for_token(token)
    if invitee is None:
        failure = {
            "title": _("This invitation link no longer works"),
            "message": _(
                "It has expired, was replaced by a newer invitation or was already used. If you have "
                "already chosen a password, sign in; otherwise ask your region's admin for a new invitation."
            ),
        }
        return render(request, "frontend/error.html", failure, status=410)
    form = AcceptInvitationForm(request.POST or None, user=invitee)
    if request.method == "POST" and form.is_valid():
        if request.user.is_authenticated:
            # Someone else's session on this browser, or the invitee's own, which the new password ends
            # anyway: the sign-in below starts a fresh one (its pending second-factor step lives there).
            logout(request)
        invitations.accept(invitee, form.cleaned_data["password1"])
        messages.success(request, _("Welcome, %(name)s! Your password is set.") % {"name": invitee})
        # A coordinator's work is test day: the rounds, with their live progress and participants.
        landing = reverse("round_list" if invitee.role == Role.UNIT_COORDINATOR else "home")
        # As the password sign-in: a user with an authenticator passes the second factor's step first.
        return sign_in(request, invitee, redirect_url=landing)
    units = coordinators.units_of(invitee) if invitee.role == Role.UNIT_COORDINATOR else []
    context = {"invitee": invitee, "form": form, "units": units}
    return render(request, "accounts/invitation.html", context)

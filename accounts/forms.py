"""Forms for a region admin managing the region's users and security."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.roles import REGION_ROLES, Role
from assessment.people.models import WorkUnit

REGION_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in REGION_ROLES]


class UnitsField(forms.ModelMultipleChoiceField):
    """The work units a coordinator follows: active units, by name (with the code, as admins know them)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Work units (coordinators only)"))
        kwargs.setdefault(
            "help_text",
            _("A coordinator follows these units and their sub-units. Hold Ctrl to choose several."),
        )
        super().__init__(
            queryset=WorkUnit.objects.filter(retired_at__isnull=True).order_by("name"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 8, "class": "select-units"}),
            **kwargs,
        )

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class _UnitsForRole:
    """Units go with the coordinator's role: required for a coordinator, refused for any other role."""

    def clean_units_for_role(self, cleaned: dict[str, Any]) -> None:
        form: Any = self
        role, chosen = cleaned.get("role"), cleaned.get("units")
        if role == Role.UNIT_COORDINATOR and not chosen:
            form.add_error("units", _("Choose at least one work unit for a coordinator."))
        elif role and role != Role.UNIT_COORDINATOR and chosen:
            form.add_error("units", _("Only unit coordinators are assigned work units; clear the units."))


class RegionUserForm(_UnitsForRole, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=REGION_ROLE_CHOICES)
    units = UnitsField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_units_for_role(cleaned)
        return cleaned


class UserEditForm(_UnitsForRole, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=REGION_ROLE_CHOICES)
    active = forms.BooleanField(label=_("Active"), required=False)
    units = UnitsField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_units_for_role(cleaned)
        return cleaned


class UserImportForm(forms.Form):
    file = forms.FileField(
        label=_("Users file (.xlsx or .csv)"),
        help_text=_("Columns: Nama, Email, Peran, Unit Kerja (several units separated by “;”)."),
    )


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits, not a common password, not like your name."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class RegionSecurityForm(forms.Form):
    require_admin_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for every region admin"),
        required=False,
        help_text=_("Admins without an authenticator app will be asked to set one up at their next page."),
    )

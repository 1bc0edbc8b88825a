"""Forms for a region admin managing the region's users and security."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import REGION_ROLES, Role

REGION_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in REGION_ROLES]


class RegionUserForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=REGION_ROLE_CHOICES)


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=REGION_ROLE_CHOICES)
    active = forms.BooleanField(label=_("Active"), required=False)


class RegionSecurityForm(forms.Form):
    require_admin_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for every region admin"),
        required=False,
        help_text=_("Admins without an authenticator app will be asked to set one up at their next page."),
    )

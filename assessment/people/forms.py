"""Forms for work units, employees and the register import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.people.models import Employee, WorkUnit
from assessment.people.services.fields import EDUCATION_LEVELS


def active_units() -> Any:
    return WorkUnit.objects.filter(retired_at__isnull=True).order_by("name")


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30, help_text=_("A short code, e.g. DISKOMINFO."))
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkUnit.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent unit"),
        queryset=WorkUnit.objects.none(),
        required=False,
        empty_label=_("— none (an OPD) —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = active_units()  # type: ignore[attr-defined]


class EmployeeForm(forms.Form):
    nip = forms.CharField(label=_("NIP"), max_length=30)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Work unit"), queryset=WorkUnit.objects.none())
    position_title = forms.CharField(label=_("Position"), max_length=200, required=False)
    position_type = forms.ChoiceField(label=_("Position type"), choices=Employee.PositionType.choices)
    employment_status = forms.ChoiceField(label=_("Employment status"), choices=Employee.Status.choices)
    rank = forms.CharField(
        label=_("Rank (golongan) or grade"),
        max_length=10,
        required=False,
        help_text=_("PNS and CPNS: I/a to IV/e. PPPK and PPPK Paruh Waktu: I to XVII."),
    )
    education = forms.ChoiceField(
        label=_("Education"), choices=[("", "—")] + [(e, e) for e in EDUCATION_LEVELS], required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Employee.Sex.choices)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        # ISO: a browser's date input shows nothing for the locale's dd/mm/yyyy, and saving the form
        # would then clear the birth date.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = active_units()  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Register file (.xlsx or .csv)"),
        help_text=_("Exported from SIASN or SIMPEG, or filled in from the template."),
    )
    create_units = forms.BooleanField(label=_("Create work units that do not exist yet"), required=False)
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate employees who are not in this file"),
        required=False,
        help_text=_("Use this when the file is the complete register."),
    )

"""Forms of the privacy pages: the region's settings, an employee's correction request, the admin's
answer to it, and the confirmation of an erasure."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.privacy.models import (
    RESPONSES_MONTHS_MAX,
    RESPONSES_MONTHS_MIN,
    RESULTS_YEARS_MAX,
    RESULTS_YEARS_MIN,
    CorrectionRequest,
    Erasure,
)


class CalibrationConsentForm(forms.Form):
    """The region's consent to the national calibration (``tenants.services.calibration_consent``)."""

    contributes = forms.BooleanField(
        label=_("Contribute anonymous answers to the national calibration of the items"),
        required=False,
    )


class PrivacySettingsForm(forms.Form):
    responses_months = forms.IntegerField(
        label=_("Keep answers to individual questions for (months after the round ends)"),
        min_value=RESPONSES_MONTHS_MIN,
        max_value=RESPONSES_MONTHS_MAX,
        help_text=_(
            "Default 24: long enough to score a round again after the national items are recalibrated and "
            "to answer an objection to a result. Afterwards the round cannot be scored again."
        ),
    )
    results_years = forms.IntegerField(
        label=_("Keep personal results and learning plans for (years after the round ends)"),
        min_value=RESULTS_YEARS_MIN,
        max_value=RESULTS_YEARS_MAX,
        help_text=_(
            "Default 5: a medium-term competence-development cycle, so that an employee's progress over "
            "several rounds can be followed. Afterwards only the figures of groups remain."
        ),
    )
    other_uses = forms.CharField(
        label=_("Other uses of the results"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Leave empty if results serve only to measure competence and plan training. If your region "
            "also uses them for other decisions (for example talent management), say so here: the notice "
            "shows it to every employee before the test."
        ),
    )
    contact = forms.CharField(
        label=_("Contact for privacy requests"),
        required=False,
        max_length=300,
        help_text=_(
            "Who employees write to about their data (for example the BKPSDM's data protection officer, "
            "with an email address or phone number). Empty: the region's admins."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        months, years = cleaned.get("responses_months"), cleaned.get("results_years")
        if months is not None and years is not None and months > 12 * years:
            self.add_error(
                "responses_months",
                _("Answers cannot be kept longer than the results they were scored into."),
            )
        return cleaned


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=_("What is wrong?"), choices=CorrectionRequest.Field.choices)
    requested_value = forms.CharField(label=_("What is correct"), max_length=300)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example which document shows the correct value."),
    )


class RejectForm(forms.Form):
    response = forms.CharField(
        label=_("Why nothing is changed (the employee reads this)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ErasureForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Erasure.Reason.choices)
    confirm_nip = forms.CharField(
        label=_("Type the employee's NIP to confirm"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    understood = forms.BooleanField(
        label=_("I understand that the erasure cannot be undone."),
        required=True,
    )

    def __init__(self, *args: Any, nip: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nip = nip

    def clean_confirm_nip(self) -> str:
        typed = "".join(str(self.cleaned_data.get("confirm_nip", "")).split())
        if typed != self.nip:
            raise forms.ValidationError(_("This is not the NIP of this employee."))
        return typed

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.instrument.assembly import MAX_FORMS
from assessment.instrument.models import ItemBank
from assessment.people.models import WorkUnit
from assessment.rounds.models import Round


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    bank = forms.ModelChoiceField(label=_("Item bank"), queryset=ItemBank.objects.all(), empty_label=None)
    form_length = forms.IntegerField(label=_("Items per test"), initial=60, min_value=10, max_value=120)
    form_count = forms.IntegerField(
        label=_("Parallel forms"),
        initial=1,
        min_value=1,
        max_value=MAX_FORMS,
        help_text=_("Several parallel forms: the takers of one session do not all get the same items."),
    )
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"), initial=60, min_value=10, max_value=240
    )
    allow_back = forms.BooleanField(
        label=_("Takers may go back to earlier items"), required=False, initial=True
    )
    result_timing = forms.ChoiceField(label=_("Show the result"), choices=Round.ResultTiming.choices)


class SessionForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))


class ParticipantsForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Who takes part"),
        widget=forms.RadioSelect,
        initial="all",
        choices=[
            ("all", _("Every active employee")),
            ("units", _("The employees of chosen work units")),
            ("nips", _("A list of NIPs")),
        ],
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Work units"),
        queryset=WorkUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    nips_text = forms.CharField(
        label=_("NIPs, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = WorkUnit.objects.filter(retired_at__isnull=True)  # type: ignore[attr-defined]


class MinutesForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=120, initial=10)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

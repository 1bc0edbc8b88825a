"""The operator's two calibration forms: which rounds to calibrate on, and the acceptance of a proposal.

The forms check only what the page itself knows (a choice among the rounds it showed, the persons those
rounds hold, the confirmation box); every rule of the calibration itself stays in the services
(``assessment.instrument.calibration``), whose refusals the views put back at the same field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.instrument.calibration import national
from assessment.instrument.models import ItemBank
from assessment.instrument.operator_report import option_value


class NewCalibrationForm(forms.Form):
    rounds = forms.MultipleChoiceField(
        label=gettext_lazy("Rounds to calibrate on"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one round."),
            "invalid_choice": gettext_lazy(
                "Round %(value)s is not a closed round of a region that consents to contribute "
                "(it may have withdrawn its consent since the page was loaded). Reload the page."
            ),
        },
    )

    def __init__(self, *args: Any, options: Sequence[Any], min_persons: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {option_value(o): o for o in options}
        self.min_persons = min_persons
        self.fields["rounds"].choices = [(v, o.round_name) for v, o in self.options.items()]  # type: ignore[attr-defined]

    def clean_rounds(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["rounds"]
        persons = sum(self.options[value].persons for value in chosen)
        if persons < self.min_persons:
            raise forms.ValidationError(
                _(
                    "The chosen rounds hold %(persons)s persons with submitted attempts; a calibration "
                    "needs at least %(min)s. Choose more rounds."
                )
                % {"persons": intcomma(persons), "min": intcomma(self.min_persons)},
                code="too_few",
            )
        return chosen

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "rounds" in cleaned and self.bank() is None:
            self.add_error("rounds", _("The item bank of the chosen rounds is not known on the platform."))
        return cleaned

    def chosen(self) -> list[Any]:
        """The chosen RoundOptions, in the order shown."""
        wanted = set(self.cleaned_data["rounds"])
        return [o for value, o in self.options.items() if value in wanted]

    def bank(self) -> ItemBank | None:
        """The rounds' bank; for rounds on several versions of a bank the newest version (the service
        links the others to it through their common items, or refuses rounds of another instrument)."""
        banks = ItemBank.objects.filter(pk__in={o.bank_id for o in self.chosen()})
        return max(banks, key=lambda bank: (national.version_key(bank.version), bank.pk), default=None)


class AcceptForm(forms.Form):
    leave_out = forms.MultipleChoiceField(
        label=gettext_lazy("Leave out of scoring in the next version"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Item %(value)s is not in this parameter set.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I have read this report and accept these parameters as the bank's next version."),
        error_messages={
            "required": gettext_lazy(
                "Tick the confirmation box: accepting changes the parameters every new scoring of this "
                "bank uses."
            )
        },
    )

    def __init__(self, *args: Any, codes: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leave_out"].choices = [(code, code) for code in codes]  # type: ignore[attr-defined]

"""The endpoint form: the URL (checked for https and a public address) and the events it receives."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from webhooks.events import SUBSCRIBABLE, Event
from webhooks.models import Endpoint
from webhooks.services.addresses import check_url

EVENT_LABELS: dict[str, Any] = {
    Event.ROUND_OPENED: _("A round is opened"),
    Event.ROUND_CLOSED: _("A round is closed"),
    Event.RESULTS_ANNOUNCED: _("A round's results are announced to employees"),
    Event.IMPORT_FINISHED: _("A staff register import has finished"),
    Event.TRAINING_RECORDED: _("A training record is added"),
    Event.TEST: _("Test (Kirim uji)"),
}


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("Receiver URL (https)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("IKD sends a signed POST request with JSON to this address for each chosen event."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(str(e), EVENT_LABELS[e]) for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "active"]
        labels = {"description": _("Description"), "active": _("Active")}

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        check_url(url)  # ValidationError with the reason, shown at the field
        return url

    def clean_events(self) -> list[str]:
        chosen = [str(e) for e in self.cleaned_data["events"]]
        if not chosen:
            raise ValidationError(_("Choose at least one event."))
        return chosen

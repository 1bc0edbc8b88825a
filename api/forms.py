"""The form of a new API key: a name and the scopes it holds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from api.keys.scopes import Scope


class NewKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses the key, e.g. “SIMPEG BKPSDM”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Allowed"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one permission.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s.value, f"{s.label} ({s.value})") for s in Scope]
        self.fields["scopes"].choices = choices  # type: ignore[attr-defined]

    def chosen(self) -> list[Scope]:
        return [Scope(value) for value in self.cleaned_data["scopes"]]

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.authoring.models import LocalItem
from assessment.authoring.services import competence_choices


class LocalItemForm(forms.Form):
    competence = forms.ChoiceField(label=_("Competence"))
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        choices=[(1, "1 Dasar"), (2, "2 Menengah"), (3, "3 Mahir"), (4, "4 Sangat Mahir")],
    )
    type = forms.ChoiceField(label=_("Type"), choices=LocalItem.Type.choices)
    stem = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 4}))
    options_text = forms.CharField(
        label=_("Options, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("They are lettered a, b, c, … in this order."),
    )
    key_text = forms.CharField(
        label=_("Correct option(s)"),
        max_length=20,
        help_text=_("Letters, e.g. “b”, or “a, c” for multiple response."),
    )
    explanation = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competence"].choices = competence_choices()  # type: ignore[attr-defined]

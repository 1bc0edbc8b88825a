from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TrainingImportForm(forms.Form):
    file = forms.FileField(
        label=_("Training file (.xlsx or .csv)"),
        help_text=_("Completed training, one row per employee and course, filled in from the template."),
    )

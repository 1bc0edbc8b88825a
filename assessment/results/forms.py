from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.results.models import TrainingCourse


class RoadmapForm(forms.Form):
    target = forms.DecimalField(
        label=_("Target index"), min_value=1, max_value=4, decimal_places=2, max_digits=3
    )
    years = forms.IntegerField(label=_("Years to reach it"), min_value=1, max_value=5)


class CourseForm(forms.ModelForm):
    competences = forms.CharField(
        label=_("Competences"), help_text=_("DigComp codes separated by commas, e.g. 1.1, 4.2")
    )

    class Meta:
        model = TrainingCourse
        fields = [
            "code",
            "title",
            "provider",
            "mode",
            "jp",
            "cost_idr",
            "level_from",
            "level_to",
            "competences",
            "description",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["competences"] = ", ".join(self.instance.competences)

    def clean_competences(self) -> list[str]:
        from assessment.instrument.models import Competence

        codes = [
            c.strip() for c in self.cleaned_data["competences"].replace(";", ",").split(",") if c.strip()
        ]
        known = set(Competence.objects.values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(
                _("Unknown competence codes: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        if not codes:
            raise forms.ValidationError(_("Name at least one competence."))
        return codes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("level_from"), data.get("level_to")
        if low is not None and high is not None and not 1 <= low < high <= 4:
            self.add_error("level_to", _("The course leads from a lower level (1-3) to a higher one (2-4)."))
        if data.get("jp") is not None and data["jp"] > 20:
            self.add_error("jp", _("A course longer than the yearly 20 JP cannot fit in a plan."))
        return data

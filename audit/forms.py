"""The trail's filter: kind (a category or one kind), dates in the site's time zone, the actor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from audit import services


def kind_choices(categories: tuple[str, ...]) -> list[Any]:
    """A flat "every kind of the category" option per category, then its kinds, grouped."""
    choices: list[Any] = [("", _("All kinds"))]
    for category in categories:
        name = services.CATEGORIES[category]
        kinds = [(kind, label) for kind, label in services.KINDS.items() if kind.startswith(category + ".")]
        choices.append((name, [(category, _("All: %(category)s") % {"category": name}), *kinds]))
    return choices


class TrailFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("Actor (email)"), required=False, max_length=254)

    def __init__(self, *args: Any, categories: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices(categories)  # type: ignore[attr-defined]

    def filters(self) -> services.Filters:
        """What the form says, or no filter at all when it says nothing valid."""
        if not self.is_valid():
            return services.Filters()
        data = self.cleaned_data
        return services.Filters(
            kind=data["kind"] or "",
            since=data["since"],
            until=data["until"],
            actor=(data["actor"] or "").strip(),
        )

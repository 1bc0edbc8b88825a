"""The talent view's filter form and the shortlist form (GET forms: nothing changes, links can be kept)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from assessment.people.models import Employee, WorkUnit
from assessment.talent.services.register import (
    AGE_BANDS,
    NOT_MEASURED,
    NOT_RECORDED,
    RANK_GROUPS,
    TalentFilters,
)
from assessment.talent.services.shortlist import MAX_WANTED, ShortlistRequest
from benchmark.segments import label as segment_label


class PlainSelect(forms.Select):
    """Django's ``<select>`` markup built in Python: the stock widget renders a template per option, and
    the unit list (~100 units) cost more than the whole result table. Same HTML as ``select.html``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            f'<option value="{escape(str(option["value"]))}"{flatatt(option["attrs"])}>'
            f"{escape(str(option['label']))}</option>"
            for _group, choices, _index in widget["optgroups"]
            for option in choices
        ]
        head = f'<select name="{escape(name)}"{flatatt(widget["attrs"])}>'
        return mark_safe(head + "".join(options) + "</select>")  # noqa: S308 - escaped above


def _unit_choices() -> list[tuple[str, str]]:
    """Units by name; a sub-unit shows its parent so the tree is readable in a flat list."""
    rows = WorkUnit.objects.filter(retired_at__isnull=True).values_list("pk", "name", "parent__name")
    return [("", str(_("All units")))] + [
        (str(pk), f"{name} ({parent})" if parent else name) for pk, name, parent in rows
    ]


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _position_choices() -> list[tuple[str, str]]:
    return [("", str(_("All position types"))), *((k, str(v)) for k, v in Employee.PositionType.choices)]


class TalentFilterForm(forms.Form):
    unit = forms.TypedChoiceField(
        label=_("Work unit (with sub-units)"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=PlainSelect,
    )
    position_type = forms.ChoiceField(label=_("Position type"), required=False)
    rank_group = forms.ChoiceField(label=_("Rank group"), required=False)
    age_band = forms.ChoiceField(label=_("Age"), required=False)
    level = forms.ChoiceField(label=_("Index level"), required=False)
    q = forms.CharField(label=_("Name or NIP"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, levels: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = levels or {}
        _choices(self, "unit", _unit_choices())
        _choices(self, "position_type", _position_choices())
        _choices(
            self,
            "rank_group",
            [
                ("", _("All rank groups")),
                *((k, segment_label("rank_group", k)) for k in RANK_GROUPS),
                (NOT_RECORDED, segment_label("rank_group", "")),
            ],
        )
        _choices(
            self,
            "age_band",
            [
                ("", _("All ages")),
                *((k, segment_label("age_band", k)) for k in AGE_BANDS),
                (NOT_RECORDED, segment_label("age_band", "")),
            ],
        )
        _choices(
            self,
            "level",
            [
                ("", _("All levels")),
                *((str(n), f"{n} {levels.get(n, '')}".strip()) for n in (1, 2, 3, 4)),
                (NOT_MEASURED, _("Not measured yet")),
            ],
        )
        _choices(
            self,
            "sort",
            [
                ("name", _("Name")),
                ("-index", _("Index, highest first")),
                ("index", _("Index, lowest first")),
                ("unit", _("Work unit")),
                ("-jp", _("JP this year, most first")),
            ],
        )

    def filters(self) -> TalentFilters:
        """The valid filters (an invalid field is dropped, with its error shown by the form)."""
        data = self.cleaned_data if self.is_valid() else {}
        return TalentFilters(
            unit_id=data.get("unit"),
            position_type=data.get("position_type") or "",
            rank_group=data.get("rank_group") or "",
            age_band=data.get("age_band") or "",
            level=data.get("level") or "",
            query=(data.get("q") or "").strip(),
            sort=data.get("sort") or "name",
        )


class ShortlistForm(forms.Form):
    role = forms.CharField(label=_("Role to fill"), max_length=120)
    area = forms.ChoiceField(label=_("Competence area"))
    min_level = forms.TypedChoiceField(label=_("Minimum level in the area"), coerce=int)
    wanted = forms.IntegerField(label=_("How many people"), min_value=1, max_value=MAX_WANTED, initial=5)
    unit = forms.TypedChoiceField(
        label=_("Work unit (with sub-units)"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=PlainSelect,
    )
    position_type = forms.ChoiceField(label=_("Position type"), required=False)

    def __init__(
        self, *args: Any, areas: list[tuple[str, str]], levels: dict[int, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        levels = levels or {}
        _choices(self, "area", [(code, f"{code}. {name}") for code, name in areas])
        _choices(self, "min_level", [(str(n), f"{n} {levels.get(n, '')}".strip()) for n in (1, 2, 3, 4)])
        _choices(self, "unit", _unit_choices())
        _choices(self, "position_type", _position_choices())

    def request(self) -> ShortlistRequest:
        data = self.cleaned_data
        return ShortlistRequest(
            role=data["role"].strip(),
            area=data["area"],
            min_level=data["min_level"],
            wanted=data["wanted"],
            unit_id=data.get("unit"),
            position_type=data.get("position_type") or "",
        )

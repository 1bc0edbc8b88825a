"""The proposal's report: sources, models per area, drift, version link, items with SEs and fit, DIF."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.instrument.models import ParameterSet
from assessment.instrument.operator_report.labels import (
    FLAG_LABELS,
    MODEL_LABELS,
    REGION_KIND_LABELS,
    VARIABLE_LABELS,
    _float,
    _int,
    area_names,
    value_label,
)
from assessment.instrument.operator_report.lists import (
    _persons,
)


@dataclass(frozen=True)
class SourceRegion:
    code: str
    name: str
    kind: str
    rounds: tuple[tuple[str, str, int], ...]  # (round name, bank, persons)

    @property
    def persons(self) -> int:
        return sum(r[2] for r in self.rounds)

    @property
    def kind_label(self) -> str:
        return str(REGION_KIND_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class ModelRow:
    model: str
    log_likelihood: float | None
    n_params: int
    aic: float | None
    bic: float | None
    chosen: bool

    @property
    def label(self) -> str:
        return str(MODEL_LABELS.get(self.model, self.model))


@dataclass(frozen=True)
class GroupRow:
    name: str
    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True)
class AreaReport:
    code: str
    name: str
    persons: int
    items: int
    anchors: int
    converged: bool | None
    model: str
    candidates: tuple[ModelRow, ...]
    groups: tuple[GroupRow, ...]

    @property
    def model_label(self) -> str:
        return str(MODEL_LABELS.get(self.model, self.model)) if self.model else ""


@dataclass(frozen=True)
class AnchorRow:
    id: str
    b_reference: float | None
    b_linked: float | None
    displacement: float | None
    flagged: bool
    dropped: bool


@dataclass(frozen=True)
class LinkArea:
    code: str
    name: str
    a_constant: float | None
    b_constant: float | None
    n_items: int
    holds: bool
    reason: str
    dropped: tuple[str, ...]
    rounds: int
    anchors: tuple[AnchorRow, ...] = ()


@dataclass(frozen=True)
class LinkReport:
    computed: bool
    reason: str
    areas: tuple[LinkArea, ...]
    old_bank: str = ""
    old_version: int | None = None
    holds: bool | None = None

    @property
    def shown(self) -> bool:
        return self.computed or bool(self.reason)


@dataclass(frozen=True)
class ItemRow:
    code: str
    area: str
    fixed: bool
    n: int
    a: float | None
    b: float | None
    c: float | None
    se_a: float | None
    se_b: float | None
    se_c: float | None
    steps: tuple[tuple[float | None, float | None], ...]  # (step, its standard error)
    infit: float | None
    outfit: float | None
    rmsea: float | None
    flags: tuple[str, ...]
    review: tuple[str, ...]


@dataclass(frozen=True)
class DifRow:
    code: str
    area: str
    n_reference: int
    n_focal: int
    delta: float | None
    se_delta: float | None
    p_value: float | None
    category: str

    @property
    def needs_review(self) -> bool:
        return self.category == "C"


@dataclass(frozen=True)
class DifComparison:
    variable: str
    reference: str
    focal: str
    rows: tuple[DifRow, ...]

    @property
    def variable_label(self) -> str:
        return str(VARIABLE_LABELS.get(self.variable, self.variable))

    @property
    def reference_label(self) -> str:
        return value_label(self.variable, self.reference)

    @property
    def focal_label(self) -> str:
        return value_label(self.variable, self.focal)

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.rows if r.needs_review)

    @property
    def notable(self) -> tuple[DifRow, ...]:
        """Category C and B: shown at once."""
        return tuple(r for r in self.rows if r.category in {"B", "C"})

    @property
    def negligible(self) -> tuple[DifRow, ...]:
        """Category A (or not classified): behind a disclosure, the tables would be long otherwise."""
        return tuple(r for r in self.rows if r.category not in {"B", "C"})

    @property
    def n_reference(self) -> int:
        return max((r.n_reference for r in self.rows), default=0)

    @property
    def n_focal(self) -> int:
        return max((r.n_focal for r in self.rows), default=0)


@dataclass(frozen=True)
class DifVariable:
    variable: str
    comparisons: tuple[DifComparison, ...]

    @property
    def label(self) -> str:
        return str(VARIABLE_LABELS.get(self.variable, self.variable))

    @property
    def flagged(self) -> int:
        return sum(c.flagged for c in self.comparisons)


@dataclass(frozen=True)
class DifReport:
    computed: bool
    reason: str
    variables: tuple[DifVariable, ...]

    @property
    def flagged_codes(self) -> tuple[str, ...]:
        codes = {r.code for v in self.variables for c in v.comparisons for r in c.rows if r.needs_review}
        return tuple(sorted(codes))


@dataclass(frozen=True)
class Report:
    parameter_set: ParameterSet
    sources: tuple[SourceRegion, ...]
    persons: int
    rounds: int
    areas: tuple[AreaReport, ...]
    drift: LinkReport
    version_link: LinkReport
    items: tuple[ItemRow, ...]
    dif: DifReport
    review: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def other_review(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Items proposed for review for other reasons than DIF category C (whose boxes are in the DIF
        tables): code and reasons."""
        flagged = set(self.dif.flagged_codes)
        return tuple((code, reasons) for code, reasons in self.review.items() if code not in flagged)


def _round_label(source: Mapping[str, Any]) -> str:
    name = str(source.get("round_name") or "")
    return name or _("round #%(id)s") % {"id": source.get("round", "")}


def _sources(parameter_set: ParameterSet) -> tuple[SourceRegion, ...]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for source in parameter_set.sources or []:
        grouped[str(source.get("region", ""))].append(source)
    regions = []
    for code, rows in grouped.items():
        first = rows[0]
        regions.append(
            SourceRegion(
                code,
                str(first.get("region_name") or code),
                str(first.get("region_kind") or ""),
                tuple((_round_label(r), str(r.get("bank", "")), _int(r.get("persons"))) for r in rows),
            )
        )
    return tuple(sorted(regions, key=lambda r: r.name))


def _areas(
    parameter_set: ParameterSet, names: Mapping[str, str], region_names: Mapping[str, str]
) -> tuple[AreaReport, ...]:
    models = parameter_set.area_models or {}
    summaries = {str(a.get("area")): a for a in parameter_set.areas or []}
    codes = sorted(set(summaries) | {str(k) for k in models}, key=lambda c: (len(c), c))
    reports = []
    for code in codes:
        summary = summaries.get(code, {})
        model = models.get(code) or models.get(_int(code)) or {}
        chosen = str(model.get("model", "") or "")
        candidates = tuple(
            ModelRow(
                str(m.get("model", "")),
                _float(m.get("log_likelihood")),
                _int(m.get("n_params")),
                _float(m.get("aic")),
                _float(m.get("bic")),
                str(m.get("model", "")) == chosen,
            )
            for m in model.get("fit", []) or []
        )
        groups = tuple(
            GroupRow(
                str(g.get("region_name") or region_names.get(str(g.get("region", "")), g.get("region", "")))
                or _("group %(n)s") % {"n": g.get("group", "")},
                _int(g.get("n")),
                _float(g.get("mean")),
                _float(g.get("sd")),
            )
            for g in model.get("groups", []) or []
        )
        converged = summary.get("converged")
        reports.append(
            AreaReport(
                code=code,
                name=names.get(code, code),
                persons=_int(summary.get("persons")) or sum(g.n for g in groups),
                items=_int(summary.get("items")),
                anchors=_int(summary.get("anchors")),
                converged=None if converged is None else bool(converged),
                model=chosen,
                candidates=candidates,
                groups=groups,
            )
        )
    return tuple(reports)


def _link(data: Mapping[str, Any] | None, names: Mapping[str, str]) -> LinkReport:
    data = data or {}
    areas = []
    for area in data.get("areas", []) or []:
        code = str(area.get("area", ""))
        anchors = tuple(
            AnchorRow(
                str(i.get("id", "")),
                _float(i.get("b_reference")),
                _float(i.get("b_linked")),
                _float(i.get("displacement")),
                bool(i.get("flagged")),
                bool(i.get("dropped")),
            )
            for i in area.get("items", []) or []
        )
        areas.append(
            LinkArea(
                code=code,
                name=names.get(code, code),
                a_constant=_float(area.get("A")),
                b_constant=_float(area.get("B")),
                n_items=_int(area.get("n_items")) or len(area.get("item_ids", []) or []),
                holds=bool(area.get("holds")),
                reason=str(area.get("reason", "") or ""),
                dropped=tuple(str(d) for d in area.get("dropped", []) or []),
                rounds=_int(area.get("rounds")),
                anchors=anchors,
            )
        )
    holds = data.get("holds")
    return LinkReport(
        computed=bool(data.get("computed", bool(areas))),
        reason=str(data.get("reason", "") or ""),
        areas=tuple(areas),
        old_bank=str(data.get("old_bank", "") or ""),
        old_version=_int(data["old_version"]) if data.get("old_version") is not None else None,
        holds=None if holds is None else bool(holds),
    )


def _steps(values: Sequence[Any], errors: Sequence[Any]) -> tuple[tuple[float | None, float | None], ...]:
    errors = list(errors or [])
    return tuple(
        (_float(v), _float(errors[k]) if k < len(errors) else None) for k, v in enumerate(values or [])
    )


def _items(parameter_set: ParameterSet, review: Mapping[str, tuple[str, ...]]) -> tuple[ItemRow, ...]:
    snapshot = parameter_set.snapshot or {}
    errors = parameter_set.standard_errors or {}
    fit = parameter_set.fit or {}
    codes = list(fit) or list(parameter_set.params)
    rows = []
    for code in codes:
        item_fit = fit.get(code, {})
        params = (
            parameter_set.params.get(code) or snapshot.get(code) or parameter_set.previous.get(code) or {}
        )
        se = errors.get(code) or {}
        rows.append(
            ItemRow(
                code=code,
                area=str(item_fit.get("area", "")),
                fixed=bool(item_fit.get("fixed")),
                n=_int(item_fit.get("n")),
                a=_float(params.get("a")),
                b=_float(params.get("b")),
                c=_float(params.get("c")),
                se_a=_float(se.get("a")),
                se_b=_float(se.get("b")),
                se_c=_float(se.get("c")),
                steps=_steps(params.get("steps", []), se.get("steps", [])),
                infit=_float(item_fit.get("infit")),
                outfit=_float(item_fit.get("outfit")),
                rmsea=_float(item_fit.get("rmsea")),
                flags=tuple(str(FLAG_LABELS.get(f, f)) for f in item_fit.get("flags", []) or []),
                review=review.get(code, ()),
            )
        )
    return tuple(sorted(rows, key=lambda r: (len(r.area), r.area, r.code)))


def _category_order(row: DifRow) -> tuple[int, float]:
    return ({"C": 0, "B": 1}.get(row.category, 2), -abs(row.delta or 0.0))


def _dif(data: Mapping[str, Any] | None) -> DifReport:
    data = data or {}
    grouped: dict[str, list[DifComparison]] = defaultdict(list)
    for comparison in data.get("comparisons", []) or []:
        rows = tuple(
            sorted(
                (
                    DifRow(
                        code=str(i.get("id", "")),
                        area=str(i.get("area", "")),
                        n_reference=_int(i.get("n_reference")),
                        n_focal=_int(i.get("n_focal")),
                        delta=_float(i.get("delta")),
                        se_delta=_float(i.get("se_delta")),
                        p_value=_float(i.get("p_value")),
                        category=str(i.get("category", "") or ""),
                    )
                    for i in comparison.get("items", []) or []
                ),
                key=_category_order,
            )
        )
        variable = str(comparison.get("variable", ""))
        grouped[variable].append(
            DifComparison(
                variable, str(comparison.get("reference", "")), str(comparison.get("focal", "")), rows
            )
        )
    order = list(VARIABLE_LABELS)
    variables = tuple(
        DifVariable(v, tuple(grouped[v]))
        for v in sorted(grouped, key=lambda v: order.index(v) if v in order else len(order))
    )
    return DifReport(
        bool(data.get("computed", bool(variables))), str(data.get("reason", "") or ""), variables
    )


REVIEW_REASONS = {"misfit": gettext_lazy("misfit"), "drift": gettext_lazy("drift")}


def review_reason(reason: str) -> str:
    """``dif_c:sex:P`` -> "DIF category C (sex: women)"; other reasons by their label."""
    if reason.startswith("dif_c:"):
        _prefix, variable, *focal = reason.split(":")
        group = value_label(variable, focal[0]) if focal else ""
        label = str(VARIABLE_LABELS.get(variable, variable))
        return _("DIF category C (%(variable)s: %(group)s)") % {"variable": label, "group": group}
    return str(REVIEW_REASONS.get(reason, FLAG_LABELS.get(reason, reason)))


def report(parameter_set: ParameterSet) -> Report:
    bank = parameter_set.bank
    names = area_names(bank)
    sources = _sources(parameter_set)
    region_names = {s.code: s.name for s in sources}
    review = {
        str(r.get("code")): tuple(review_reason(str(x)) for x in r.get("reasons", []) or [])
        for r in parameter_set.review or []
    }
    return Report(
        parameter_set=parameter_set,
        sources=sources,
        persons=_persons(parameter_set),
        rounds=sum(len(s.rounds) for s in sources),
        areas=_areas(parameter_set, names, region_names),
        drift=_link(parameter_set.drift, names),
        version_link=_link(parameter_set.version_link, names),
        items=_items(parameter_set, review),
        dif=_dif(parameter_set.dif),
        review=review,
        warnings=tuple(str(w) for w in parameter_set.warnings or []),
    )

"""Parameter versions of a bank: which parameters a figure was computed with, and which can be compared.

A bank's parameters change only by accepting a ``ParameterSet``; each accepted set is a *version*
(1, 2, ... per bank) and keeps ``snapshot``, the parameters of every item of the bank under it, and
``excluded``, the items left out of scoring under it. Version 0 (``baseline``) is what the bank held
before its first accepted version (the item files' provisional parameters), kept when that first
version is accepted. So any version can be scored with again, whatever the items hold today: a round
is scored under the version it was first scored with (``assessment.results.services.answers``), and
moving it to a newer one is an explicit, recorded step (``assessment.results.services.rescoring``).

A version without a snapshot (a label loaded from an item file, or a set accepted before versions
existed) falls back to the items' current parameters: the only parameters known for it.

Comparing across versions (for the benchmark): versions of one bank share the anchor items, fixed in
every calibration, so they are on one scale unless a later version's anchor drift report says an area's
anchors no longer hold. Two versions of a bank (say 2025.1 and 2026.1) are on a common scale when a
version link through their common items (``link_versions``, stored with the newer bank's set) holds.
``scale_links`` gives those links as plain data and ``common_scale`` decides on plain data only, so
``benchmark/`` can use it without importing assessment models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.instrument.models import Item, ItemBank, ParameterSet
from assessment.scoring import ItemSpec

PROVISIONAL = "provisional"


@dataclass(frozen=True)
class ParameterVersion:
    """One version of a bank's parameters. ``set_id`` None: the items' current parameters (a bank
    never calibrated, or a label loaded from a file)."""

    set_id: int | None
    bank_id: int
    version: int
    label: str
    kind: str  # "regional", "national", "baseline", or "current" (no set)
    accepted_on: str = ""  # ISO date
    persons: int = 0
    excluded: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        return self.label == PROVISIONAL


def of_set(parameter_set: ParameterSet) -> ParameterVersion:
    on = parameter_set.accepted_at.date().isoformat() if parameter_set.accepted_at else ""
    return ParameterVersion(
        set_id=parameter_set.pk,
        bank_id=parameter_set.bank_id,
        version=int(parameter_set.version or 0),
        label=parameter_set.label,
        kind=parameter_set.kind,
        accepted_on=on,
        persons=parameter_set.persons,
        excluded=tuple(parameter_set.excluded or ()),
    )


def _accepted(bank_id: int) -> Any:
    return ParameterSet.objects.filter(bank_id=bank_id, accepted_at__isnull=False)


def current(bank: ItemBank) -> ParameterVersion:
    """The bank's current version: the accepted set carrying the bank's label (highest version). The
    label is read afresh: an instance loaded before an acceptance would name the previous one."""
    label = (
        ItemBank.objects.filter(pk=bank.pk).values_list("parameters", flat=True).first() or bank.parameters
    )
    found = (
        _accepted(bank.pk)
        .filter(label=label)
        .exclude(kind=ParameterSet.Kind.BASELINE)
        .order_by("-version", "-accepted_at")
        .first()
    )
    if found is not None:
        return of_set(found)
    return ParameterVersion(None, bank.pk, 0, label, "current")


def by_label(bank: ItemBank, label: str) -> ParameterVersion:
    """The version a label names (as older scorings recorded it): the provisional baseline, the
    latest accepted set with that label, else the current items."""
    if label == PROVISIONAL:
        baseline = _accepted(bank.pk).filter(kind=ParameterSet.Kind.BASELINE).order_by("pk").first()
        if baseline is not None:
            return of_set(baseline)
        return ParameterVersion(None, bank.pk, 0, PROVISIONAL, "current")
    if not label:
        return current(bank)
    found = _accepted(bank.pk).filter(label=label).order_by("-version", "-accepted_at").first()
    return of_set(found) if found is not None else current(bank)


def by_set_id(bank: ItemBank, set_id: int) -> ParameterVersion:
    found = _accepted(bank.pk).filter(pk=set_id).first()
    return of_set(found) if found is not None else current(bank)


def history(bank: ItemBank) -> list[ParameterVersion]:
    """Every accepted version of the bank, newest first (the baseline last)."""
    return [of_set(s) for s in _accepted(bank.pk).order_by("-version", "-accepted_at")]


def snapshot(version: ParameterVersion) -> dict[str, dict[str, Any]]:
    """Item code -> parameters of every item of the bank under ``version``."""
    if version.set_id is not None:
        kept = ParameterSet.objects.filter(pk=version.set_id).values_list("snapshot", flat=True).first()
        if kept:
            return dict(kept)
    return dict(Item.objects.filter(bank_id=version.bank_id).values_list("code", "params"))


def item_spec(item: Item, params: Mapping[str, Any] | None) -> ItemSpec:
    """An item as the engine sees it, with the given parameters (None: the item's own)."""
    p = dict(item.params if params is None else params) or {}
    return ItemSpec(
        id=item.code,
        type=item.type,  # type: ignore[arg-type]
        key=tuple(item.key),
        area=int(item.competence.area.code),
        competence=item.competence.code,
        level=item.level,
        a=float(p.get("a", 1.0)),
        b=float(p.get("b", 0.0)),
        steps=tuple(float(s) for s in p.get("steps") or ()),
        options=tuple(o["id"] for o in item.options),
        anchor=item.is_anchor,
        c=float(p.get("c", 0.0) or 0.0),
    )


def bank_specs(bank: ItemBank, codes: Iterable[str] | None = None) -> dict[str, ItemSpec]:
    """The bank's items (or those named) with their current parameters, by code."""
    items = Item.objects.filter(bank=bank).select_related("competence__area")
    if codes is not None:
        items = items.filter(code__in=list(codes))
    return {i.code: item_spec(i, None) for i in items}


# --- Comparing scales (plain data, for the benchmark) -------------------------------------------------


@dataclass(frozen=True)
class ScaleKey:
    bank: str  # "code version", e.g. "ikd 2026.1"
    version: int  # parameter version (0: provisional / baseline)


@dataclass(frozen=True)
class ScaleComparison:
    comparable: bool
    reason: str
    A: float = 1.0  # theta on b's scale = A * theta on a's scale + B (identity when on one scale)
    B: float = 0.0


def scale_links() -> list[dict[str, Any]]:
    """Every accepted version's scale facts as plain data: which bank and version, whether its anchors
    held (drift), and its link to an older bank version when one was computed."""
    out = []
    rows = ParameterSet.objects.filter(accepted_at__isnull=False, version__isnull=False).select_related(
        "bank"
    )
    for ps in rows.order_by("bank_id", "version"):
        drift = ps.drift or {}
        broken = [a.get("area") for a in drift.get("areas", []) if a.get("holds") is False]
        link = ps.version_link or {}
        out.append(
            {
                "bank": f"{ps.bank.code} {ps.bank.version}",
                "version": int(ps.version or 0),
                "anchors_hold": not broken,
                "broken_areas": broken,
                "link": {
                    "old_bank": link.get("old_bank", ""),
                    "old_version": int(link.get("old_version", 0) or 0),
                    "holds": bool(link.get("holds")),
                    "reason": str(link.get("reason", "")),
                    "A": _mean_of(link.get("areas", []), "A", 1.0),
                    "B": _mean_of(link.get("areas", []), "B", 0.0),
                }
                if link.get("computed")
                else None,
            }
        )
    return out


def _mean_of(areas: Sequence[Mapping[str, Any]], key: str, default: float) -> float:
    values = [float(a[key]) for a in areas if a.get(key) is not None]
    return sum(values) / len(values) if values else default


def common_scale(a: ScaleKey, b: ScaleKey, links: Sequence[Mapping[str, Any]]) -> ScaleComparison:
    """Whether figures under (bank, version) ``a`` and ``b`` can be compared, from ``scale_links()``.

    Same bank: one scale (anchors fixed in every calibration) unless a version between them reported
    anchors that no longer hold. Different versions of a bank: only through a stored link that holds.
    """
    if a == b:
        return ScaleComparison(True, "same bank and parameter version")
    code_a, code_b = a.bank.split(" ")[0], b.bank.split(" ")[0]
    if code_a != code_b:
        return ScaleComparison(False, f"different instruments ({a.bank}, {b.bank})")
    if a.bank == b.bank:
        low, high = sorted((a.version, b.version))
        broken = [
            link
            for link in links
            if link["bank"] == a.bank and low < int(link["version"]) <= high and not link["anchors_hold"]
        ]
        if broken:
            first = broken[0]
            return ScaleComparison(
                False,
                f"anchors of {a.bank} version {first['version']} did not hold in area(s) "
                + ", ".join(str(x) for x in first["broken_areas"]),
            )
        return ScaleComparison(True, f"{a.bank}: versions {low} and {high} share the fixed anchor items")
    for new, old, flip in ((a, b, False), (b, a, True)):
        for link in links:
            data = link.get("link")
            if link["bank"] != new.bank or not data or data["old_bank"] != old.bank:
                continue
            if not data["holds"]:
                return ScaleComparison(False, f"link {new.bank} → {old.bank} does not hold: {data['reason']}")
            A, B = float(data["A"]), float(data["B"])
            if flip:  # theta_old = A theta_new + B, asked the other way round
                A, B = 1.0 / A, -B / A
            return ScaleComparison(True, f"linked through common items ({new.bank} → {old.bank})", A, B)
    return ScaleComparison(False, f"no link between {a.bank} and {b.bank} has been calibrated")


def scale_of(bank: str, version: int, links: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The scale figures under (``bank``, parameter ``version``) are reported on, and a note, for the
    benchmark: the older bank version's scale when this version was accepted with a link to it that
    holds; otherwise the bank's own, with the reason when a link was tried and failed."""
    for link in links:
        data = link.get("link")
        if link["bank"] != bank or int(link["version"]) != version or not data:
            continue
        if data["holds"]:
            return data["old_bank"], f"{bank} linked to the scale of {data['old_bank']} through common items"
        return bank, f"not linked to {data['old_bank']}: {data['reason']}"
    return bank, ""

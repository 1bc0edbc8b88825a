"""Publishing a region's round to the benchmark, replacing it, withdrawing it.

The step receives plain figures (``RoundFigures``: counts, means and the like, never a person), runs them
through the disclosure rule, refuses them if the independent audit finds anything, and writes the protected
figures in one transaction, replacing what the same round published before. Republishing therefore never
leaves old and new figures side by side, which would let a reader subtract one version from the other.

Only a region whose signup was approved publishes (tenants.services.approval: its admin verified the email
address and a platform operator approved the claim); the refusal says what is missing. Figures for a code
with no region behind it are accepted only when simulated: the demo's and the tests' simulated regions,
which have no site and are reached from code only, never from a request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmark import disclosure
from benchmark.models import Event, Generation, Naming, Publication, PublishedCell
from tenants import wilayah
from tenants.models import Region
from tenants.services import approval

# The breakdowns a region publishes, in the order the portal shows them.
DIMENSIONS: tuple[str, ...] = ("status", "position_type", "rank_group", "age_band", "sex", "education")
AREAS = 5
MEAN_DIGITS = 3  # published means are rounded: rounding only removes information


class PublishingError(ValueError):
    """The figures cannot be published (unknown region, inconsistent figures, or the audit objected)."""


@dataclass(frozen=True)
class RoundFigures:
    """Everything one region sends for one round: where it comes from, and its aggregates."""

    region_code: str
    round_key: str
    round_name: str
    held_on: date
    instrument: str
    release: disclosure.Release
    simulated: bool = False


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, MEAN_DIGITS) if isinstance(v, float) else v) for k, v in values.items()}


def _public_figures(result: disclosure.ProtectedRelease) -> dict[str, Any]:
    view = disclosure.public_view(result)

    def tidy(cell: Any) -> None:
        if isinstance(cell, dict) and not cell.get("suppressed"):
            cell["means"] = _rounded(cell.get("means", {}))
            cell["stats"] = _rounded(cell.get("stats", {}))

    tidy(view.get("total"))
    tables: dict[str, Any] = view.get("tables") or {}  # type: ignore[assignment]
    for table in tables.values():
        for cell in (table.get("cells") or {}).values():
            tidy(cell)
    return view


def _levels(cell: disclosure.PublishedCell) -> list[list[int]]:
    """The published level groups as [first level index, stop, count]: levels 1-4 are 0-3; a merged group
    such as "levels 3-4" is [2, 4, count]."""
    return [
        [g.start, g.stop, int(g.count or 0)] for g in cell.vectors.get("level", ()) if g.count is not None
    ]


def _cell_row(publication: Publication, dimension: str, key: str, cell: disclosure.PublishedCell) -> Any:
    return PublishedCell(
        publication=publication,
        dimension=dimension,
        key=key,
        n=cell.n or 0,
        mean=round(cell.means["index"], MEAN_DIGITS),
        area_means=[round(cell.means[f"area{a}"], MEAN_DIGITS) for a in range(1, AREAS + 1)],
        levels=_levels(cell),
    )


def protect(figures: RoundFigures) -> disclosure.ProtectedRelease:
    """The disclosure rule, then the audit that CI relies on: nothing is written that the audit rejects."""
    try:
        result = disclosure.protect(figures.release)
    except ValueError as error:
        raise PublishingError(f"inconsistent figures: {error}") from error
    findings = disclosure.audit(result)
    if findings:
        raise PublishingError(f"the disclosure audit objected: {findings[0].kind} at {findings[0].where}")
    return result


def _bump() -> None:
    # A random token rather than a counter: a rolled-back change never leaves a value that a later,
    # different change would take again (which would serve figures cached for the first).
    Generation.objects.update_or_create(pk=1, defaults={"value": secrets.randbits(62)})
    from benchmark.tasks import queue_warm_portal  # the task module imports the national figures

    transaction.on_commit(queue_warm_portal)


def generation() -> int:
    return Generation.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def publish(figures: RoundFigures) -> Publication:
    """Write one round's protected figures, replacing the same round's earlier figures atomically."""
    official = wilayah.get(figures.region_code)
    if official is None or official.code != figures.region_code:
        raise PublishingError(f"unknown region code {figures.region_code!r}")
    _refuse_unapproved(official, figures.simulated)
    result = protect(figures)
    total = result.total
    with transaction.atomic():
        _lock(official.code, figures.round_key)
        replaced, _ = Publication.objects.filter(
            region_code=official.code, round_key=figures.round_key
        ).delete()
        publication = Publication.objects.create(
            region_code=official.code,
            region_name=official.name,
            kind=official.kind,
            province_code=official.province_code,
            province_name=official.province_name,
            round_key=figures.round_key,
            round_name=figures.round_name[:200],
            period=figures.held_on.year,
            held_on=figures.held_on,
            instrument=figures.instrument,
            simulated=figures.simulated,
            published_at=timezone.now(),
            suppressed=result.region_suppressed,
            participants=total.n,
            eligible=result.eligible,
            mean=round(total.means["index"], MEAN_DIGITS) if not total.suppressed else None,
            sd=_stat(total, "sd"),
            ci_low=_stat(total, "ci_low"),
            ci_high=_stat(total, "ci_high"),
            area_means=(
                [round(total.means[f"area{a}"], MEAN_DIGITS) for a in range(1, AREAS + 1)]
                if not total.suppressed
                else []
            ),
            figures=_public_figures(result),
        )
        rows = []
        if not total.suppressed:
            rows.append(_cell_row(publication, "region", "all", total))
            for table in result.tables:
                for key, cell in table.cells.items():
                    if not cell.suppressed and cell.n:
                        rows.append(_cell_row(publication, table.name, key, cell))
        PublishedCell.objects.bulk_create(rows)
        Event.objects.create(
            region_code=official.code,
            round_key=figures.round_key,
            action=Event.Action.REPLACED if replaced else Event.Action.PUBLISHED,
            participants=total.n,
        )
        _bump()
    return publication


def _refuse_unapproved(official: wilayah.OfficialRegion, simulated: bool) -> None:
    region = Region.objects.filter(code=official.code).first()
    if region is None:
        if not simulated:
            raise PublishingError(_("No region has signed up as %(name)s.") % {"name": official.name})
        return
    if refusal := approval.publish_refusal(region):
        raise PublishingError(refusal)


def withdraw_region(sender: Any = None, *, code: str, **kwargs: Any) -> int:
    """Remove every round a region code has in the benchmark (a rejected claim: the code starts clean).
    Connected to ``tenants.signals.region_rejected``, so it runs inside the rejection's transaction."""
    keys = list(Publication.objects.filter(region_code=code).values_list("round_key", flat=True))
    return sum(withdraw(code, key) for key in keys)


def _stat(cell: disclosure.PublishedCell, name: str) -> float | None:
    value = cell.stats.get(name)
    return round(value, MEAN_DIGITS) if value is not None else None


def _lock(region_code: str, round_key: str) -> None:
    """Serialise changes to one round's figures: two publishes at once would otherwise both find nothing
    to replace and collide on the unique constraint."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"benchmark:{region_code}:{round_key}"])


def withdraw(region_code: str, round_key: str) -> bool:
    """Remove a round's figures from the benchmark; the national figures no longer count them."""
    with transaction.atomic():
        _lock(region_code, round_key)
        deleted, _ = Publication.objects.filter(region_code=region_code, round_key=round_key).delete()
        if deleted:
            Event.objects.create(region_code=region_code, round_key=round_key, action=Event.Action.WITHDRAWN)
            _bump()
    return bool(deleted)


def set_naming(region_code: str, named: bool) -> Naming:
    if wilayah.get(region_code) is None:
        raise PublishingError(f"unknown region code {region_code!r}")
    with transaction.atomic():
        naming, _ = Naming.objects.update_or_create(region_code=region_code, defaults={"named": named})
        _bump()
    return naming


def is_named(region_code: str) -> bool:
    return Naming.objects.filter(region_code=region_code, named=True).exists()

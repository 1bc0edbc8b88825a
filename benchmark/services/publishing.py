"""Publishing a region's round to the benchmark, replacing it, withdrawing it.

The step receives plain figures (``RoundFigures``: counts, means and the like, never a person), runs them
through the disclosure rule, refuses them if the independent audit finds anything, and writes the protected
figures in one transaction, replacing what the same round published before.

Replacing is not enough against a reader who kept the earlier version: subtracting it from the new one gives
whatever changed in between, one person's values if one person changed. So every version of a round ever
published is kept (``Version``: the published view, nothing more; never deleted by a replacement or a
withdrawal), and a new version is protected against all of them (``disclosure.protect_against``: cells hidden
so that the differences only cover groups of at least ``MIN_CELL``) and audited against all of them
(``disclosure.audit_versions``), inside the transaction that writes it and under the round's lock, so that no
version can slip in between. What cannot be protected (the region's total changed by fewer than ten people,
or values changed for some people without a full re-score) is refused with the reason, and the benchmark
keeps what it had.

Only a region whose signup was approved publishes (tenants.services.approval: its admin verified the email
address and a platform operator approved the claim); the refusal says what is missing. Figures for a code
with no region behind it are accepted only when simulated: the demo's and the tests' simulated regions,
which have no site and are reached from code only, never from a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmark import disclosure
from benchmark.models import Event, Naming, Publication, PublishedCell, Version
from benchmark.services import generation
from benchmark.services.cells import AREAS
from tenants import wilayah
from tenants.models import Region
from tenants.services import approval

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
    # The item-parameter basis of the figures (provisional or calibrated), shown with them on every page.
    parameters: Mapping[str, Any] = field(default_factory=dict)
    # True only when every participant's values were computed again since the round's figures were last
    # published (a re-scoring under new item parameters) and no attempt was added, reopened or removed in
    # between: then values may change in every group while no group's size does (docs/disclosure.md).
    rescored: bool = False
    # The scale the figures are on when it is not the instrument's own: an older version's scale this
    # version is linked to where the link holds in every area; ``scale_note`` says how, or why not.
    scale: str = ""
    scale_note: str = ""


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


def protect(
    figures: RoundFigures, earlier: tuple[disclosure.ProtectedRelease, ...] = ()
) -> disclosure.ProtectedRelease:
    """The disclosure rule, protected further against the ``earlier`` versions of the round, then the two
    audits that CI relies on: nothing is written that either rejects."""
    try:
        result = disclosure.protect_against(
            figures.release, earlier, rescored=figures.rescored, digits=MEAN_DIGITS
        )
    except ValueError as error:
        raise PublishingError(f"inconsistent figures: {error}") from error
    findings = disclosure.audit(result)
    if findings:
        raise PublishingError(f"the disclosure audit objected: {findings[0].kind} at {findings[0].where}")
    findings = disclosure.audit_versions(result, earlier, rescored=figures.rescored, digits=MEAN_DIGITS)
    if findings:
        raise PublishingError(_refusal(findings))
    return result


def _refusal(findings: list[disclosure.Finding]) -> str:
    """Why a new version of a round cannot follow the earlier ones, for the region admin: the region
    total's reason first, when there is one (no protection of the breakdowns could have helped)."""
    finding = next((f for f in findings if f.where.startswith(("total", "re-score"))), findings[0])
    where = {"where": finding.where, "min": disclosure.MIN_CELL}
    if finding.kind == disclosure.FindingKind.DIFFERENCE:
        message = _(
            "These figures differ from a version of this round published before by fewer than %(min)d "
            "people (%(where)s): comparing the two versions would single those people out. The national "
            "benchmark was not changed."
        )
    elif finding.kind == disclosure.FindingKind.CHANGED:
        message = _(
            "Since a version of this round was published, values changed for only some of its participants "
            "(%(where)s): comparing the two versions would reveal their changes. Only a full re-scoring of "
            "the round can be sent again. The national benchmark was not changed."
        )
    else:
        message = _(
            "These figures would reveal what a version of this round published before kept hidden "
            "(%(where)s). The national benchmark was not changed."
        )
    return message % where


def earlier_versions(region_code: str, round_key: str) -> tuple[disclosure.ProtectedRelease, ...]:
    """Every version of a round ever published, oldest first, as a reader of the benchmark saw it."""
    rows = Version.objects.filter(region_code=region_code, round_key=round_key).order_by("number")
    return tuple(_as_published(row) for row in rows)


def _as_published(row: Version) -> disclosure.ProtectedRelease:
    low, high = row.value_range or (1.0, 4.0)
    nestings = tuple(
        disclosure.Nesting(child, parent, tuple(starts)) for child, parent, starts in row.nestings
    )
    return disclosure.from_view(row.figures, value_range=(float(low), float(high)), nestings=nestings)


def _bump(*, at_once: bool = False) -> None:
    """Cached national figures are stale from here on; once the change commits, the warm-up task builds
    the portal's pages of the new state (``generation.changed``, connected in ``benchmark.apps``), and
    viewers see the previous state's pages until then. ``at_once`` for a change of what may be shown
    at all (a withdrawal, naming): the next request reads the new state even before it is built."""
    generation.bump(at_once=at_once)


@dataclass(frozen=True)
class Preview:
    """What publishing these figures would write, computed and audited as ``publish`` does, written nowhere:
    shown to the region admin before they decide to send. ``refusal`` says why they could not be sent."""

    participants: int | None
    suppressed: bool
    figures: dict[str, Any]
    refusal: str | None = None


def preview(figures: RoundFigures) -> Preview:
    official = wilayah.get(figures.region_code)
    if official is None or official.code != figures.region_code:
        return Preview(None, False, {}, f"unknown region code {figures.region_code!r}")
    try:
        result = protect(figures, earlier_versions(official.code, figures.round_key))
    except PublishingError as error:
        return Preview(None, False, {}, str(error))
    return Preview(result.total.n, result.region_suppressed, _public_figures(result))


def publish(figures: RoundFigures, *, own_keys: str = "") -> Publication:
    """Write one round's protected figures, replacing the same round's earlier figures atomically.

    ``own_keys``: the round-key prefix of the publishing region's own rounds. Simulated figures published
    under the region's code before it signed up (the demo's stand-ins, whose keys do not start with it) are
    withdrawn in the same transaction: from its first own publication on, the code shows the region's own
    figures only."""
    official = wilayah.get(figures.region_code)
    if official is None or official.code != figures.region_code:
        raise PublishingError(f"unknown region code {figures.region_code!r}")
    _refuse_unapproved(official, figures.simulated)
    with transaction.atomic():
        if own_keys and figures.round_key.startswith(own_keys):
            stand_ins = Publication.objects.filter(region_code=official.code, simulated=True).exclude(
                round_key__startswith=own_keys
            )
            for key in list(stand_ins.values_list("round_key", flat=True)):
                withdraw(official.code, key)
        _lock(official.code, figures.round_key)
        earlier = earlier_versions(official.code, figures.round_key)
        result = protect(figures, earlier)
        total = result.total
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
            scale=figures.scale or figures.instrument,
            scale_note=figures.scale_note,
            simulated=figures.simulated,
            parameters=dict(figures.parameters),
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
        Version.objects.create(
            region_code=official.code,
            round_key=figures.round_key,
            number=len(earlier) + 1,
            published_at=publication.published_at,
            rescored=figures.rescored,
            figures=publication.figures,
            value_range=list(result.value_range),
            nestings=[[n.child, n.parent, list(n.starts)] for n in result.nestings],
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
    """Remove a round's figures from the benchmark; the national figures no longer count them. Its versions
    stay: whoever saw them still knows them, and a later sending is audited against them."""
    with transaction.atomic():
        _lock(region_code, round_key)
        deleted, _ = Publication.objects.filter(region_code=region_code, round_key=round_key).delete()
        if deleted:
            Event.objects.create(region_code=region_code, round_key=round_key, action=Event.Action.WITHDRAWN)
            _bump(at_once=True)  # withdrawn figures are never shown again, not even while rebuilding
    return bool(deleted)


def set_naming(region_code: str, named: bool) -> Naming:
    if wilayah.get(region_code) is None:
        raise PublishingError(f"unknown region code {region_code!r}")
    with transaction.atomic():
        naming, _ = Naming.objects.update_or_create(region_code=region_code, defaults={"named": named})
        _bump(at_once=True)  # whether a region is named shows at once
    return naming


def is_named(region_code: str) -> bool:
    return Naming.objects.filter(region_code=region_code, named=True).exists()

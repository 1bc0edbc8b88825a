"""Accepting a proposed parameter set as the bank's next parameter version, all or nothing.

Accepting writes the set's estimates into the bank's items (``Item.params``) and labels the bank with
it (``ItemBank.parameters``), as before versions existed, and in the same transaction:

* gives the set the bank's next version number and keeps its snapshot (every item's parameters under
  it), so rounds scored under it can be scored again identically later;
* the first time a bank gets a version, keeps what it held before as version 0 (*baseline*), so rounds
  scored on the provisional parameters stay reproducible too;
* records the items the operator leaves out of scoring under this version (``leave_out``: DIF
  category C or misfit, proposed in the set's ``review``).

Refused (``CalibrationError``) when the set was already accepted, when no operator is named, when a
left-out code is not an item of the bank, or when any item no longer holds the parameters the set
replaces (the bank changed since the proposal). Rounds keep their figures: a round moves to the new
version only by the explicit re-scoring step (``assessment.results.services.rescoring``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.instrument.calibration.common import CalibrationError
from assessment.instrument.calibration.proposal import full_snapshot
from assessment.instrument.models import Item, ItemBank, ParameterSet

BASELINE_BY = "system (parameters before the first calibration)"


def _keep_baseline(bank: ItemBank, items: dict[str, Item]) -> None:
    """Version 0: what the bank holds before its first accepted version."""
    if ParameterSet.objects.filter(bank=bank, accepted_at__isnull=False).exists():
        return
    now = timezone.now()
    ParameterSet.objects.create(
        bank=bank,
        kind=ParameterSet.Kind.BASELINE,
        label=bank.parameters,
        version=0,
        source="the item files' parameters, before the first accepted calibration",
        snapshot={code: dict(item.params or {}) for code, item in items.items()},
        accepted_at=now,
        accepted_by=BASELINE_BY,
    )


@transaction.atomic
def accept(parameter_set: ParameterSet, accepted_by: str, *, leave_out: Iterable[str] = ()) -> ParameterSet:
    """Make the set the bank's next parameter version (see the module docstring)."""
    if not accepted_by.strip():
        raise CalibrationError(_("Name who accepts the parameter set."), "accept")
    locked = ParameterSet.objects.select_for_update().get(pk=parameter_set.pk)
    if locked.accepted_at is not None:
        raise CalibrationError(
            _("Parameter set %(set)s was already accepted on %(when)s by %(who)s.")
            % {"set": locked.pk, "when": f"{locked.accepted_at:%Y-%m-%d %H:%M}", "who": locked.accepted_by},
            "accept",
        )
    if locked.kind == ParameterSet.Kind.BASELINE:
        raise CalibrationError(
            _("Parameter set %(set)s is a baseline, not a proposal.") % {"set": locked.pk}, "accept"
        )
    bank = ItemBank.objects.select_for_update().get(pk=locked.bank_id)
    items = {i.code: i for i in Item.objects.select_for_update().filter(bank=bank)}
    left_out = sorted({str(code).strip() for code in leave_out if str(code).strip()})
    unknown = [code for code in left_out if code not in items]
    if unknown:
        raise CalibrationError(
            _("Items to leave out are not in bank %(bank)s: %(codes)s.")
            % {"bank": bank, "codes": ", ".join(unknown[:5]) + ("…" if len(unknown) > 5 else "")},
            "accept",
        )
    missing = sorted(set(locked.params) - set(items))
    changed = sorted(
        code for code in locked.params if code in items and items[code].params != locked.previous.get(code)
    )
    if missing or changed:
        raise CalibrationError(
            _(
                "Bank %(bank)s has changed since parameter set %(set)s was proposed (%(gone)s item(s) "
                "gone, %(changed)s with other parameters: %(codes)s); calibrate again."
            )
            % {
                "bank": bank,
                "set": locked.pk,
                "gone": len(missing),
                "changed": len(changed),
                "codes": ", ".join((missing + changed)[:5])
                + ("…" if len(missing) + len(changed) > 5 else ""),
            },
            "accept",
        )
    _keep_baseline(bank, items)
    current = {code: item.params for code, item in items.items()}
    for code, new in locked.params.items():
        items[code].params = dict(new)
    Item.objects.bulk_update([items[code] for code in locked.params], ["params"])
    bank.parameters = locked.label
    bank.save(update_fields=["parameters"])
    top = ParameterSet.objects.filter(bank=bank).aggregate(top=Max("version"))["top"]
    locked.version = int(top or 0) + 1
    locked.snapshot = full_snapshot(current, locked.params)
    locked.excluded = left_out
    locked.accepted_at = timezone.now()
    locked.accepted_by = accepted_by.strip()[:200]
    locked.save(update_fields=["version", "snapshot", "excluded", "accepted_at", "accepted_by"])
    for field in ("version", "snapshot", "excluded", "accepted_at", "accepted_by"):
        setattr(parameter_set, field, getattr(locked, field))
    return parameter_set

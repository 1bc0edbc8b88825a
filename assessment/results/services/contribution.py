"""A region's contribution to the national calibration: an anonymous response matrix of a closed round.

Item responses leave a region only in this form (issue #17, point 1), and only from a region whose
admin agreed (``Region.contributes_to_calibration``, switched on the privacy settings page). What
leaves, and nothing else:

* the item scores (0, 1, 2) and which of them count (``mask``: answered items only, as the existing
  calibration reads them; items not reached, skipped or malformed say nothing reliable about an item's
  difficulty, docs/scoring.md 2.11);
* per row the grouping variables DIF needs: sex, an age band (``<30``, ``30-39``, ``40-49``, ``50+``,
  from the birth date at the round's date), the education group (SMA-, D1-D3, S1/D4, S2, S3), and the
  region's kind (provinsi, kabupaten, kota) — the same coarse groups as the region's own segments.

No NIP, name, birth date, work unit, attempt or employee id; the rows are shuffled (a permutation
seeded by the round's secret form seed, so two runs give the same matrix and the order cannot be
mapped back to the register without the region's own data). The bank and round are named so the
operator can say what a calibration rests on; the round id means nothing outside the region.

Built inside the region's schema (``build_matrix`` switches to it); the caller in the public schema
receives plain arrays. Refused with a clear message when the region has not agreed, or when the round
is not closed (an open round's answers are not final).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from numpy.typing import NDArray

from assessment.results.services import segments
from assessment.results.services.answers import coded_responses, item_specs, load_responses
from assessment.rounds.models import Participant, Round, Session
from tenants.models import Region


class ContributionError(Exception):
    """A matrix that may not or cannot leave the region; the message says why."""


@dataclass(frozen=True)
class AnonymousMatrix:
    """One round's responses as they leave a region: no person can be named from it."""

    bank_code: str
    bank_version: str
    round_id: int
    region_code: str
    region_kind: str
    item_ids: tuple[str, ...]
    scores: NDArray[np.int8]  # (persons, items)
    mask: NDArray[np.bool_]  # (persons, items): the response counts for calibration
    sex: tuple[str, ...]  # "L" / "P" / "" per row
    age_band: tuple[str, ...]  # "<30", "30-39", "40-49", "50+" or ""
    education: tuple[str, ...]  # education group or ""

    @property
    def persons(self) -> int:
        return int(self.scores.shape[0])

    @property
    def bank(self) -> str:
        return f"{self.bank_code} {self.bank_version}"


def round_date(round_: Round) -> date:
    """The day the round's test period ended: its last session, else its last submitted attempt."""
    last = Session.objects.filter(round=round_).order_by("-ends_at").values_list("ends_at", flat=True).first()
    if last is None:
        last = (
            Participant.objects.filter(round=round_, attempt__submitted_at__isnull=False)
            .order_by("-attempt__submitted_at")
            .values_list("attempt__submitted_at", flat=True)
            .first()
        )
    return timezone.localdate(last) if last is not None else timezone.localdate()


def _seed(round_: Round) -> int:
    digest = hashlib.sha256(f"contribution|{round_.form_seed}|{round_.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def consent_error(region: Region) -> str:
    return _(
        "Region %(name)s (%(code)s) has not agreed to contribute to the national calibration; its admin "
        "can switch it on in the privacy settings."
    ) % {"name": region.name, "code": region.code}


def missing_round(region: Region, round_id: int) -> str:
    return _("Round %(round)s does not exist in region %(name)s (%(code)s).") % {
        "round": round_id,
        "name": region.name,
        "code": region.code,
    }


def not_closed(region: Region, round_: Round) -> str:
    return _(
        "Round %(round)s '%(name)s' of %(region)s is %(state)s; only closed or published rounds are "
        "calibrated."
    ) % {
        "round": round_.pk,
        "name": round_.name,
        "region": region.name,
        "state": str(round_.get_state_display()).lower(),
    }


def build_matrix(region: Region, round_id: int, *, seed: int | None = None) -> AnonymousMatrix:
    """The anonymous matrix of one closed round of ``region`` (see the module docstring)."""
    fresh = Region.objects.filter(pk=region.pk).first()
    if fresh is None:
        raise ContributionError(_("Region %(code)s no longer exists.") % {"code": region.code})
    if not fresh.contributes_to_calibration:
        raise ContributionError(consent_error(fresh))
    with schema_context(fresh.schema_name):
        round_ = Round.objects.select_related("bank").filter(pk=round_id).first()
        if round_ is None:
            raise ContributionError(missing_round(fresh, round_id))
        if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
            raise ContributionError(not_closed(fresh, round_))
        # Every item of the form: scoring a response needs its key only, not a parameter version.
        specs = item_specs(round_, keep_excluded=True)
        loaded = load_responses(round_, specs)
        coded = coded_responses(specs, loaded)
        on = round_date(round_)
        people = {
            row[0]: row[1:]
            for row in Participant.objects.filter(attempt__id__in=loaded.attempt_ids).values_list(
                "attempt__id", "employee__sex", "employee__birth_date", "employee__education"
            )
        }
    scores = np.asarray(coded.scores, dtype=np.int8)
    mask = np.asarray(coded.calibration_mask, dtype=np.bool_)
    keep = np.flatnonzero(mask.any(axis=1))  # a person with no answered item tells nothing
    order = np.random.default_rng(_seed(round_) if seed is None else seed).permutation(keep)
    sex, age, education = [], [], []
    for i in order.tolist():
        p_sex, birth, level = people.get(loaded.attempt_ids[i], ("", None, ""))
        sex.append(p_sex or "")
        age.append(segments.age_band(birth, on))
        education.append(segments.education_group(level or ""))
    return AnonymousMatrix(
        bank_code=round_.bank.code,
        bank_version=round_.bank.version,
        round_id=round_.pk,
        region_code=fresh.code,
        region_kind=fresh.kind,
        item_ids=tuple(s.id for s in specs),
        scores=np.ascontiguousarray(scores[order]),
        mask=np.ascontiguousarray(mask[order]),
        sex=tuple(sex),
        age_band=tuple(age),
        education=tuple(education),
    )

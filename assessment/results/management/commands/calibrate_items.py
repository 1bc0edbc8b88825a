"""``manage.py calibrate_items``: propose new item parameters from a region's closed rounds, or accept them.

    manage.py calibrate_items --region <schema or slug> --round <id> [--round <id> ...] [--min-persons N]
    manage.py calibrate_items --accept <parameter set id> --by <operator>

Proposing reads the rounds' submitted answers in the region's schema, scores them into a matrix with
the results scoring helpers and stores a ParameterSet (public schema) without touching the items.
Accepting writes the set into the bank's items; rounds keep their stored scores until re-scored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.instrument import calibration
from assessment.instrument.models import ItemBank, ParameterSet
from assessment.results.services.answers import coded_responses, item_specs, load_responses
from assessment.rounds.models import Round
from assessment.scoring import ItemSpec
from tenants.models import Region

MIN_PERSONS = 200


def _fmt(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


class Command(BaseCommand):
    help = "Calibrate item parameters from a region's closed rounds (proposed, not applied), or accept a set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="Region schema name or slug.")
        parser.add_argument("--round", dest="round", type=int, action="append", help="Round id (repeatable).")
        parser.add_argument(
            "--min-persons",
            type=int,
            default=MIN_PERSONS,
            help=f"Fewest persons to calibrate on (default {MIN_PERSONS}; lower only for pilots).",
        )
        parser.add_argument("--accept", type=int, metavar="ID", help="Accept this proposed parameter set.")
        parser.add_argument("--by", help="Who accepts (email or name); required with --accept.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("accept") is not None:
            if options.get("region") or options.get("round"):
                raise CommandError("--accept does not take --region or --round.")
            self._accept(options["accept"], options.get("by") or "")
            return
        if not options.get("region") or not options.get("round"):
            raise CommandError(
                "Give --region and at least one --round to calibrate, or --accept <id> --by <name>."
            )
        self._propose(options["region"], options["round"], options["min_persons"])

    # ------------------------------------------------------------------------------------- accept
    def _accept(self, set_id: int, by: str) -> None:
        if not by.strip():
            raise CommandError("Say who accepts the parameter set: --by <email or name>.")
        with schema_context(get_public_schema_name()):
            parameter_set = ParameterSet.objects.select_related("bank").filter(pk=set_id).first()
            if parameter_set is None:
                raise CommandError(f"Parameter set {set_id} does not exist.")
            try:
                calibration.accept(parameter_set, by)
            except calibration.CalibrationError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Parameter set {parameter_set.pk} accepted by {parameter_set.accepted_by}: "
            f"{len(parameter_set.params)} items of bank {parameter_set.bank} updated, "
            f"parameters now '{parameter_set.label}'. Re-score rounds to apply them to their results."
        )

    # ------------------------------------------------------------------------------------ propose
    def _propose(self, region_key: str, round_ids: list[int], min_persons: int) -> None:
        with schema_context(get_public_schema_name()):
            region = Region.objects.filter(Q(schema_name=region_key) | Q(slug=region_key)).first()
        if region is None:
            raise CommandError(f"Unknown region '{region_key}': give a region's schema name or slug.")
        with schema_context(region.schema_name):
            rounds = self._rounds(region, round_ids)
            bank = rounds[0].bank
            specs, scores, mask = self._matrix(rounds)
        persons = int(mask.any(axis=1).sum())
        names = ", ".join(f"{r.pk} '{r.name}'" for r in rounds)
        if persons < min_persons:
            raise CommandError(
                f"Too few persons to calibrate: {persons} submitted attempt(s) in round(s) {names} of "
                f"{region.slug}; at least {min_persons} are needed (lower --min-persons only for a pilot)."
            )
        source = f"region {region.slug} (schema {region.schema_name}); rounds {names}; {persons} persons"
        with schema_context(get_public_schema_name()):
            try:
                parameter_set = calibration.propose(bank, specs, scores, mask, source)
            except calibration.CalibrationError as exc:
                raise CommandError(str(exc)) from exc
        self._report(parameter_set, bank, specs, persons)

    def _rounds(self, region: Region, round_ids: list[int]) -> list[Round]:
        rounds = []
        for round_id in dict.fromkeys(round_ids):
            round_ = Round.objects.select_related("bank").filter(pk=round_id).first()
            if round_ is None:
                raise CommandError(f"Round {round_id} does not exist in region {region.slug}.")
            if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
                raise CommandError(
                    f"Round {round_id} '{round_.name}' is {round_.state}; "
                    "only closed or published rounds are calibrated."
                )
            rounds.append(round_)
        banks = {r.bank_id for r in rounds}
        if len(banks) > 1:
            raise CommandError(
                "The rounds use different item banks ("
                + ", ".join(sorted({str(r.bank) for r in rounds}))
                + "); calibrate one bank at a time."
            )
        return rounds

    def _matrix(self, rounds: list[Round]) -> tuple[list[ItemSpec], np.ndarray, np.ndarray]:
        """Every round's submitted answers scored, stacked persons x (union of the forms' items)."""
        per_round = [(r, item_specs(r)) for r in rounds]
        specs: dict[str, ItemSpec] = {}
        for _, round_specs in per_round:
            for spec in round_specs:
                specs.setdefault(spec.id, spec)
        ordered = sorted(specs.values(), key=lambda s: (s.area, s.id))
        column = {s.id: j for j, s in enumerate(ordered)}
        blocks_x, blocks_m = [], []
        for round_, round_specs in per_round:
            # Answered items only: items not reached, skipped or malformed say nothing reliable about
            # an item's difficulty (docs/scoring.md 2.11).
            coded = coded_responses(round_specs, load_responses(round_, round_specs))
            x, m = coded.scores, coded.calibration_mask
            big_x = np.zeros((x.shape[0], len(ordered)), dtype=np.int8)
            big_m = np.zeros((x.shape[0], len(ordered)), dtype=np.bool_)
            cols = [column[s.id] for s in round_specs]
            big_x[:, cols], big_m[:, cols] = x, m
            blocks_x.append(big_x)
            blocks_m.append(big_m)
        return ordered, np.concatenate(blocks_x), np.concatenate(blocks_m)

    # ------------------------------------------------------------------------------------- report
    def _report(self, ps: ParameterSet, bank: ItemBank, specs: list[ItemSpec], persons: int) -> None:
        out = self.stdout.write
        out(f"Calibration of bank {bank} (parameters now '{bank.parameters}'), proposed as '{ps.label}'")
        out(f"Source: {ps.source}")
        out(f"Persons: {persons}")
        out("")
        out("Area  persons  items  anchors  scale    pop mean  pop sd  cycles  converged")
        for a in ps.areas:
            out(
                f"{a['area']:>4}  {a['persons']:>7}  {a['items']:>5}  {a['anchors']:>7}  {a['scale']:<7}  "
                f"{_fmt(a['pop_mean']):>8}  {_fmt(a['pop_sd']):>6}  {a['iterations']:>6}  "
                f"{'yes' if a['converged'] else 'NO (change ' + _fmt(a['max_change'], 4) + ')'}"
            )
        out("")
        out(
            f"{'Item':<14} {'a old':>6} {'a new':>6} {'b old':>6} {'b new':>6} {'infit':>6} {'outfit':>6} "
            f"{'RMSEA':>6} {'n':>5}  flags"
        )
        for spec in specs:
            fit = ps.fit.get(spec.id, {})
            new = ps.params.get(spec.id)
            old = ps.previous.get(spec.id) or {"a": spec.a, "b": spec.b}
            flags = list(fit.get("flags", []))
            if fit.get("displacement") is not None:
                flags.append(f"displacement {fit['displacement']:+.2f}")
            out(
                f"{spec.id:<14} {_fmt(old.get('a')):>6} {_fmt(new['a'] if new else old.get('a')):>6} "
                f"{_fmt(old.get('b')):>6} {_fmt(new['b'] if new else old.get('b')):>6} "
                f"{_fmt(fit.get('infit')):>6} {_fmt(fit.get('outfit')):>6} {_fmt(fit.get('rmsea'), 3):>6} "
                f"{fit.get('n', 0):>5}  {', '.join(flags)}"
            )
        out("")
        if ps.warnings:
            out(f"Warnings ({len(ps.warnings)}):")
            for warning in ps.warnings:
                out(f"  - {warning}")
        else:
            out("Warnings: none.")
        out("")
        out(
            f"Parameter set {ps.pk} proposed; accept with: "
            f"manage.py calibrate_items --accept {ps.pk} --by <name>"
        )

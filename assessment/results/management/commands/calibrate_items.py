"""``manage.py calibrate_items``: propose new item parameters from closed rounds of one or several
regions, or accept a proposed set as the bank's next parameter version.

    manage.py calibrate_items --round <region>:<id> [--round <region>:<id> ...] [--min-persons N]
    manage.py calibrate_items --region <schema or slug> --round <id> [--round <id> ...] [--min-persons N]
    manage.py calibrate_items --accept <parameter set id> --by <operator> [--leave-out <item code> ...]

Proposing goes through the operator's service (``assessment.instrument.calibration.jobs``): each
round's answers leave its region only as an anonymous response matrix, only from regions that agreed
to contribute, and the proposal (anchors fixed, one population per region, drift, DIF and the link to
an earlier bank version) is stored as a ParameterSet without touching the items. Accepting makes it the
bank's next version; rounds keep the version they were scored with until re-scored under the new one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.instrument import calibration
from assessment.instrument.calibration import jobs
from assessment.instrument.calibration.national import version_key
from assessment.instrument.models import ItemBank, ParameterSet

MIN_PERSONS = 200


def _fmt(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{float(value):.{digits}f}"


class Command(BaseCommand):
    help = (
        "Calibrate item parameters from closed rounds of one or several regions (proposed, not applied), "
        "or accept a set as the bank's next parameter version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="Region schema name, slug or code, for rounds given by id only.")
        parser.add_argument(
            "--round",
            dest="round",
            action="append",
            help="Round as <region>:<id>, or <id> with --region (repeatable).",
        )
        parser.add_argument(
            "--min-persons",
            type=int,
            default=MIN_PERSONS,
            help=f"Fewest persons to calibrate on (default {MIN_PERSONS}; lower only for pilots).",
        )
        parser.add_argument("--accept", type=int, metavar="ID", help="Accept this proposed parameter set.")
        parser.add_argument("--by", help="Who accepts (email or name); required with --accept.")
        parser.add_argument(
            "--leave-out",
            dest="leave_out",
            action="append",
            default=[],
            metavar="CODE",
            help="With --accept: an item left out of scoring under the new version (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("accept") is not None:
            if options.get("region") or options.get("round"):
                raise CommandError("--accept does not take --region or --round.")
            self._accept(options["accept"], options.get("by") or "", options.get("leave_out") or [])
            return
        if not options.get("round"):
            raise CommandError(
                "Give --round <region>:<id> (or --region and at least one --round) to calibrate, "
                "or --accept <id> --by <name>."
            )
        choices = self._choices(options.get("region"), [str(r) for r in options["round"]])
        self._propose(choices, options["min_persons"])

    def _choices(self, region: str | None, rounds: list[str]) -> list[jobs.RoundChoice]:
        out = []
        for text in rounds:
            key, sep, number = text.rpartition(":")
            key = key if sep else (region or "")
            if not key:
                raise CommandError(
                    f"Round '{text}': say whose round it is (--round <region>:<id>, or --region)."
                )
            if not number.strip().isdigit():
                raise CommandError(f"Round '{text}': the round id must be a number.")
            with schema_context(get_public_schema_name()):
                found = jobs.find_region(key)
            if found is None:
                raise CommandError(f"Unknown region '{key}': give a region's schema name, slug or code.")
            out.append(jobs.RoundChoice(found.code, int(number)))
        return out

    # ------------------------------------------------------------------------------------- accept
    def _accept(self, set_id: int, by: str, leave_out: list[str]) -> None:
        if not by.strip():
            raise CommandError("Say who accepts the parameter set: --by <email or name>.")
        with schema_context(get_public_schema_name()):
            parameter_set = ParameterSet.objects.select_related("bank").filter(pk=set_id).first()
            if parameter_set is None:
                raise CommandError(f"Parameter set {set_id} does not exist.")
            try:
                calibration.accept(parameter_set, by, leave_out=leave_out)
            except calibration.CalibrationError as exc:
                raise CommandError(str(exc)) from exc
        left = f"; left out of scoring: {', '.join(parameter_set.excluded)}" if parameter_set.excluded else ""
        self.stdout.write(
            f"Parameter set {parameter_set.pk} accepted by {parameter_set.accepted_by}: "
            f"{len(parameter_set.params)} items of bank {parameter_set.bank} updated, "
            f"parameters now '{parameter_set.label}' (version {parameter_set.version}){left}. "
            "Rounds keep the version they were scored with until re-scored under this one."
        )

    # ------------------------------------------------------------------------------------ propose
    def _propose(self, choices: list[jobs.RoundChoice], min_persons: int) -> None:
        with schema_context(get_public_schema_name()):
            bank = self._bank(choices)
            try:
                job = jobs.start_national_calibration(
                    bank, choices, "manage.py calibrate_items", min_persons=min_persons
                )
                parameter_set = jobs.run_national_calibration(job)
            except calibration.CalibrationError as exc:
                raise CommandError(str(exc)) from exc
            self._report(parameter_set, bank)

    def _bank(self, choices: list[jobs.RoundChoice]) -> ItemBank:
        """The bank to calibrate: the newest version among the chosen rounds' banks."""
        from assessment.rounds.models import Round

        banks: dict[int, ItemBank] = {}
        for choice in choices:
            region = jobs.find_region(choice.region)
            assert region is not None
            with schema_context(region.schema_name):
                round_ = Round.objects.select_related("bank").filter(pk=choice.round).first()
                if round_ is None:
                    raise CommandError(f"Round {choice.round} does not exist in region {region.slug}.")
                banks[round_.bank_id] = round_.bank
        codes = sorted({b.code for b in banks.values()})
        if len(codes) > 1:
            raise CommandError(
                "The rounds use different instruments ("
                + ", ".join(sorted(str(b) for b in banks.values()))
                + "); calibrate one instrument at a time."
            )
        return max(banks.values(), key=lambda b: version_key(b.version))

    # ------------------------------------------------------------------------------------- report
    def _report(self, ps: ParameterSet, bank: ItemBank) -> None:
        out = self.stdout.write
        out(f"Calibration of bank {bank} (parameters now '{bank.parameters}'), proposed as '{ps.label}'")
        out(f"Source: {ps.source}")
        out(f"Persons: {ps.persons}")
        for s in ps.sources:
            out(
                f"  {s['region_name']} ({s['region']}, {s['region_kind']}) "
                f"round {s['round']}: {s['persons']} persons"
            )
        out("")
        out("Area  persons  items  anchors  scale    model  pop mean  pop sd  cycles  converged")
        for a in ps.areas:
            model = (ps.area_models.get(str(a["area"])) or {}).get("model", "-")
            out(
                f"{a['area']:>4}  {a['persons']:>7}  {a['items']:>5}  {a['anchors']:>7}  {a['scale']:<7}  "
                f"{model:<5}  {_fmt(a['pop_mean']):>8}  {_fmt(a['pop_sd']):>6}  {a['iterations']:>6}  "
                f"{'yes' if a['converged'] else 'NO (change ' + _fmt(a['max_change'], 4) + ')'}"
            )
        out("")
        out(
            f"{'Item':<14} {'a old':>6} {'a new':>6} {'b old':>6} {'b new':>6} {'se b':>5} {'infit':>6} "
            f"{'outfit':>6} {'RMSEA':>6} {'n':>5}  flags"
        )
        for code, fit in sorted(ps.fit.items(), key=lambda kv: (kv[1].get("area", 0), kv[0])):
            new = ps.params.get(code)
            old = ps.previous.get(code) or ps.snapshot.get(code) or {}
            se = (ps.standard_errors.get(code) or {}).get("b")
            flags = list(fit.get("flags", []))
            if fit.get("displacement") is not None:
                flags.append(f"displacement {fit['displacement']:+.2f}")
            out(
                f"{code:<14} {_fmt(old.get('a')):>6} {_fmt(new['a'] if new else old.get('a')):>6} "
                f"{_fmt(old.get('b')):>6} {_fmt(new['b'] if new else old.get('b')):>6} {_fmt(se):>5} "
                f"{_fmt(fit.get('infit')):>6} {_fmt(fit.get('outfit')):>6} {_fmt(fit.get('rmsea'), 3):>6} "
                f"{fit.get('n', 0):>5}  {', '.join(flags)}"
            )
        out("")
        for title, section in (
            ("Anchor drift", ps.drift),
            ("DIF", ps.dif),
            ("Version link", ps.version_link),
        ):
            if not section:
                continue
            if not section.get("computed"):
                out(f"{title}: not computed ({section.get('reason', '')})")
            elif title == "DIF":
                c_items = sorted(
                    {i["id"] for c in section["comparisons"] for i in c["items"] if i["category"] == "C"}
                )
                out(
                    f"DIF: {len(section['comparisons'])} comparison(s); "
                    f"category C: {', '.join(c_items) or 'none'}"
                )
            else:
                held = [a for a in section.get("areas", []) if a.get("holds")]
                out(f"{title}: holds in {len(held)} of {len(section.get('areas', []))} area(s)")
        if ps.review:
            out(
                "For review (may be left out with --leave-out): "
                + ", ".join(f"{r['code']} ({'; '.join(r['reasons'])})" for r in ps.review)
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

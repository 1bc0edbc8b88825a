"""What a region does next: the setup checklist and the current round's state on the dashboard.

A region that has just signed up faces an empty site. The dashboard answers "what now?" with the six
steps every first round takes, in order: work units, the staff register, a round, its sessions, the
access-code sheets, and opening it on test day. Each step is derived from what exists in the region's
schema (nothing is stored: a step is done when its data is there, so the list can never disagree with
the site), and the first step not done is the one the page points at.

The round the checklist follows is the newest round that is not yet published; once every round is
published, the newest one (then the checklist is done and the page shows the round's state only).

Counts say what they count: the register step counts *employees in the register* (active rows of
``people.Employee``), never user accounts (employees get accounts only when a round is scheduled).
Code sheets count as handed out once someone downloaded one for the round: the audit trail records
every download (``export.personal_data`` with ``what=code_sheet``), so no extra flag is kept.

Cost: a handful of indexed counts and EXISTS queries per dashboard view, independent of the region's
size except for the two counts (an index-only count of 100,000 rows is a few milliseconds).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.people.models import Employee, WorkUnit
from assessment.rounds.models import Round
from audit.models import Event
from tenants.models import Region

DRAFT, SCHEDULED, OPEN = Round.State.DRAFT, Round.State.SCHEDULED, Round.State.OPEN
CLOSED, PUBLISHED = Round.State.CLOSED, Round.State.PUBLISHED


@dataclass(frozen=True)
class Step:
    key: str  # units, register, round, sessions, sheets, open
    title: str
    done: bool
    detail: str  # what is there now, or what to do
    url: str
    action: str  # the link's words


@dataclass(frozen=True)
class RoundState:
    round: Round
    explanation: str  # what the state means and what comes next


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]
    round_state: RoundState | None
    employees: int  # active employees in the register
    units: int  # active work units

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def done_count(self) -> int:
        return sum(s.done for s in self.steps)

    @property
    def complete(self) -> bool:
        return self.next_step is None


def followed_round() -> Round | None:
    """The round the checklist follows: the newest not yet published, else the newest."""
    return Round.objects.exclude(state=PUBLISHED).first() or Round.objects.first()


def sheets_downloaded(round_: Round) -> bool:
    return Event.objects.filter(
        kind="export.personal_data",
        subject_type="round",
        subject_id=str(round_.pk),
        details__what="code_sheet",
    ).exists()


def explain_state(round_: Round, sessions: int, participants: int) -> str:
    """One or two sentences: what the round's state means for the region, and the next move."""
    if round_.state == DRAFT:
        if not sessions or not participants:
            return _(
                "Draft: settings, sessions and participants can still change. Add at least one session and "
                "choose the participants, then schedule the round."
            )
        return _(
            "Draft: settings, sessions and participants can still change. When they are right, schedule "
            "the round: the test form is then fixed and the access codes can be printed."
        )
    if round_.state == SCHEDULED:
        return _(
            "Scheduled: the test form is fixed and the access codes are ready. Print the code sheets per "
            "unit and hand them out; open the round on test day so that employees can sign in."
        )
    if round_.state == OPEN:
        return _(
            "Open: employees can sign in at /tes/ during the sessions. Follow them on the live page; close "
            "the round when the last session is over."
        )
    if round_.state == CLOSED:
        return _(
            "Closed: nobody can answer any more and the answers are scored. Check the results, then "
            "publish them to the employees."
        )
    return _("Published: the employees can see their results; the reports and the roadmap are ready.")


def build() -> Checklist:
    """The checklist of the current schema's region (call inside the region's schema)."""
    units = WorkUnit.objects.filter(retired_at__isnull=True).count()
    employees = Employee.objects.filter(is_active=True).count()
    round_ = followed_round()
    sessions = participants = 0
    sheets = False
    if round_ is not None:
        sessions = round_.sessions.count()
        participants = round_.participants.count()
        sheets = sheets_downloaded(round_)
    state = round_.state if round_ is not None else None
    steps = (
        Step(
            "units",
            _("Work units"),
            units > 0,
            ngettext("%(n)s work unit.", "%(n)s work units.", units) % {"n": intcomma(units)}
            if units
            else _("Enter the work units (OPD), or let the register import create them."),
            reverse("unit_list"),
            _("Work units"),
        ),
        Step(
            "register",
            _("Staff register"),
            employees > 0,
            ngettext("%(n)s employee in the register.", "%(n)s employees in the register.", employees)
            % {"n": intcomma(employees)}
            if employees
            else _("Import the staff register (XLSX or CSV): NIP, name, unit, position and status."),
            reverse("import_upload"),
            _("Import the register"),
        ),
        Step(
            "round",
            _("A round"),
            round_ is not None,
            _("“%(name)s”.") % {"name": round_.name}
            if round_ is not None
            else _("Create a round: its name, the instrument and the time limit."),
            reverse("round_list"),
            _("Rounds"),
        ),
        Step(
            "sessions",
            _("Sessions and participants"),
            sessions > 0 and participants > 0,
            _("%(sessions)s; %(participants)s.")
            % {
                "sessions": ngettext("%(n)s session", "%(n)s sessions", sessions) % {"n": intcomma(sessions)},
                "participants": ngettext("%(n)s participant", "%(n)s participants", participants)
                % {"n": intcomma(participants)},
            }
            if round_ is not None
            else _("Add the test-day sessions and choose who takes part."),
            reverse("round_detail", args=[round_.pk]) if round_ is not None else reverse("round_list"),
            _("Open the round"),
        ),
        Step(
            "sheets",
            _("Access-code sheets"),
            sheets or state in {OPEN, CLOSED, PUBLISHED},
            _("Downloaded at least once.")
            if sheets
            else _("Schedule the round, then print the code sheets of each unit and hand them out."),
            reverse("round_detail", args=[round_.pk]) + "#code-sheets"
            if round_ is not None
            else reverse("round_list"),
            _("Code sheets"),
        ),
        Step(
            "open",
            _("Open on test day"),
            state in {OPEN, CLOSED, PUBLISHED},
            _("The round is %(state)s.") % {"state": round_.get_state_display().lower()}
            if round_ is not None
            else _("Open the round on test day so that employees can sign in at /tes/."),
            reverse("round_detail", args=[round_.pk]) if round_ is not None else reverse("round_list"),
            _("Open the round"),
        ),
    )
    round_state = RoundState(round_, explain_state(round_, sessions, participants)) if round_ else None
    return Checklist(steps, round_state, employees, units)


def explain_region_status(region: Region) -> str:
    """What the region's subscription status means for its users."""
    if region.status == Region.Status.TRIAL:
        return _(
            "Trial: every feature is open, so you can prepare and run a first round now. The platform "
            "operator makes the region active when its subscription starts; nothing prepared during the "
            "trial is lost."
        )
    if region.status == Region.Status.ACTIVE:
        return _("Active: the subscription runs and every feature is open.")
    if region.status == Region.Status.SUSPENDED:
        return _(
            "Suspended: the site can be read but nothing can be changed until the operator reactivates it."
        )
    return _("Closed: the region's subscription has ended.")

"""A round's own timeline (``RoundEvent``), forwarded to the region's audit trail, and read back as
sentences.

``record`` writes an event twice: the round page's timeline keeps the details as given (the NIP of an
employee whose code was revoked included, removed again by erasure and retention), the region's audit
trail keeps them without the NIP.

``history`` reads the timeline for people: each event becomes a sentence ("Siti Aminah, S.Kom. opened
the round.") with its time in the region's time zone, instead of the raw action and its key=value pairs.
Session times in the details are stored as ISO timestamps with an offset; they are shown in the region's
zone too. Employees named by an event (a revoked code, extra time) are looked up by id in one query;
their NIP is never shown. An action this module does not know yet still reads as a sentence naming the
action, so a new event never breaks the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessment.people.models import Employee
from assessment.rounds.models import Round, RoundEvent
from audit import services as audit_trail
from frontend.text import sentence


def record(round_: Round, actor: Any, action: str, **details: Any) -> RoundEvent:
    actor_id = getattr(actor, "pk", None)
    # The round page's own timeline, and the region's audit trail (which drops the NIP from details).
    audit_trail.record(f"round.{action}", actor=actor, subject=round_, **details)
    return RoundEvent.objects.create(round=round_, actor_id=actor_id, action=action, details=details)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime  # aware; shown in the region's zone
    when: str  # "6 Desember 2026 15.30 WITA"
    text: str  # the sentence


def _moment(value: datetime, tz: ZoneInfo, zone_label: str) -> str:
    local = value.astimezone(tz)
    return f"{formats.date_format(local, 'j F Y')} {formats.time_format(local, 'H:i')} {zone_label}".strip()


def _session(details: Mapping[str, Any], tz: ZoneInfo, zone_label: str) -> str:
    try:
        start = datetime.fromisoformat(str(details["starts_at"])).astimezone(tz)
        end = datetime.fromisoformat(str(details["ends_at"])).astimezone(tz)
    except (KeyError, ValueError):
        return "–"
    day = formats.date_format(start, "l, j F Y")
    return (
        f"{day}, {formats.time_format(start, 'H:i')}–{formats.time_format(end, 'H:i')} {zone_label}".strip()
    )


def _state(value: object) -> str:
    try:
        return str(Round.State(str(value)).label).lower()
    except ValueError:
        return str(value)


def _setting_names(details: Mapping[str, Any]) -> str:
    names = []
    for key in details:
        try:
            field = Round._meta.get_field(key)
        except FieldDoesNotExist:  # a field renamed since: its key still says what changed
            names.append(key)
        else:
            names.append(str(getattr(field, "verbose_name", key)))
    return ", ".join(names)


def describe(event: RoundEvent, who: str, employees: Mapping[int, str], tz: ZoneInfo, zone_label: str) -> str:
    """The sentence for one event; ``who`` is the actor's name ("" when the system acted)."""
    d: Mapping[str, Any] = event.details or {}
    actor = who or _("The system")
    person = (
        employees.get(int(d["employee"]), _("an employee"))
        if str(d.get("employee", "")).isdigit()
        else _("an employee")
    )
    minutes = int(d.get("minutes") or 0)
    reason = str(d.get("reason") or "").strip()
    because = (_(" Reason: %(reason)s.") % {"reason": reason}) if reason else ""
    action = event.action
    if action == "created":
        text = _("%(actor)s created the round.") % {"actor": actor}
    elif action == "settings_changed":
        text = _("%(actor)s changed the settings: %(fields)s.") % {
            "actor": actor,
            "fields": _setting_names(d),
        }
    elif action == "session_added":
        text = _("%(actor)s added a session on %(session)s.") % {
            "actor": actor,
            "session": _session(d, tz, zone_label),
        }
    elif action == "participants_set":
        added, removed = int(d.get("added") or 0), int(d.get("removed") or 0)
        text = _("%(actor)s set the participants: %(added)s, %(removed)s.") % {
            "actor": actor,
            "added": ngettext("%(n)s added", "%(n)s added", added)
            % {"n": formats.number_format(added, force_grouping=True)},
            "removed": ngettext("%(n)s removed", "%(n)s removed", removed)
            % {"n": formats.number_format(removed, force_grouping=True)},
        }
    elif action == "state_changed":
        text = _("%(actor)s changed the round from %(old)s to %(new)s.") % {
            "actor": actor,
            "old": _state(d.get("old")),
            "new": _state(d.get("new")),
        }
    elif action == "code_revoked":
        text = _("%(actor)s made a new access code for %(person)s; the printed one no longer works.") % {
            "actor": actor,
            "person": person,
        }
    elif action == "time_extended":
        text = ngettext(
            "%(actor)s gave %(person)s %(n)s more minute.",
            "%(actor)s gave %(person)s %(n)s more minutes.",
            minutes,
        ) % {"actor": actor, "person": person, "n": minutes}
        text += because
    elif action == "attempt_reopened":
        text = ngettext(
            "%(actor)s reopened the test of %(person)s for %(n)s minute.",
            "%(actor)s reopened the test of %(person)s for %(n)s minutes.",
            minutes,
        ) % {"actor": actor, "person": person, "n": minutes}
        text += because
    elif action == "rescored_under":
        text = _("%(actor)s had the round re-scored under item parameter version %(to)s (was %(was)s).") % {
            "actor": actor,
            "to": d.get("to_version", "?"),
            "was": d.get("from_version", "?"),
        }
    else:
        text = _("%(actor)s: %(action)s.") % {"actor": actor, "action": action.replace("_", " ")}
    return sentence(text)


def history(round_: Round, tz: ZoneInfo, zone_label: str = "", limit: int = 30) -> list[HistoryEntry]:
    """The round's newest events as sentences, newest first, times in ``tz`` (the region's zone)."""
    events: Sequence[RoundEvent] = list(round_.events.select_related("actor")[:limit])
    ids = {int(e.details["employee"]) for e in events if str((e.details or {}).get("employee", "")).isdigit()}
    employees = dict(Employee.objects.filter(pk__in=ids).values_list("pk", "full_name")) if ids else {}
    entries = []
    for event in events:
        who = getattr(event.actor, "full_name", "") or getattr(event.actor, "email", "") or ""
        entries.append(
            HistoryEntry(
                at=event.at,
                when=_moment(event.at, tz, zone_label),
                text=describe(event, who, employees, tz, zone_label),
            )
        )
    return entries

"""An employee's own data, as they may take it away (UU PDP art. 7 access and copy, art. 13 portability).

What the file holds, all of it the employee's own and nothing of anyone else's:

- their entry in the register (every field, as the region's admins see it);
- each round they were invited to: the attempt's times, the items presented and shown (item codes),
  and the answers they gave: item code and the option ids they chose, flagged or not, when saved;
- their result of each round once they may see it (after publication, or at once for rounds that say
  so), with the learning plan drawn from it;
- the sign-ins recorded under their name in the audit trail: when, and from which IP address (the only
  technical data kept about a taker; the device or browser is not recorded);
- their correction requests and what became of them; the retention periods that apply.

What it leaves out, on purpose: the answer keys and the item texts (the item bank is confidential so
that results stay meaningful; an item's code identifies it for any discussion with the region), whether
an answer was right, other people's figures (a unit's mean is an aggregate the employee may see on the
result page, not their personal data), and the staff who acted on the employee's record (their
names are the staff's personal data).

Reads only: nothing is scored here, and the learning plan is left out rather than seed the training
catalogue in a suspended (read-only) region that never had one, so such a region still hands the file
out. JSON because it is complete, machine-readable and portable; the page shows the same, readable.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assessment.people.models import Employee
from assessment.privacy.models import CorrectionRequest
from assessment.privacy.services import policy
from assessment.results.models import Score, TrainingCourse
from assessment.results.planning import LearningPlan, PlannedCourse
from assessment.rounds.models import Answer, Attempt, Participant, Round
from audit.models import Event
from tenants import readonly

FORMAT_VERSION = 1
# Audit events whose address is the employee's own (a taker's sign-ins); other events about the
# employee carry a staff member's address, which is not theirs to receive.
OWN_ADDRESS_KINDS = ("signin.taker_succeeded", "signin.taker_failed", "signin.succeeded", "signin.failed")


def register_entry(employee: Employee) -> dict[str, Any]:
    return {
        "nip": employee.nip,
        "full_name": employee.full_name,
        "unit": employee.unit.name,
        "unit_code": employee.unit.code,
        "position_title": employee.position_title,
        "position_type": employee.get_position_type_display(),
        "employment_status": employee.status_name,  # "PPPK Paruh Waktu", not its code
        "rank": employee.rank,
        "education": employee.education,
        "sex": employee.get_sex_display(),
        "birth_date": employee.birth_date,
        "email": employee.email,
        "phone": employee.phone,
        "active": employee.is_active,
        "registered_at": employee.created_at,
        "updated_at": employee.updated_at,
    }


def result_visible(round_: Round) -> bool:
    """Whether the employee may see their result of the round (as ``reading.own_score`` decides,
    without scoring on the spot)."""
    return round_.state == Round.State.PUBLISHED or round_.result_timing == Round.ResultTiming.IMMEDIATE


def _answers(attempt: Attempt) -> list[dict[str, Any]]:
    # Item code and options chosen: never the item's key, nor whether the answer was right.
    return [
        {"item": a.item_code, "chosen": a.response, "flagged": a.flagged, "saved_at": a.saved_at}
        for a in Answer.objects.filter(attempt=attempt).order_by("item_code")
    ]


def _course(planned: PlannedCourse) -> dict[str, Any]:
    c = planned.course
    return {
        "code": c.code,
        "title": c.title,
        "provider": c.provider,
        "mode": c.mode,
        "jp": c.jp,
        "competences": list(planned.competences),
        "reason": planned.reason,
    }


def learning_plan(plan: LearningPlan) -> dict[str, Any]:
    return {
        "courses": [_course(p) for p in plan.courses],
        "total_jp": plan.total_jp,
        "gaps": [{"competence": g.competence, "level": g.level, "target": g.target} for g in plan.gaps],
        "not_covered": list(plan.uncovered),
        "next_year": [_course(p) for p in plan.later],
    }


def _result(score: Score) -> dict[str, Any]:
    from assessment.results.services import roadmaps

    result: dict[str, Any] = {
        "complete": score.complete,
        "answered": score.answered,
        "index": score.index,
        "index_low": score.index_low,
        "index_high": score.index_high,
        "level": score.level or None,
        "areas": score.areas,
        "competences": score.competences,
        # Random draws around the index, used only for the region's group figures.
        "plausible_values": score.plausible,
        "counted_in": {
            "unit": score.unit.name,
            "status": score.status,
            "position_type": score.position_type,
            "rank_group": score.rank_group,
            "age_band": score.age_band,
            "sex": score.sex,
            "education": score.education,
        },
    }
    if score.complete and (TrainingCourse.objects.exists() or not readonly.connection_is_read_only()):
        result["learning_plan"] = learning_plan(roadmaps.personal_plan(score))
    return result


def rounds_of(employee: Employee) -> list[dict[str, Any]]:
    rows = []
    participants = (
        Participant.objects.filter(employee=employee)
        .select_related("round", "unit")
        .order_by("round__created_at")
    )
    for p in participants:
        attempt = Attempt.objects.filter(participant=p).first()
        entry: dict[str, Any] = {
            "round": p.round.name,
            "round_state": p.round.get_state_display(),
            "unit": p.unit.name,
            "attempt": None,
            "result": None,
            "result_published": False,
        }
        if attempt is not None:
            entry["attempt"] = {
                "state": attempt.get_state_display(),
                "started_at": attempt.started_at,
                "deadline_at": attempt.deadline_at,
                "submitted_at": attempt.submitted_at,
                "submitted_automatically": attempt.submitted_automatically,
                "items_presented": attempt.item_order,
                "items_shown": attempt.seen_items,
                "answers": _answers(attempt),
            }
            score = Score.objects.filter(attempt=attempt).select_related("unit").first()
            visible = score is not None and result_visible(p.round)
            entry["result"] = _result(score) if score is not None and visible else None
            # A submitted test whose result the region has not published yet (not an empty result).
            entry["result_published"] = visible
        rows.append(entry)
    return rows


def sign_ins(employee: Employee) -> list[dict[str, Any]]:
    events = Event.objects.filter(subject_type="employee", subject_id=str(employee.pk)).order_by("at", "id")
    return [{"at": e.at, "kind": e.kind, "ip": e.ip if e.kind in OWN_ADDRESS_KINDS else None} for e in events]


def corrections(employee: Employee) -> list[dict[str, Any]]:
    return [
        {
            "field": r.field,
            "requested_value": r.requested_value,
            "note": r.note,
            "state": r.state,
            "asked_at": r.created_at,
            "answered_at": r.resolved_at,
            "answer": r.response,
        }
        for r in CorrectionRequest.objects.filter(employee=employee)
    ]


def collect(employee: Employee, region: Any) -> dict[str, Any]:
    """Everything the region's schema holds about the employee (see the module's docstring)."""
    facts = policy.notice_facts(region)
    return {
        "format": f"ikd-own-data/{FORMAT_VERSION}",
        "generated_at": timezone.now(),
        "controller": facts.region,
        "register": register_entry(employee),
        "rounds": rounds_of(employee),
        "sign_ins": sign_ins(employee),
        "correction_requests": corrections(employee),
        "retention": {
            "answers_months_after_round": facts.responses_months,
            "results_years_after_round": facts.results_years,
        },
    }


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return timezone.localtime(o).isoformat() if timezone.is_aware(o) else o.isoformat()
        if isinstance(o, date):
            return o.isoformat()
        return super().default(o)


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=_Encoder, ensure_ascii=False, indent=2).encode()

"""A round's form and its stored answers, as the scoring engine needs them.

``item_specs`` turns the round's form into engine ``ItemSpec``s; ``load_responses`` reads every
submitted attempt's stored answers with the order the taker saw the items in and the items the test
page reported as shown; ``coded_responses`` applies the response-process rule of
``assessment.scoring.responses`` (answered, malformed, not reached, omitted, complete). Scoring a round,
scoring one attempt at once and calibration all read answers through here, so they agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

from assessment.instrument.models import Item
from assessment.rounds.models import Attempt, Round
from assessment.scoring import ItemSpec
from assessment.scoring.responses import ResponseMatrix, StoredResponse, code_responses


def item_specs(round_: Round) -> list[ItemSpec]:
    """The round's form as the engine sees it, in form order."""
    items = {
        i.code: i
        for i in Item.objects.filter(bank=round_.bank, code__in=round_.form_items).select_related(
            "competence__area"
        )
    }
    specs = []
    for code in round_.form_items:
        item = items[code]
        params = item.params or {}
        specs.append(
            ItemSpec(
                id=code,
                type=item.type,  # type: ignore[arg-type]
                key=tuple(item.key),
                area=int(item.competence.area.code),
                competence=item.competence.code,
                level=item.level,
                a=float(params.get("a", 1.0)),
                b=float(params.get("b", 0.0)),
                steps=tuple(float(s) for s in params.get("steps") or ()),
                options=tuple(o["id"] for o in item.options),
                anchor=item.is_anchor,
            )
        )
    return specs


@dataclass(frozen=True)
class LoadedResponses:
    """Submitted attempts of a round, in id order: stored responses, the taker's order, items shown."""

    attempt_ids: list[int]
    responses: list[dict[str, StoredResponse]]
    orders: list[list[str]]
    seen: list[list[str]]


def load_responses(round_: Round, specs: list[ItemSpec], attempt_id: int | None = None) -> LoadedResponses:
    """Every submitted attempt's answers (or one attempt's), read in two queries."""
    single = {s.id for s in specs if s.max_score == 1}
    form = {s.id for s in specs}
    attempts = Attempt.objects.filter(participant__round=round_, state=Attempt.State.SUBMITTED)
    if attempt_id is not None:
        attempts = attempts.filter(pk=attempt_id)
    rows = list(attempts.order_by("pk").values_list("pk", "item_order", "seen_items"))
    attempt_ids = [pk for pk, _order, _seen in rows]
    position = {pk: n for n, pk in enumerate(attempt_ids)}
    responses: list[dict[str, StoredResponse]] = [{} for _ in attempt_ids]
    with connection.cursor() as cursor:
        # Raw rows, and a one-option answer as plain text from PostgreSQL: 600,000 answers through
        # the ORM or json.loads would cost more than the scoring itself.
        cursor.execute(
            "SELECT a.attempt_id, a.item_code, "
            "CASE WHEN jsonb_typeof(a.response) = 'array' AND jsonb_array_length(a.response) = 1 "
            "AND jsonb_typeof(a.response->0) = 'string' THEN a.response->>0 END, "
            "a.response::text "
            "FROM rounds_answer a "
            "JOIN rounds_attempt t ON t.id = a.attempt_id JOIN rounds_participant p "
            "ON p.id = t.participant_id WHERE p.round_id = %s AND t.state = 'submitted' "
            "AND (%s::bigint IS NULL OR t.id = %s::bigint)",
            [round_.pk, attempt_id, attempt_id],
        )
        for attempt, code, one, raw in cursor.fetchall():
            if code not in form:
                continue
            if one is not None:
                responses[position[attempt]][code] = one if code in single else [one]
            else:
                # Anything else is kept as stored: the coding step decides whether it fits the item.
                value = json.loads(raw)
                responses[position[attempt]][code] = value if isinstance(value, list) else [None]
    return LoadedResponses(
        attempt_ids,
        responses,
        [list(order or []) for _pk, order, _seen in rows],
        [list(seen or []) for _pk, _order, seen in rows],
    )


def coded_responses(specs: list[ItemSpec], loaded: LoadedResponses) -> ResponseMatrix:
    return code_responses(specs, loaded.responses, loaded.orders, loaded.seen)

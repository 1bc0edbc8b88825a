"""A round's form and its stored answers, as the scoring engine needs them.

``item_specs`` turns the round's form into engine ``ItemSpec``s; ``load_responses`` reads every
submitted attempt's stored answers with the order the taker saw the items in and the items the test
page reported as shown; ``coded_responses`` applies the response-process rule of
``assessment.scoring.responses`` (answered, malformed, not reached, omitted, complete). Scoring a round,
scoring one attempt at once and calibration all read answers through here, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from assessment.instrument.models import Item
from assessment.rounds.models import Round
from assessment.scoring import ItemSpec
from assessment.scoring.responses import ResponseMatrix, code_stored


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
    """Submitted attempts of a round, in id order: each attempt's stored answers as JSON texts in form
    order (None: no answer), the order the taker saw the items in, and the items reported as shown."""

    attempt_ids: list[int]
    stored: NDArray[np.object_]  # (attempts, items): the stored JSON text, or None
    orders: list[list[str]]
    seen: list[list[str]]


def load_responses(round_: Round, specs: list[ItemSpec], attempt_id: int | None = None) -> LoadedResponses:
    """Every submitted attempt's answers (or one attempt's), in one query.

    PostgreSQL groups the answers per attempt and hands them over as two text arrays; the JSON is
    decoded later once per distinct answer, not once per row (600,000 answers through the ORM or
    json.loads would cost more than the scoring itself).
    """
    form = [s.id for s in specs]
    with connection.cursor() as cursor:
        # The orders as text arrays, which the driver parses in C: ten thousand json.loads of a
        # 60-item list cost more than the whole read.
        cursor.execute(
            "SELECT t.id, ARRAY(SELECT jsonb_array_elements_text(t.item_order)), "
            "ARRAY(SELECT jsonb_array_elements_text(t.seen_items)), "
            "array_remove(array_agg(a.item_code), NULL), array_remove(array_agg(a.response::text), NULL) "
            "FROM rounds_attempt t JOIN rounds_participant p ON p.id = t.participant_id "
            "LEFT JOIN rounds_answer a ON a.attempt_id = t.id "
            "WHERE p.round_id = %s AND t.state = 'submitted' AND (%s::bigint IS NULL OR t.id = %s::bigint) "
            "GROUP BY t.id ORDER BY t.id",
            [round_.pk, attempt_id, attempt_id],
        )
        rows = cursor.fetchall()
    attempt_ids = [row[0] for row in rows]
    column = {code: j for j, code in enumerate(form)}
    # All answers into one (attempts, items) matrix by fancy indexing, rather than a dict per attempt.
    person = [n for n, row in enumerate(rows) for _ in row[3]]
    item = [column.get(code, -1) for row in rows for code in row[3]]
    texts = [text for row in rows for text in row[4]]
    stored = np.full((len(rows), len(form)), None, dtype=object)
    if texts:
        person_ix, item_ix = np.array(person), np.array(item)
        kept = item_ix >= 0  # an answer to an item no longer on the form is ignored
        values = np.empty(len(texts), dtype=object)
        values[:] = texts
        stored[person_ix[kept], item_ix[kept]] = values[kept]
    orders = [row[1] for row in rows]
    seen = [row[2] for row in rows]
    return LoadedResponses(attempt_ids, stored, orders, seen)


def coded_responses(specs: list[ItemSpec], loaded: LoadedResponses) -> ResponseMatrix:
    return code_stored(specs, loaded.stored, loaded.orders, loaded.seen)

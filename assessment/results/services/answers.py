"""A round's form and its stored answers, as the scoring engine needs them.

``item_specs`` turns the round's form into engine ``ItemSpec``s; ``load_responses`` reads every
submitted attempt's stored answers with the order the taker saw the items in and the items the test
page reported as shown; ``coded_responses`` applies the response-process rule of
``assessment.scoring.responses`` (answered, malformed, not reached, omitted, complete). Scoring a round,
scoring one attempt at once and calibration all read answers through here, so they agree.

Parameter versions: a round is scored under the version it was first scored with
(``pinned_version``), so scoring it again after a newer version was accepted gives the same figures;
the items left out under that version are left out of its form here. Moving a round to a newer
version is an explicit step (``rescoring.rescore_under``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from assessment.instrument.calibration import versions
from assessment.instrument.calibration.versions import PROVISIONAL, ParameterVersion
from assessment.instrument.models import Item
from assessment.results.models import ScoringRun
from assessment.rounds.models import Round
from assessment.scoring import ItemSpec
from assessment.scoring.responses import ResponseMatrix, code_stored


def pinned_version(round_: Round, parameters: Mapping[str, Any] | None = None) -> ParameterVersion:
    """The parameter version the round is scored under (``parameters``: its ``ScoringRun.parameters``,
    read when not given).

    A round is pinned to the version it was first scored with: the basis its scoring run recorded
    (``set_id``, or for scorings recorded before versions existed, the label). A pending explicit
    re-scoring under another version (``rescore_to``, see ``rescoring.rescore_under``) takes its place
    until that scoring has run. A round never scored uses the bank's current version.
    """
    if parameters is None:
        parameters = (
            ScoringRun.objects.filter(round=round_).values_list("parameters", flat=True).first() or {}
        )
    bank = round_.bank
    target = parameters.get("rescore_to")
    if target:
        return versions.by_set_id(bank, int(target))
    if parameters.get("set_id"):
        return versions.by_set_id(bank, int(parameters["set_id"]))
    if parameters.get("status"):
        label = PROVISIONAL if parameters["status"] == PROVISIONAL else str(parameters.get("label", ""))
        return versions.by_label(bank, label)
    return versions.current(bank)


def item_specs(
    round_: Round, version: ParameterVersion | None = None, *, keep_excluded: bool = False
) -> list[ItemSpec]:
    """The round's form as the engine sees it, in form order, with the parameters of ``version``
    (default: the version the round is pinned to). Items left out under that version are not part
    of it, unless ``keep_excluded`` (reading responses for a calibration needs every item)."""
    version = pinned_version(round_) if version is None else version
    params = versions.snapshot(version)
    left_out = set() if keep_excluded else set(version.excluded)
    items = {
        i.code: i
        for i in Item.objects.filter(bank=round_.bank, code__in=round_.form_items).select_related(
            "competence__area"
        )
    }
    return [
        versions.item_spec(items[code], params.get(code, items[code].params))
        for code in round_.form_items
        if code not in left_out
    ]


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
    if len(form) < len(round_.form_items):  # items left out under the version: not part of the order
        orders = [[code for code in order if code in column] for order in orders]
    seen = [row[2] for row in rows]
    return LoadedResponses(attempt_ids, stored, orders, seen)


def coded_responses(specs: list[ItemSpec], loaded: LoadedResponses) -> ResponseMatrix:
    return code_stored(specs, loaded.stored, loaded.orders, loaded.seen)

"""Creating and updating employees through the API, with the register import's checks and messages.

Why no second copy of the rules: an API row goes through ``importing.parse_rows`` (the same per-cell
parsing, required fields, NIP layout and cross-checks, duplicate NIPs in the batch) and
``importing.plan_import`` (the same unit matching by name or code, retired and unknown units) as a row of
an uploaded file. Messages are the import's, in Indonesian; they name the field as the import's
template does ("Jenis Jabatan"), and ``field`` gives the API's field name (``position_type``).

Row numbers: an API row's "row" in messages is its 1-based position in the batch (``baris 3``);
``index`` in the answer is the 0-based array index (``2``).

Why not the import's staging path: that path records an upload (an ImportJob), stages rows with COPY
and compares a fingerprint of the whole register, which is right for a file an admin checked and saves
minutes later, and too much for a batch checked and saved in the same request (a nightly sync of
12,500 employees in batches of 1,000, or one PUT per employee, would list thousands of "uploads"). So a
batch is saved here with one set-based statement, ``INSERT ... SELECT FROM unnest(...) ON CONFLICT (nip)
DO UPDATE``, in one transaction: all or nothing per batch, race-free against a concurrent writer of the
same NIP (the final state is the batch's), and rows whose values are already the register's are not
touched (``updated_at`` keeps meaning "changed"). The units the batch uses are locked FOR SHARE and must
still be active; if one was retired since the check, the batch is checked again (``ATTEMPTS``).

Like the import, a saved row is active (an employee sent by the register system is in the register).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.people.models import Employee, WorkUnit
from assessment.people.services import importing
from assessment.people.services.importing import COLUMNS, RECORD_FIELDS, Record
from assessment.people.services.units import name_key
from assessment.training.services import recording

MAX_BATCH = 1000
ATTEMPTS = 3
FIELDS = list(COLUMNS)  # the API's field names: nip, full_name, unit, ...
_FIELD_OF_COLUMN = {aliases[0]: name for name, aliases in COLUMNS.items()}


@dataclass(frozen=True)
class FieldProblem:
    index: int  # 0-based position in the batch; -1 for the batch as a whole
    field: str  # the API field name ("" for the batch or row as a whole)
    message: str


@dataclass(frozen=True)
class Outcome:
    created: int
    updated: int
    unchanged: int
    created_nips: frozenset[str]


class BatchRejected(Exception):
    """Nothing was saved; ``problems`` says why, per row and field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _shape_problems(rows: Sequence[object]) -> list[FieldProblem]:
    """Problems of the JSON itself (not a register value): a row that is not an object, an unknown
    field, a value that is a list or object, text PostgreSQL cannot store (NUL, a lone surrogate: the
    training writes' check and message)."""
    problems: list[FieldProblem] = []
    known = set(FIELDS)
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append(FieldProblem(index, "", _("Each employee must be a JSON object.")))
            continue
        for name, value in row.items():
            if name not in known:
                # Echoed as an escape when the name cannot be written as UTF-8 (a lone surrogate).
                shown = (
                    name if recording.encodable(name) else name.encode("utf-8", "backslashreplace").decode()
                )
                problems.append(
                    FieldProblem(
                        index,
                        shown,
                        _("Unknown field “%(field)s”; the fields are: %(fields)s.")
                        % {"field": shown, "fields": ", ".join(FIELDS)},
                    )
                )
            elif value is not None and not isinstance(value, str | int | float | bool):
                problems.append(FieldProblem(index, name, _("The value must be text or a number.")))
            elif isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold it
                problems.append(FieldProblem(index, name, _("The value must not contain a NUL character.")))
            elif isinstance(value, str) and not recording.encodable(value):  # a lone surrogate ("\ud800")
                problems.append(FieldProblem(index, name, recording.INVALID_CHARACTER))
    return problems


def check(rows: Sequence[object]) -> importing.Plan:
    """The import's check of ``rows``; BatchRejected with every problem, or the plan to save."""
    if len(rows) > MAX_BATCH:
        message = _("At most %(max)d employees per batch; this one has %(count)d.")
        raise BatchRejected([FieldProblem(-1, "", message % {"max": MAX_BATCH, "count": len(rows)})])
    if not rows:
        raise BatchRejected([FieldProblem(-1, "", _("The batch has no employees."))])
    if problems := _shape_problems(rows):
        raise BatchRejected(problems)
    numbered = [(index + 1, {name: row.get(name) for name in FIELDS}) for index, row in enumerate(rows)]  # type: ignore[attr-defined]
    parsed = importing.parse_rows(numbered, {})
    plan = importing.plan_import(parsed, create_units=False, deactivate_missing=False, batch=True)
    if plan.rejected:
        raise BatchRejected(
            [
                FieldProblem(error.row - 1, _FIELD_OF_COLUMN.get(error.column, error.column), error.message)
                for error in sorted(plan.rejected, key=lambda e: e.row)
            ]
        )
    return plan


def _records(plan: importing.Plan) -> list[Record]:
    return [*plan.new, *(record for _pk, record in plan.changed), *plan.same]


# The batch goes to PostgreSQL as one JSON document (json_to_recordset): one parameter that the driver
# passes as it is, where a dozen arrays of a thousand values each were quoted value by value in Python
# (most of the save's time in the web process).
_ROW_TYPE = ", ".join(
    ["nip text", "unit_id bigint", *(f"{n} {'date' if n == 'birth_date' else 'text'}" for n in RECORD_FIELDS)]
)


def _rows_json(records: Sequence[Record], unit_ids: Sequence[int]) -> str:
    rows = [
        {
            **{name: getattr(record, name) for name in RECORD_FIELDS},
            "nip": record.nip,
            "unit_id": unit_id,
            "birth_date": record.birth_date.isoformat() if record.birth_date else None,
        }
        for record, unit_id in zip(records, unit_ids, strict=True)
    ]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _save(plan: importing.Plan) -> Outcome | None:
    """Write the plan's rows in one statement; None when a unit it uses was retired since the check."""
    records = _records(plan)
    keys: dict[str, str] = {}  # a unit's name as written -> its key (a batch names a few units)
    unit_ids = [
        plan.unit_ids[keys.get(record.unit) or keys.setdefault(record.unit, name_key(record.unit))]
        for record in records
    ]
    table, units = Employee._meta.db_table, WorkUnit._meta.db_table
    wanted = sorted(set(unit_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT id FROM {units} "  # noqa: S608 (a table name)
            "WHERE id = ANY(%s) AND retired_at IS NULL FOR SHARE) u",
            [wanted],
        )
        row = cursor.fetchone()
        if row is None or row[0] != len(wanted):
            return None
        compared = ["unit_id", "is_active", *RECORD_FIELDS]
        now = timezone.now()
        cursor.execute(
            f"INSERT INTO {table} AS e "  # noqa: S608 (table and column names only)
            f"(nip, unit_id, is_active, created_at, updated_at, {', '.join(RECORD_FIELDS)}) "
            f"SELECT v.nip, v.unit_id, true, %s, %s, {', '.join('v.' + n for n in RECORD_FIELDS)} "
            f"FROM json_to_recordset(%s::json) AS v({_ROW_TYPE}) "
            "ON CONFLICT (nip) DO UPDATE SET is_active = true, updated_at = EXCLUDED.updated_at, "
            + ", ".join(f"{n} = EXCLUDED.{n}" for n in ["unit_id", *RECORD_FIELDS])
            + f" WHERE ({', '.join('e.' + n for n in compared)}) IS DISTINCT FROM "
            f"({', '.join('true' if n == 'is_active' else 'EXCLUDED.' + n for n in compared)}) "
            "RETURNING e.nip, (xmax = 0)",
            [now, now, _rows_json(records, unit_ids)],
        )
        written = cursor.fetchall()
    created = frozenset(nip for nip, inserted in written if inserted)
    return Outcome(
        created=len(created),
        updated=len(written) - len(created),
        unchanged=len(records) - len(written),
        created_nips=created,
    )


def upsert(rows: Sequence[object]) -> Outcome:
    """Create or update every employee of ``rows`` (the API's field names), all or nothing."""
    for _attempt in range(ATTEMPTS):
        plan = check(rows)
        with transaction.atomic():
            outcome = _save(plan)
        if outcome is not None:
            return outcome
    raise BatchRejected(
        [FieldProblem(-1, "", _("The register changed during the save; send the batch again."))]
    )

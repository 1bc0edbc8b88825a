"""Keeping a checked import so that saving it neither reads nor checks the file again.

Why: reading and checking an upload is the expensive part (a 12,500-row workbook takes seconds; a
100,000-row one much longer), and the admin has already waited for it once. So the check (a Celery task,
``tasks.check_import``) writes its result into ``StagedRow``, one normalised row per employee with what
saving it does, tied to the import job; the save (``tasks.commit_import``) applies those rows with a few
set-based SQL statements in one transaction:

* ``stage`` writes the plan's rows with PostgreSQL's COPY (the fastest way in) and records on the job
  the register's fingerprint the plan was made against (``importing.register_fingerprint``).
* ``apply_staged`` locks the register against writes (reads go on), compares the fingerprint and, only
  if it is the same, inserts the new rows, updates the changed ones, deactivates the missing ones and
  removes the staged rows. A different fingerprint means the register changed between the check and the
  save (an edit, another import): nothing is written and ``RegisterChanged`` says so; the admin then
  re-checks (``replan``), which compares the staged rows with the register as it is now without reading
  the file.
* Each statement's row count is checked against the plan: a mismatch rolls everything back.

All or nothing: every write of a save is in one transaction, and a job's staged rows go with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from assessment.people.models import Employee, ImportJob, StagedRow, WorkUnit
from assessment.people.services.importing import (
    RECORD_FIELDS,
    ImportRejected,
    Parsed,
    Plan,
    Problems,
    Record,
    check,
    plan_import,
    register_fingerprint,
)
from assessment.people.services.units import name_key

NEW, CHANGED, UNCHANGED, DEACTIVATE = "new", "changed", "unchanged", "deactivate"
_STAGED_COLUMNS = [
    "job_id",
    "row",
    "action",
    "employee_id",
    "unit_id",
    "unit",
    "nip",
    *RECORD_FIELDS,
    "is_active",
]


class RegisterChanged(Exception):
    """The register is not what the check compared the file with; nothing was saved."""


def _rows(job_id: Any, plan: Plan) -> Iterator[tuple[Any, ...]]:
    def row(record: Record, action: str, employee_id: int | None) -> tuple[Any, ...]:
        unit_id = plan.unit_ids.get(name_key(record.unit))
        values = [getattr(record, name) for name in RECORD_FIELDS]
        return (
            job_id,
            record.row,
            action,
            employee_id,
            unit_id,
            record.unit,
            record.nip,
            *values,
            record.active,
        )

    for record in plan.new:
        yield row(record, NEW, None)
    for pk, record in plan.changed:
        yield row(record, CHANGED, pk)
    for record in plan.same:
        yield row(record, UNCHANGED, None)
    for pk in plan.deactivated:
        yield (job_id, 0, DEACTIVATE, pk, None, "", "", *([""] * 7), None, "", "", False)


def stage(job: ImportJob, plan: Plan) -> None:
    """Replace the job's staged rows with the plan's and remember the plan's fingerprint."""
    if plan.rejected:
        raise ImportRejected(plan)
    table = StagedRow._meta.db_table
    StagedRow.objects.filter(job=job).delete()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(_STAGED_COLUMNS)}) FROM STDIN") as copy,
    ):
        for values in _rows(job.pk, plan):
            copy.write_row(values)
    job.fingerprint, job.notes = plan.fingerprint, plan.notes()
    ImportJob.objects.filter(pk=job.pk).update(fingerprint=job.fingerprint, notes=job.notes)


def staged_records(job: ImportJob) -> list[Record]:
    """The job's staged rows as records (every row of the file, in file order), for a re-check."""
    values = (
        StagedRow.objects.filter(job=job)
        .exclude(action=DEACTIVATE)
        .order_by("row")
        .values_list("row", "nip", "unit", "is_active", *RECORD_FIELDS)
    )
    return [
        Record(row=row, nip=nip, unit=unit, active=active, **dict(zip(RECORD_FIELDS, rest, strict=True)))
        for row, nip, unit, active, *rest in values.iterator(chunk_size=5000)
    ]


def replan(job: ImportJob) -> Plan:
    """Compare the staged rows with the register as it is now (no file is read) and stage the result;
    a plan with rejected rows (a unit retired in the meantime...) is returned unstaged."""
    kept = set(job.notes.get("kept", []))  # the file's missing columns keep the register's values, as before
    given = frozenset(name for name in RECORD_FIELDS if name not in kept) | {"nip", "unit"}
    parsed = Parsed(
        staged_records(job),
        Problems(),
        given=given,
        ignored=list(job.notes.get("ignored", [])),
        skipped=list(job.notes.get("skipped", [])),
    )
    plan = plan_import(parsed, create_units=job.create_units, deactivate_missing=job.deactivate_missing)
    with transaction.atomic():
        if plan.rejected:
            StagedRow.objects.filter(job=job).delete()
        else:
            stage(job, plan)
    return plan


def _create_units(job: ImportJob) -> int:
    """The units the plan creates (rows without a unit id), named as first written; their ids filled in."""
    table = StagedRow._meta.db_table
    wanted: dict[str, list[str]] = {}  # key -> spellings, the first as first written in the file
    spellings = (
        StagedRow.objects.filter(job=job, unit_id__isnull=True, action__in=[NEW, CHANGED, UNCHANGED])
        .order_by("row")
        .values_list("unit", flat=True)
    )
    for spelling in spellings:
        names = wanted.setdefault(name_key(spelling), [])
        if spelling not in names:
            names.append(spelling)
    taken = set(WorkUnit.objects.values_list("code", flat=True))
    with connection.cursor() as cursor:
        for key, names in wanted.items():
            unit = WorkUnit.objects.create(code=_unique_code(names[0], taken), name=names[0], name_key=key)
            cursor.execute(
                f"UPDATE {table} SET unit_id = %s WHERE job_id = %s AND unit_id IS NULL AND unit = ANY(%s)",  # noqa: S608 (names)
                [unit.pk, job.pk, names],
            )
    return len(wanted)


def _unique_code(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:24] or "UNIT"
    code, n = base, 2
    while code in taken:
        code, n = f"{base[:21]}-{n}", n + 1
    taken.add(code)
    return code


def _execute(sql: str, params: list[Any], expected: int, what: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != expected:  # the lock makes this impossible; if it happens, write nothing
            raise RuntimeError(f"{what}: {cursor.rowcount} rows written, {expected} expected")
    return expected


@transaction.atomic
def apply_staged(job: ImportJob, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Save the job's staged rows in one transaction, if the register is still as the check saw it
    (else ``RegisterChanged``, nothing written). Returns the counts written."""
    # Only table and column names (constants) are formatted into the SQL below.
    employee, staged = Employee._meta.db_table, StagedRow._meta.db_table
    with connection.cursor() as cursor:
        # Writers wait (a second save, an edit) until this commits; readers (test takers) do not.
        cursor.execute(f"LOCK TABLE {WorkUnit._meta.db_table}, {employee} IN SHARE ROW EXCLUSIVE MODE")
    if not job.fingerprint or register_fingerprint() != job.fingerprint:
        raise RegisterChanged
    counts: dict[str, int] = dict(
        StagedRow.objects.filter(job=job)
        .values_list("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )
    total = counts.get(NEW, 0) + counts.get(CHANGED, 0) + counts.get(DEACTIVATE, 0)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    units_created = _create_units(job)
    fields = ", ".join(RECORD_FIELDS)
    now = timezone.now()
    step(
        _execute(
            f"INSERT INTO {employee} (nip, unit_id, is_active, created_at, updated_at, {fields}) "  # noqa: S608
            f"SELECT nip, unit_id, is_active, %s, %s, {fields} FROM {staged} "
            "WHERE job_id = %s AND action = %s ORDER BY row",
            [now, now, job.pk, NEW],
            counts.get(NEW, 0),
            "new employees",
        )
    )
    assignments = ", ".join(f"{name} = s.{name}" for name in RECORD_FIELDS)
    step(
        _execute(
            f"UPDATE {employee} e SET unit_id = s.unit_id, is_active = s.is_active, updated_at = %s, "  # noqa: S608
            f"{assignments} "
            f"FROM {staged} s WHERE s.job_id = %s AND s.action = %s AND e.id = s.employee_id",
            [now, job.pk, CHANGED],
            counts.get(CHANGED, 0),
            "changed employees",
        )
    )
    step(
        _execute(
            f"UPDATE {employee} e SET is_active = false, updated_at = %s FROM {staged} s "  # noqa: S608
            "WHERE s.job_id = %s AND s.action = %s AND e.id = s.employee_id",
            [now, job.pk, DEACTIVATE],
            counts.get(DEACTIVATE, 0),
            "deactivated employees",
        )
    )
    StagedRow.objects.filter(job=job).delete()
    return {
        "new": counts.get(NEW, 0),
        "changed": counts.get(CHANGED, 0),
        "deactivated": counts.get(DEACTIVATE, 0),
        "units_created": units_created,
    }


def save_plan(
    plan: Plan, *, filename: str = "", progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Stage and save a plan made in this process (``apply_plan``), as one transaction; the job
    it makes is listed with the uploads."""
    with transaction.atomic():
        job = ImportJob.objects.create(
            filename=filename or "register",
            content=b"",
            state=ImportJob.State.RUNNING,
            summary=plan.summary(),
            total=len(plan.new) + len(plan.changed) + len(plan.deactivated),
        )
        stage(job, plan)
        apply_staged(job, progress)
        job.state, job.progress, job.finished_at = ImportJob.State.DONE, job.total, timezone.now()
        job.save(update_fields=["state", "progress", "finished_at"])
    return plan.summary()


def apply_plan(
    plan: Plan, progress: Callable[[int, int], None] | None = None, *, filename: str = ""
) -> dict[str, int]:
    """Save a plan made in this process (the demo seeder, tests): staged and saved like an upload
    (``save_plan``), in one transaction; raise ImportRejected if it has any rejected row."""
    if plan.rejected:
        raise ImportRejected(plan)
    return save_plan(plan, filename=filename, progress=progress)


def import_file(
    data: bytes,
    filename: str,
    *,
    create_units: bool = False,
    deactivate_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Check and apply in one go (the demo seeder and tests use this)."""
    plan = check(data, filename, create_units=create_units, deactivate_missing=deactivate_missing)
    apply_plan(plan, progress, filename=filename)
    return plan

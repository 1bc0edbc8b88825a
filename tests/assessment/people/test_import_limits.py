"""Finding 5: an uploaded register cannot hold a worker. Each test performs one attack with a file crafted
here (raw XML in a zip, as an attacker would write it): the web request only stores the file and queues
its check; the check refuses the file with a message that says what is wrong, or reads it quickly; the
import stays all or nothing. One test runs the check and the commit in a real Celery worker process.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl.utils import get_column_letter

from accounts.models import User
from accounts.roles import Role
from assessment.people.demo import generate_rows
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import importing, isolation, reading, staging
from assessment.people.tasks import CHECK_LOST_AFTER, check_import, commit_import
from frontend.tabular import TableError, write_xlsx
from tests.assessment.people.test_import import HEADER, ROW_1, csv
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


# Crafting workbooks ---------------------------------------------------------------------------------


def cell(ref: str, value: object) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row(number: int, values: Iterable[object], tail: str = "") -> str:
    cells = "".join(
        cell(f"{get_column_letter(index)}{number}", value)
        for index, value in enumerate(values, start=1)
        if value not in ("", None)
    )
    return f'<row r="{number}">{cells}{tail}</row>'


def workbook(sheet: Iterable[str], shared: Iterable[str] | None = None) -> bytes:
    """An .xlsx with one sheet "Pegawai" whose sheetData is ``sheet`` (XML chunks, streamed into the
    zip), and a shared-strings table of ``shared`` (XML chunks) if given."""
    sst_type = (
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/>' if shared else ""
    )
    sst_rel = (
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>' if shared else ""
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            f"{sst_type}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Pegawai" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" Type="{REL}/worksheet" '
            f'Target="worksheets/sheet1.xml"/>{sst_rel}</Relationships>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for chunk in sheet:
                part.write(chunk.encode())
            part.write(b"</sheetData></worksheet>")
        if shared:
            with archive.open("xl/sharedStrings.xml", "w") as part:
                part.write(f'<sst xmlns="{MAIN}">'.encode())
                for chunk in shared:
                    part.write(chunk.encode())
                part.write(b"</sst>")
    return buffer.getvalue()


def far_right_file(employees: int = 200, padding_rows: int = 12_000) -> bytes:
    """The first attack: about 85 KB, a cell at column XFD (16,384) on every row, the header's too. The
    reader before the fix padded every row to 16,384 cells: about 40 s for this file on a busy 2-core
    machine."""
    rows = [row(1, importing.TEMPLATE_HEADERS, cell("XFD1", "x"))]
    for number, values in enumerate(generate_rows(employees), start=2):
        rows.append(row(number, values, cell(f"XFD{number}", "x")))
    first = employees + 2
    rows += [
        f'<row r="{n}"><c r="XFD{n}" t="b"><v>1</v></c></row>' for n in range(first, first + padding_rows)
    ]
    return workbook(["".join(rows)])


def in_chunks(items: Iterator[str], size: int = 10_000) -> Iterator[str]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def errors_of(plan: importing.Plan) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in plan.rejected]


def only_error(plan: importing.Plan) -> str:
    [(row_number, _column, message)] = errors_of(plan)
    assert row_number == 0  # a file-level refusal
    return message


def memory_growth_mb(func: Callable[[], Any]) -> tuple[Any, float]:
    """``func()`` (its result, or its TableError) and how much it grew the resident memory, measured in a
    forked child so that nothing else the test process did counts."""

    def status(key: str) -> int:
        with open("/proc/self/status") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(key + ":"))

    def measured() -> tuple[Any, float]:
        before = status("VmRSS")
        try:
            result: Any = func()
        except TableError as exc:
            result = exc
        return result, (status("VmHWM") - before) / 1024

    return isolation.run_limited(measured, cpu_seconds=120, wall_seconds=300, memory=2**31)


@pytest.fixture
def admin(region_a: Any) -> Client:
    client = Client(HTTP_HOST=HOST)
    user = make_user(region_a, Role.REGION_ADMIN)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Checks the web request queues, not run."""
    jobs: list[str] = []
    monkeypatch.setattr(check_import, "delay", jobs.append)
    return jobs


# 1. A cell far to the right ------------------------------------------------------------------------


def test_the_upload_request_only_stores_the_file_and_queues_its_check(
    admin: Client, region_a: Any, queued: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = far_right_file()
    assert 60_000 < len(data) < 120_000

    def no_parsing_here(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the web request parsed the upload")

    for target, name in [
        (importing, "parse_file"),
        (importing, "check"),
        (importing, "check_isolated"),
        (reading, "read_register"),
        (reading.sheet, "workbook"),
    ]:
        monkeypatch.setattr(target, name, no_parsing_here)
    response = admin.post(
        "/pegawai/impor/", {"file": SimpleUploadedFile("pegawai.xlsx", data), "create_units": "on"}
    )
    assert response.status_code == 302  # every parser above raises: the upload only stores the file
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get()
        assert (job.state, bytes(job.content)) == ("checking", data)
    assert queued == [str(job.pk)]
    page = admin.get(response["Location"]).content.decode()
    assert "data-import-check" in page
    assert "people/import_check.js" in page
    assert admin.get(f"/pegawai/impor/{job.pk}/status/").json()["state"] == "checking"


def test_the_check_of_the_crafted_file_is_right(region_a: Any, queued: list[str]) -> None:
    data = far_right_file()
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.create(
            filename="pegawai.xlsx", content=data, state="checking", create_units=True
        )
        assert check_import.run(str(job.pk)) == "checked"
        job.refresh_from_db()
    assert job.summary["new"] == 200
    assert job.errors == []


def test_the_reader_keeps_the_header_columns_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []  # (row, columns kept at the time, values in the row)
    original = reading.sheet.RowReader.rows

    def spy(self: Any) -> Any:
        for number, values in original(self):
            seen.append((number, self.max_col, len(values)))
            yield number, values

    monkeypatch.setattr(reading.sheet.RowReader, "rows", spy)
    table = reading.read_register(
        far_right_file(employees=5, padding_rows=30),
        "pegawai.xlsx",
        importing.COLUMNS,
        importing.REQUIRED,
        max_bytes=importing.MAX_BYTES,
    )
    assert len(table.rows) == 5
    # The header scan: 20 rows, at most MAX_COLUMNS wide (the cell at XFD is never kept, nor padded to);
    # then every row, as wide as the header only.
    assert {width for _, width, _ in seen[:20]} == {reading.MAX_COLUMNS}
    assert {width for _, width, _ in seen[20:]} == {len(importing.TEMPLATE_HEADERS)}
    assert max(length for _, _, length in seen) <= len(importing.TEMPLATE_HEADERS)


# 2. A large shared-strings table --------------------------------------------------------------------


def test_too_many_distinct_texts_are_refused_before_openpyxl_loads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1,000,001 distinct texts in a 2.6 MB file; openpyxl took 28 s and 150 MB to load them.
    texts = (f"<si><t>{n:07d}</t></si>" for n in range(reading.MAX_SHARED_STRINGS + 1))
    data = workbook([row(1, importing.TEMPLATE_HEADERS)], shared=in_chunks(texts))

    def not_parsed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("openpyxl loaded the workbook")

    monkeypatch.setattr(reading.sheet, "shared_strings", not_parsed)  # the child inherits it
    refusal, growth = memory_growth_mb(lambda: importing.parse_file(data, "pegawai.xlsx"))
    assert isinstance(refusal, TableError)
    assert "terlalu banyak teks yang berbeda (lebih dari 1.000.000)" in str(refusal)
    assert "Hapus kolom yang tidak diperlukan" in str(refusal)
    assert growth < 30  # streamed: under 1 MB here


def test_too_many_characters_in_the_shared_texts_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_SHARED_CHARS", 100_000)  # the real cap is 20 million
    texts = [f"<si><t>{os.urandom(30_000).hex()}</t></si>" for _ in range(2)]  # 120,000 characters
    data = workbook([row(1, importing.TEMPLATE_HEADERS)], shared=texts)
    with pytest.raises(TableError, match=r"terlalu panjang: lebih dari 100\.000 karakter seluruhnya"):
        importing.parse_file(data, "pegawai.xlsx")


# 3. Zip bombs ----------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_by_its_unpacked_size_before_it_is_inflated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 200 MB of sheet XML (blank padding inside a row) in a file of about 200 KB.
    padding = " " * 2**20
    data = workbook([row(1, importing.TEMPLATE_HEADERS), "<row r='2'>", *([padding] * 200), "</row>"])
    assert len(data) < 400_000

    def not_parsed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the archive was read")

    monkeypatch.setattr(reading.sheet, "workbook", not_parsed)
    monkeypatch.setattr(reading, "_stream_xml", not_parsed)
    with pytest.raises(TableError) as refused:
        importing.parse_file(data, "pegawai.xlsx")
    assert "terlalu besar setelah dibuka: 200 MB, paling banyak 160 MB" in str(refused.value)


def test_a_file_that_unpacks_far_more_than_a_register_is_refused() -> None:
    # 12 MB of sheet XML from a file of about 20 KB: within the unpacked cap, beyond any register's ratio.
    data = workbook([row(1, importing.TEMPLATE_HEADERS), "<row r='2'>", *([" " * 2**20] * 12), "</row>"])
    assert len(data) < 100_000
    with pytest.raises(TableError, match=r"mengembang dari .* lebih dari 50 kali lipat"):
        importing.parse_file(data, "pegawai.xlsx")


def test_too_many_parts_are_refused_from_the_zip_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for n in range(reading.MAX_PARTS + 1):
            archive.writestr(f"xl/media/{n}.bin", b"")
    with pytest.raises(TableError, match="terlalu banyak bagian"):
        importing.parse_file(buffer.getvalue(), "pegawai.xlsx")


# 4. Blank rows count ---------------------------------------------------------------------------------


def valid_rows(count: int) -> list[str]:
    return [row(n, values) for n, values in enumerate(generate_rows(count), start=2)]


def test_blank_rows_count_toward_the_row_limit() -> None:
    blank = (f'<row r="{n}"/>' for n in range(3, reading.MAX_ROWS + 2))
    data = workbook(in_chunks(iter([row(1, importing.TEMPLATE_HEADERS), *valid_rows(1), *blank])))
    with pytest.raises(TableError, match=r"lebih dari 120\.000 baris \(baris kosong ikut dihitung\)"):
        importing.parse_file(data, "pegawai.xlsx")


def test_a_row_far_down_the_sheet_counts_the_gap_as_blank_rows() -> None:
    far = '<row r="1048576"><c r="A1048576" t="b"><v>1</v></c></row>'
    data = workbook([row(1, importing.TEMPLATE_HEADERS), *valid_rows(1), far])
    started = time.process_time()  # this process's CPU: another test worker on the cores does not count
    with pytest.raises(TableError, match="baris kosong ikut dihitung"):
        importing.parse_file(data, "pegawai.xlsx")
    assert time.process_time() - started < 10


def test_blank_lines_of_a_csv_count_toward_the_row_limit() -> None:
    data = csv(ROW_1) + b"\n" * reading.MAX_ROWS
    with pytest.raises(TableError, match=r"lebih dari 120\.000 baris \(baris kosong ikut dihitung\)"):
        importing.parse_file(data, "pegawai.csv")
    just_under = csv(ROW_1) + b";;;\n" * (reading.MAX_ROWS - 10)
    assert len(importing.parse_file(just_under, "pegawai.csv").records) == 1


def test_a_csv_header_scan_cannot_be_made_long_by_a_very_wide_line() -> None:
    data = (HEADER + ";" * 2_000_000 + "\n" + ROW_1 + "\n").encode()
    started = time.process_time()  # this process's CPU: another test worker on the cores does not count
    with pytest.raises(TableError, match=r"Baris 1 berkas pegawai\.csv berisi lebih dari 500 kolom"):
        importing.parse_file(data, "pegawai.csv")
    assert time.process_time() - started < 2


# Time and memory of the reading child ----------------------------------------------------------------


def test_a_read_that_takes_too_long_is_stopped_and_said_so(
    region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def endless(data: bytes, filename: str) -> Any:
        while True:
            pass

    monkeypatch.setattr(importing, "parse_file", endless)
    monkeypatch.setattr(importing, "PARSE_CPU_SECONDS", 1)
    started = time.perf_counter()
    with schema_context(region_a.schema_name):
        message = only_error(importing.check_isolated(b"x", "pegawai.xlsx"))
    assert "dihentikan karena terlalu lama: lebih dari 1 detik" in message
    assert time.perf_counter() - started < 30  # 1 s of CPU time, more on a busy machine


def test_a_read_that_needs_too_much_memory_is_stopped_and_said_so(
    region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def greedy(data: bytes, filename: str) -> Any:
        return bytearray(2 * importing.PARSE_MEMORY)

    monkeypatch.setattr(importing, "parse_file", greedy)
    with schema_context(region_a.schema_name):
        message = only_error(importing.check_isolated(b"x", "pegawai.xlsx"))
    assert "memerlukan lebih dari 512 MB memori" in message


def test_a_hanging_read_is_given_up_after_the_wall_clock_limit() -> None:
    started = time.perf_counter()
    with pytest.raises(isolation.LimitExceeded) as stopped:
        isolation.run_limited(time.sleep, 60, cpu_seconds=10, wall_seconds=1, memory=2**28)
    assert (stopped.value.kind, stopped.value.seconds) == (isolation.TIME, 1)
    assert time.perf_counter() - started < 10


# 5. A normal register still imports, all or nothing, through the tasks ------------------------------


def test_a_normal_workbook_is_checked_then_imported_through_the_tasks(
    admin: Client, region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_import, "delay", lambda job_id: check_import.run(job_id))
    monkeypatch.setattr(commit_import, "delay", lambda job_id: commit_import.run(job_id))
    data = write_xlsx(importing.TEMPLATE_HEADERS, generate_rows(300))
    upload = SimpleUploadedFile("pegawai.xlsx", data)
    detail = admin.post("/pegawai/impor/", {"file": upload, "create_units": "on"}, follow=True)
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get()
        assert (job.state, job.summary["new"], job.total) == ("checked", 300, 300)
        assert Employee.objects.count() == 0  # checked, nothing written
    assert f"/pegawai/impor/{job.pk}/simpan/" in detail.content.decode()
    admin.post(f"/pegawai/impor/{job.pk}/simpan/")
    assert admin.get(f"/pegawai/impor/{job.pk}/status/").json()["state"] == "done"
    with schema_context(region_a.schema_name):
        assert Employee.objects.filter(is_active=True).count() == 300


def test_every_bad_row_is_counted_and_the_first_problems_listed(region_a: Any) -> None:
    bad = ROW_1.replace(";PNS;", ";Honorer;")
    rows = [bad.replace("198703122010011003", f"1987031220100{n:05d}") for n in range(1500)]
    with schema_context(region_a.schema_name):
        plan = importing.check(csv(*rows), "pegawai.csv")
        assert plan.summary()["rejected"] == 1500
        assert len(plan.rejected) == importing.MAX_ERRORS
        with pytest.raises(importing.ImportRejected):
            staging.apply_plan(plan)
        assert Employee.objects.count() == 0


def test_one_check_at_a_time_per_region(admin: Client, region_a: Any, queued: list[str]) -> None:
    upload = {"file": SimpleUploadedFile("a.csv", csv(ROW_1))}
    assert admin.post("/pegawai/impor/", upload).status_code == 302
    second = admin.post("/pegawai/impor/", {"file": SimpleUploadedFile("b.csv", csv(ROW_1))})
    assert second.status_code == 200
    assert "masih diperiksa" in second.content.decode() or "still being checked" in second.content.decode()
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get()
        # A check whose task was lost neither blocks uploads nor keeps its page waiting for ever.
        ImportJob.objects.filter(pk=job.pk).update(
            check_started_at=job.check_started_at - timedelta(seconds=CHECK_LOST_AFTER + 1)
        )
    status = admin.get(f"/pegawai/impor/{job.pk}/status/").json()
    assert status["state"] == "failed"
    assert "Unggah berkas itu lagi" in status["failure"]
    assert admin.post("/pegawai/impor/", {"file": SimpleUploadedFile("c.csv", csv(ROW_1))}).status_code == 302
    assert len(queued) == 2


# A real Celery worker ----------------------------------------------------------------------------------


@pytest.fixture
def worker(committed: None) -> Iterator[str]:
    """A Celery worker process on the test database and a queue of its own, ready before the test."""
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    name = f"{queue}@localhost"
    parts = urlsplit(settings.DATABASE_URL)
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "SCHEMA_POOL_AUTOREFILL": "false",
    }
    celery = Path(sys.executable).parent / "celery"
    process = subprocess.Popen(
        [
            str(celery),
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "-n",
            name,
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # what the test's requests queue goes to this worker
    try:
        deadline = time.monotonic() + 90
        while not app.control.ping(destination=[name], timeout=1):
            assert process.poll() is None, "the worker died"
            assert time.monotonic() < deadline, "the worker did not start"
        yield queue
    finally:
        app.conf.task_default_queue = previous
        process.terminate()
        process.wait(timeout=30)


def wait_for(region: Any, job_id: Any, states: set[str], seconds: float) -> ImportJob:
    deadline = time.monotonic() + seconds
    while True:
        with schema_context(region.schema_name):
            job = ImportJob.objects.defer("content").get(pk=job_id)
        if job.state in states or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_a_real_worker_checks_the_crafted_file_quickly_and_imports_it(worker: str) -> None:
    from tenants.models import Region

    region = Region.objects.get(code="64.72")
    user = make_user(region, Role.REGION_ADMIN, email="batas-impor@samarindakota.go.id")
    try:
        client = Client(HTTP_HOST=HOST)
        assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
        upload = SimpleUploadedFile("pegawai.xlsx", far_right_file())
        started = time.process_time()  # the request's own CPU: the file is read by the worker, not here
        response = client.post("/pegawai/impor/", {"file": upload, "create_units": "on"})
        assert response.status_code == 302
        assert time.process_time() - started < 5
        with schema_context(region.schema_name):
            job_id = ImportJob.objects.get().pk
        job = wait_for(region, job_id, {"checked", "rejected", "failed"}, 60)
        assert job.state == "checked", (job.state, job.errors[:3], job.failure)
        assert job.finished_at is not None
        assert (job.finished_at - job.created_at).total_seconds() < 15  # queue, fork, read, compare
        client.post(f"/pegawai/impor/{job.pk}/simpan/")
        job = wait_for(region, job_id, {"done", "rejected", "failed"}, 60)
        assert job.state == "done", (job.state, job.errors[:3], job.failure)
        with schema_context(region.schema_name):
            assert Employee.objects.count() == 200
    finally:
        with schema_context(region.schema_name):
            Employee.objects.all().delete()
            ImportJob.objects.all().delete()
            WorkUnit.objects.all().delete()
            User.objects.filter(pk=user.pk).delete()

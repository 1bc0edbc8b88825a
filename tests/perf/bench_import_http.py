"""Staff-register import through the real web path: upload, check, save, as an admin's browser does it.

Run by hand:  .venv/bin/python tests/perf/bench_import_http.py [--sizes 12500 100000]

What runs: gunicorn (``config.wsgi``, 2 workers) and a Celery worker (prefork, concurrency 1, as in
production) as separate processes on the configured PostgreSQL and Redis (``DATABASE_URL``,
``REDIS_URL``; the embedded ones when unset), in a database of its own, ``ikd_bench_import_http``
(dropped and recreated), with a region holding Kukar's 94 units. A client signs in over HTTP and, for
each size, takes these steps and times them on the wall clock:

* **check**: POST the .xlsx to ``/pegawai/impor/`` (the request stores it and queues the check), poll
  the job's status every 20 ms until the worker has read, checked and staged it, then GET the page that
  shows the counts (what the admin waits for);
* **save**: POST ``/simpan/``, poll until the worker has written the staged rows, GET the page again.

Twice per size: into an empty register (every row new), then a file with one row in ten changed into
the full register (one tenth changed, the rest unchanged). The baselines, measured in the same run on the
same file and rows, are reading the file alone (openpyxl's read-only mode going through every value, no
checking, in this process; what the import's reader was built on before it streamed the sheet itself)
for the check and PostgreSQL's COPY of the already-parsed rows into an empty copy of the table
for the save; the figures are printed as seconds and as ratios to them. The machine's cores and load
are printed too: the figures are only comparable on a machine as busy.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DB = "ikd_bench_import_http"
HOST = "kukar.localhost"
EMAIL = "bench@kukarkab.go.id"
PASSWORD = "Bench-Import-2026!"  # a throwaway database's account
POLL = 0.02


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def register_file(size: int, changed_every: int = 0) -> Path:
    """The .xlsx an admin would upload (written once, outside the measured steps); with
    ``changed_every``, every n-th employee's position title is changed."""
    from assessment.people.demo import generate_rows
    from assessment.people.services import importing
    from frontend.tabular import write_xlsx

    path = Path("/tmp") / f"ikd-bench-http-{size}-{changed_every}.xlsx"
    if not path.exists():
        rows = generate_rows(size, seed=size)
        if changed_every:
            rows = (
                [*row[:3], f"{row[3]} (baru)", *row[4:]] if n % changed_every == 0 else row
                for n, row in enumerate(rows)
            )
        path.write_bytes(write_xlsx(importing.TEMPLATE_HEADERS, rows, sheet_title="Pegawai"))
    return path


class Client:
    """A browser's requests: cookies, CSRF token, the region's host name."""

    def __init__(self, port: int) -> None:
        import requests

        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.session.headers["Host"] = HOST

    def token(self, path: str) -> str:
        page = self.session.get(self.base + path, timeout=60)
        page.raise_for_status()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no form on {path}"
        return match.group(1)

    def login(self) -> None:
        token = self.token("/akun/login/")
        response = self.session.post(
            self.base + "/akun/login/",
            data={"login": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"http://{HOST}/akun/login/"},
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code == 302, response.status_code

    def post(self, path: str, **kwargs: Any) -> Any:
        token = self.session.cookies.get("csrftoken")
        data = {"csrfmiddlewaretoken": token, **kwargs.pop("data", {})}
        return self.session.post(
            self.base + path,
            data=data,
            headers={"X-CSRFToken": token or "", "Referer": f"http://{HOST}{path}"},
            allow_redirects=False,
            timeout=600,
            **kwargs,
        )

    def wait(self, job: str, waiting: set[str]) -> dict[str, Any]:
        while True:
            status: dict[str, Any] = self.session.get(
                f"{self.base}/pegawai/impor/{job}/status/", timeout=60
            ).json()
            if status["state"] not in waiting:
                return status
            time.sleep(POLL)

    def page(self, job: str) -> str:
        response = self.session.get(f"{self.base}/pegawai/impor/{job}/", timeout=60)
        response.raise_for_status()
        return str(response.text)


def import_once(client: Client, path: Path) -> tuple[float, float, dict[str, Any]]:
    """(check seconds, save seconds, the check's summary) of one upload through the web path."""
    client.token("/pegawai/impor/")  # the upload page, as the admin opens it (not timed)
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = client.post(
            "/pegawai/impor/",
            files={
                "file": (
                    path.name,
                    handle,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
        )
    assert response.status_code == 302, (response.status_code, response.text[:500])
    job = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    checked = client.wait(job, {"checking"})
    client.page(job)
    check_seconds = time.perf_counter() - started
    assert checked["state"] == "checked", checked
    started = time.perf_counter()
    response = client.post(f"/pegawai/impor/{job}/simpan/")
    assert response.status_code == 302
    done = client.wait(job, {"queued", "running"})
    client.page(job)
    save_seconds = time.perf_counter() - started
    assert done["state"] == "done", done
    return check_seconds, save_seconds, checked["summary"]


def baselines(path: Path, schema: str) -> tuple[float, float]:
    """(reading the file alone: openpyxl's read-only mode going through every value, no checking; COPY
    of its parsed rows into an empty copy of the table), in seconds."""
    from django.db import connection
    from django_tenants.utils import schema_context
    from openpyxl import load_workbook

    from assessment.people.services import importing

    data = path.read_bytes()
    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    for _ in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    read_seconds = time.perf_counter() - started
    records = importing.parse_file(data, path.name).records
    columns = ["nip", *importing.RECORD_FIELDS]
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS copy_baseline")
        names = ", ".join(columns)
        cursor.execute(f"CREATE TEMP TABLE copy_baseline AS SELECT {names} FROM people_employee WITH NO DATA")  # noqa: S608
        started = time.perf_counter()
        with cursor.copy(f"COPY copy_baseline ({names}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([getattr(record, name) for name in columns])
        copy_seconds = time.perf_counter() - started
    return read_seconds, copy_seconds


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[12_500, 100_000])
    args = parser.parse_args()
    url = database_url()
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from assessment.people import demo
    from assessment.people.models import Employee
    from tenants.services import provisioning
    from tenants.services.signup import SignupRequest, register_region

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    region = register_region(SignupRequest("64.02", "kukar", "Bench Admin", EMAIL, PASSWORD)).region
    with schema_context(region.schema_name):
        demo.create_units()
    files = {size: (register_file(size), register_file(size, changed_every=10)) for size in args.sizes}

    port = free_port()
    queue = f"bench-import-http-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "SCHEMA_POOL_AUTOREFILL": "false",
    }
    bin_dir = Path(sys.executable).parent
    web = start(
        [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "600", "--log-level", "warning"],
        env,
    )  # fmt: skip
    worker = start(
        [str(bin_dir / "celery"), "-A", "config", "worker", "-Q", queue, "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "WARNING"],
        env,
    )  # fmt: skip
    try:
        client = Client(port)
        for _ in range(300):
            try:
                client.login()
                break
            except Exception:
                time.sleep(0.2)
        else:
            raise SystemExit("the web server did not come up")
        time.sleep(3)  # the worker is ready too
        load = os.getloadavg()
        print(
            f"Import through the web path (gunicorn 2 workers + Celery prefork 1, {url.rsplit('@', 1)[-1]}); "
            f"{os.cpu_count()} cores shared with other work, load average {load[0]:.1f} at the start"
        )
        print(
            f"{'rows':>8} {'register':>9} {'MB':>5} {'check s':>8} {'read s':>7} {'check/read':>10} "
            f"{'save s':>7} {'COPY s':>7} {'save/COPY':>9}  outcome of the check"
        )
        for size, (fresh, changed) in files.items():
            with schema_context(region.schema_name):
                Employee.objects.all().delete()
            for label, path in (("empty", fresh), ("full", changed)):
                check_s, save_s, summary = import_once(client, path)
                read_s, copy_s = baselines(path, region.schema_name)
                outcome = ", ".join(
                    f"{summary[k]:,} {k}".replace(",", ".")
                    for k in ("new", "changed", "unchanged")
                    if summary[k]
                )
                megabytes = path.stat().st_size / 2**20
                print(
                    f"{size:>8,} {label:>9} {megabytes:>5.1f} {check_s:>8.2f} {read_s:>7.2f} "
                    f"{check_s / read_s:>10.2f} {save_s:>7.2f} {copy_s:>7.2f} {save_s / copy_s:>9.1f}  "
                    f"{outcome}"
                )
        print(
            "Targets (issue #15): 12,500 rows checked in <= 3 s and saved in <= 3 s more, through this path."
        )
    finally:
        stop(web)
        stop(worker)


if __name__ == "__main__":
    main()

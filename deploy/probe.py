"""Health probes for the container image: what compose's healthchecks and Kubernetes' exec probes run.

The runtime image is python:slim, which has no curl, so the checks are this small script, run with the
image's own Python (``python /app/deploy/probe.py KIND``); it exits 0 when healthy, 1 otherwise, and prints
one line saying why.

* ``http PATH``: GET ``http://127.0.0.1:8000/PATH`` with ``Host: BASE_DOMAIN``. The host matters: the
  app picks the public site or a region by host name (tenants.middleware), and an address not in
  ``ALLOWED_HOSTS`` answers 400, so a probe to the bare IP would fail on a healthy server.
* ``worker``: a Celery ping addressed to this container's own worker only (``celery@HOSTNAME``), so one
  stuck worker is not reported healthy by its neighbours' answers.
* ``beat``: beat writes its schedule file at least every few minutes (it wakes at most every
  ``--max-interval`` seconds and syncs the file every 3 minutes); a file older than ``--max-age`` means
  the scheduler loop has stopped. Checking the file costs no broker round trip and imports no Django.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
import urllib.error
import urllib.request


def check_http(path: str, port: int, timeout: float) -> tuple[bool, str]:
    host = os.environ.get("BASE_DOMAIN", "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/{path.lstrip('/')}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status == 200, f"{path}: {response.status}"
    except urllib.error.HTTPError as error:
        return False, f"{path}: {error.code}"
    except OSError as error:
        return False, f"{path}: {error}"


def check_worker(timeout: float) -> tuple[bool, str]:
    sys.path.insert(0, os.environ.get("IKD_APP_DIR", "/app"))
    from config.celery import app

    node = f"celery@{os.environ.get('HOSTNAME', '')}"
    replies = app.control.ping(destination=[node], timeout=timeout)
    ok = any(node in reply for reply in replies)
    return ok, f"{node}: {'pong' if ok else 'no answer'}"


def check_beat(schedule: str, max_age: float) -> tuple[bool, str]:
    # The shelve behind the schedule may add a suffix (.db, .dat) depending on the dbm module.
    files = glob.glob(f"{glob.escape(schedule)}*")
    if not files:
        return False, f"{schedule}: no schedule file yet"
    age = time.time() - max(os.path.getmtime(name) for name in files)
    return age <= max_age, f"{schedule}: written {age:.0f} s ago (limit {max_age:.0f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    kinds = parser.add_subparsers(dest="kind", required=True)
    http = kinds.add_parser("http")
    http.add_argument("path")
    http.add_argument("--port", type=int, default=8000)
    http.add_argument("--timeout", type=float, default=5.0)
    worker = kinds.add_parser("worker")
    worker.add_argument("--timeout", type=float, default=10.0)
    beat = kinds.add_parser("beat")
    beat.add_argument("--schedule", default="/var/lib/ikd/beat/celerybeat-schedule")
    beat.add_argument("--max-age", type=float, default=900.0)
    args = parser.parse_args(argv)
    if args.kind == "http":
        ok, message = check_http(args.path, args.port, args.timeout)
    elif args.kind == "worker":
        ok, message = check_worker(args.timeout)
    else:
        ok, message = check_beat(args.schedule, args.max_age)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

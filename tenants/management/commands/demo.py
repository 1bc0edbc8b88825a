"""``manage.py demo``: the whole product on one machine, with demo data.

Migrates, prepares provisioning, collects static files and seeds the demo, then runs gunicorn (with
deploy/gunicorn.conf.py, as in production) and a Celery worker (with beat) as child processes against
the same PostgreSQL and Redis (embedded unless DATABASE_URL/REDIS_URL say otherwise) until Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Bring up the demo: web server and Celery worker with demo data (Ctrl-C stops everything)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("DEMO_BIND", "127.0.0.1:8000"))
        # Unset: deploy/gunicorn.conf.py decides (WEB_CONCURRENCY, else the count measured for 2 cores).
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--no-serve", action="store_true", help="Prepare and seed only.")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["bind"].rsplit(":", 1)[-1]
        self.stdout.write("Migrating the database…")
        call_command("migrate_schemas", interactive=False, verbosity=0)
        for command in settings.DEPLOY_COMMANDS:
            call_command(command, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("seed_demo", port=port)
        self.stdout.write(f"Data lives in {settings.BASE_DIR / '.ikd'} unless IKD_DATA_DIR says otherwise.")
        if options["no_serve"]:
            return
        # Children attach to the same servers this process started (or was given). IKD_DEMO: without a
        # mail server they print mail (reset links, sign-in codes) on this console (config.mail).
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "IKD_DEMO": "1",
            # Links in mails carry the configured port, not the request's (config.sites): the bound one.
            "SITE_PORT": os.environ.get("SITE_PORT", port),
        }
        bin_dir = os.path.dirname(sys.executable)
        children = [
            subprocess.Popen(  # noqa: S603 (fixed argv)
                [
                    os.path.join(bin_dir, "gunicorn"),
                    "config.wsgi",
                    # The production settings: the worker model and count chosen by measurement
                    # (docs/testday-performance.md), the log that masks keys in addresses.
                    "--config",
                    str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"),
                    "--bind",
                    options["bind"],
                    *(["--workers", str(options["workers"])] if options["workers"] else []),
                    "--access-logfile",
                    "-",
                    "--worker-tmp-dir",
                    tempfile.gettempdir(),  # the container's /dev/shm may not exist on this machine
                ],
                env=env,
            ),
            subprocess.Popen(  # noqa: S603
                [
                    os.path.join(bin_dir, "celery"),
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--schedule",
                    str(settings.BASE_DIR / ".ikd" / "celerybeat-schedule"),
                ],
                env=env,
            ),
        ]
        stop = {"now": False}

        def request_stop(signum: int, frame: Any) -> None:
            stop["now"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            self._wait_until_up(options["bind"], children)
            self.stdout.write(self.style.SUCCESS("Web server and worker are running. Ctrl-C stops them."))
            while not stop["now"] and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
        if not stop["now"]:
            raise CommandError("A child process stopped; see its output above.")

    @staticmethod
    def _wait_until_up(bind: str, children: list[subprocess.Popen[bytes]]) -> None:
        url = f"http://{bind}/healthz"
        for _ in range(120):
            if any(child.poll() is not None for child in children):
                return
            try:
                request = urllib.request.Request(url, headers={"Host": settings.BASE_DOMAIN})
                with urllib.request.urlopen(request, timeout=2):  # noqa: S310 (our own local URL)
                    return
            except OSError:
                time.sleep(0.5)

"""Each pytest-xdist worker gets its own test database, cache database, cache keys and Celery queue.

The suite runs on two workers (``make test``: ``-n 2``): on the two cores of the CI machine a single
pytest process leaves much of the time idle while it waits for PostgreSQL, a browser or a server it
started. The workers share the embedded PostgreSQL and Redis (``config.embedded`` attaches a second
process to the servers the first started), so everything a test could see of another worker's is split:

* the test database: ``test_ikd_gw0``, ``test_ikd_gw1`` (from ``TEST_DATABASE_NAME``);
* Redis: the cache in its own database (``REDIS_CACHE_DB`` + the worker's number), because the suite
  empties the cache when it starts (``cache.clear()`` in ``tests/conftest.py``) and the rate-limit tests
  count in it; the keys get the worker's prefix too;
* Celery's default queue (``CELERY_QUEUE``), so a worker process started by one test never takes
  another's task.

Django reads these from the environment when its settings load, which pytest-django does before any
conftest is imported; this module is loaded earlier, as a plugin (``-p tests.xdist_workers`` in the
pytest options), and the servers and workers the tests start inherit the same environment. Without
xdist (``PYTEST_XDIST_WORKER`` unset) it changes nothing.
"""

from __future__ import annotations

import os

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... set by xdist before plugins load


def _per_worker() -> None:
    if not WORKER.startswith("gw"):
        return
    number = int(WORKER[2:])
    cache_db = int(os.environ.get("REDIS_CACHE_DB", "1")) + number
    if cache_db == int(os.environ.get("REDIS_BROKER_DB", "0")) or cache_db > 15:
        # The suite empties its cache database when it starts: never the broker's, never past Redis's 16.
        raise RuntimeError(f"worker {WORKER} would use Redis database {cache_db}: set REDIS_CACHE_DB lower")
    os.environ["TEST_DATABASE_NAME"] = f"{os.environ.get('TEST_DATABASE_NAME', 'test_ikd')}_{WORKER}"
    os.environ["REDIS_CACHE_DB"] = str(cache_db)
    os.environ["CACHE_KEY_PREFIX"] = f"{os.environ.get('CACHE_KEY_PREFIX', 'ikd')}-{WORKER}"
    os.environ["CELERY_QUEUE"] = f"{os.environ.get('CELERY_QUEUE', 'ikd')}-{WORKER}"


_per_worker()

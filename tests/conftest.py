"""Shared fixtures: a real PostgreSQL test database with the template, a pool and two regions.

The template schema, the spare pool and regions A and B are made once per session through the
production provisioning code and committed; each test then runs in a transaction that is rolled back
(``db``). Tests that must commit (the slow migrate path, the browser, the Celery worker) use
``committed`` and clean up the regions they make themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made beside it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Uji-Coba-Kuat-2026"
REGION_A = {"code": "64.72", "slug": "samarinda"}
REGION_B = {"code": "64.71", "slug": "balikpapan"}


def pytest_configure(config: pytest.Config) -> None:
    """Static files from the source folders, never from a collected copy a demo run left in .ikd/."""
    import tempfile

    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="ikd-test-static-")
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest, django_test_environment: None, django_db_blocker: Any
) -> Iterator[None]:
    """Always the test database (pytest-django's own fixture sets it up only for tests that use its
    ``db`` fixtures, and a test that commits would otherwise reach the real database)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import provisioning
    from tests.factories import make_region

    settings.SCHEMA_POOL_AUTOREFILL = False  # tests fill the pool themselves
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        cache.clear()  # rate-limit counters and token nonces of an earlier run
        provisioning.prepare(pool_size=2)
        from tests.billing.contracts import give_test_regions_seats

        # Paying, with ample seats: the suite's rounds open whatever their size (tests/billing/contracts.py).
        give_test_regions_seats(make_region(**REGION_A), make_region(**REGION_B))
        provisioning.fill_pool(2)  # the two signups took the first spares
    yield
    with django_db_blocker.unblock():
        # Request threads of the browser tests' server may still hold a connection; end them first.
        # Only our own client connections: an autovacuum worker may be in the database too, and ending
        # it needs a superuser (the embedded default runs as the app role); DROP DATABASE stops it anyway.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend' AND usename = current_user",
                [connection.settings_dict["NAME"]],
            )
        teardown_databases(config, verbosity=0)


_DB_FIXTURES = {"db", "committed", "transactional_db", "region_a", "region_b"}


@pytest.fixture(autouse=True)
def _default_language_between_tests() -> Iterator[None]:
    """A request through the test client leaves its language active in the thread (LocaleMiddleware
    never deactivates it): a test that browses in English must not make the next one export in English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_region_cached_between_tests() -> Iterator[None]:
    """The per-process region cache of the test and region APIs (tenants.middleware) would keep a
    region as one test left it (suspended, say) after its rows were rolled back."""
    yield
    from assessment.rounds import sign_in_page
    from assessment.rounds.services import bank_items
    from tenants.middleware import forget_regions

    forget_regions()
    bank_items.forget()  # a locked bank's items, likewise
    sign_in_page.forget()  # and the sign-in page rendered for a region as one test left it


@pytest.fixture(autouse=True)
def _empty_cache_between_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with an empty cache, as with a rolled-back database: figures cached under the
    state of an earlier test's database (the national benchmark's, say) would otherwise be served to the
    next test that meets the same state, which depends on which tests ran before on the same worker."""
    yield
    if _DB_FIXTURES & set(request.fixturenames):
        from django.core.cache import cache

        from benchmark.services import national

        cache.clear()  # this worker's own cache database (tests/xdist_workers.py)
        national.forget()


@pytest.fixture(autouse=True)
def _public_schema_between_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if _DB_FIXTURES & set(request.fixturenames):
        from tenants.schemas import use_public_schema

        use_public_schema()


@pytest.fixture
def region_a(db: Any) -> Any:
    from tenants.models import Region

    return Region.objects.get(code=REGION_A["code"])


@pytest.fixture
def region_b(db: Any) -> Any:
    from tenants.models import Region

    return Region.objects.get(code=REGION_B["code"])


@pytest.fixture
def committed(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Database access outside a test transaction: what the test writes is committed."""
    with django_db_blocker.unblock():
        yield

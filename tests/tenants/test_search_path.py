"""The search_path is sent once per region selection (TENANT_LIMIT_SET_CALLS) and is never stale.

Sending ``SET search_path`` before every statement cost a start storm's sign-in five extra round trips
(issue #20). With the setting on, the connection remembers what it set; what would make the memory
wrong is PostgreSQL undoing the SET behind its back: a rollback, a rollback to a savepoint made before
the SET (django-tenants #1262, fixed in the pinned 4.0.1), the clone function that provisioning runs.
Each case here selects a region inside, lets PostgreSQL undo it, and checks that the next statement
reads the region the connection says it is on, by a row only that region holds.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from assessment.people.models import WorkUnit
from assessment.people.services import units

MARK_A, MARK_B = "ONLY-IN-A", "ONLY-IN-B"


@pytest.fixture
def marked(region_a: Any, region_b: Any) -> tuple[Any, Any]:
    for region, code in ((region_a, MARK_A), (region_b, MARK_B)):
        with schema_context(region.schema_name):
            units.create_unit(code=code, name=code, kind="dinas")
    return region_a, region_b


def server_search_path() -> str:
    return str(connection.connection.execute("SHOW search_path").fetchone()[0])


def marks() -> set[str]:
    return set(WorkUnit.objects.filter(code__in=[MARK_A, MARK_B]).values_list("code", flat=True))


class _Undo(Exception):
    pass


def rolled_back_savepoint(work: Any) -> None:
    """Run ``work`` in a savepoint inside the test's transaction, then roll the savepoint back."""
    try:
        with transaction.atomic():
            work()
            raise _Undo
    except _Undo:
        pass


def test_the_setting_is_on() -> None:
    from django.conf import settings

    assert settings.TENANT_LIMIT_SET_CALLS is True


def test_one_set_per_region_selection(marked: tuple[Any, Any]) -> None:
    region_a, _ = marked
    connection.set_tenant(region_a)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert marks() == {MARK_A}
    sets = [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]
    assert len(sets) == 1, sets


def test_the_same_region_selected_again_sends_no_set(marked: tuple[Any, Any]) -> None:
    """Each request selects its region again; a worker's connection that has the path keeps it."""
    region_a, region_b = marked
    connection.set_tenant(region_a)
    assert marks() == {MARK_A}
    connection.set_schema_to_public()  # what the region middleware does first on every request
    connection.set_tenant(region_a)
    with CaptureQueriesContext(connection) as queries:
        assert marks() == {MARK_A}
    assert not [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]
    connection.set_tenant(region_b)
    with CaptureQueriesContext(connection) as queries:
        assert marks() == {MARK_B}
    assert len([q for q in queries if q["sql"].startswith("SET search_path")]) == 1


def test_a_savepoint_rolled_back_before_the_same_region_again(marked: tuple[Any, Any]) -> None:
    """The path is remembered only while PostgreSQL keeps it: after a rollback to a savepoint made
    before a switch, the region selected again is set again, not trusted."""
    region_a, region_b = marked
    connection.set_tenant(region_b)
    assert marks() == {MARK_B}

    def switch_to_a() -> None:
        connection.set_tenant(region_a)
        assert marks() == {MARK_A}

    rolled_back_savepoint(switch_to_a)  # PostgreSQL is on B again
    connection.set_tenant(region_a)
    assert marks() == {MARK_A}
    assert region_a.schema_name in server_search_path()


def test_a_savepoint_rolled_back_after_a_switch_reads_the_right_region(marked: tuple[Any, Any]) -> None:
    region_a, region_b = marked
    connection.set_tenant(region_a)
    assert marks() == {MARK_A}

    def switch_to_b() -> None:
        connection.set_tenant(region_b)
        assert marks() == {MARK_B}  # SET to B inside the savepoint

    rolled_back_savepoint(switch_to_b)
    # PostgreSQL is back on A's search_path; the connection says B: the next statement must set B.
    assert connection.schema_name == region_b.schema_name
    assert marks() == {MARK_B}
    assert region_b.schema_name in server_search_path()
    connection.set_tenant(region_a)
    assert marks() == {MARK_A}


def test_cloning_a_schema_leaves_the_connection_where_it_says(region_a: Any) -> None:
    from tenants.models import Region
    from tenants.services import provisioning

    connection.set_tenant(region_a)
    with transaction.atomic():
        provisioning.clone_template("zz_search_path_probe")  # its function sets search_path as it works
        assert connection.schema_name == "public"
        assert Region.objects.filter(pk=region_a.pk).exists()
        assert server_search_path() == "public"
        transaction.set_rollback(True)

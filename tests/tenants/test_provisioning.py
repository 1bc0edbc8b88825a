"""Provisioning: template, pool, clone and migrate paths, and that failures leave nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import User
from tenants.models import Domain, Region, SpareSchema
from tenants.services import provisioning
from tenants.services.signup import register_region
from tests.factories import remove_region, schema_exists, signup_request


def test_template_is_current_and_pool_is_full(db: Any) -> None:
    assert provisioning.template_is_current()
    spares = list(SpareSchema.objects.all())
    assert len(spares) == 2
    assert all(spare.migration_state == provisioning.migration_state() for spare in spares)
    assert all(schema_exists(spare.schema_name) for spare in spares)


def test_signup_claims_a_spare_schema_by_renaming_it(db: Any) -> None:
    before = set(SpareSchema.objects.values_list("schema_name", flat=True))
    result = register_region(signup_request("64.02", "kukar"))
    assert result.method == "pool"
    after = set(SpareSchema.objects.values_list("schema_name", flat=True))
    claimed = before - after
    assert len(claimed) == 1
    assert not schema_exists(claimed.pop())
    assert result.region.schema_name == "r_64_02"
    with schema_context("r_64_02"):
        assert User.objects.get().email == "admin@kukar.go.id"
    assert Domain.objects.get(tenant=result.region).domain == "kukar.localhost"


def test_empty_pool_falls_back_to_cloning_the_template(db: Any) -> None:
    SpareSchema.objects.all().delete()  # rows only: rolled back with the test
    result = register_region(signup_request("64.02", "kukar"))
    assert result.method == "clone"
    with schema_context(result.region.schema_name):
        assert User.objects.filter(role="region_admin").count() == 1


def test_stale_spares_are_dropped_and_replaced(db: Any) -> None:
    spare = SpareSchema.objects.first()
    assert spare is not None
    SpareSchema.objects.filter(pk=spare.pk).update(migration_state="an-older-template")
    assert provisioning.discard_stale_spares() == 1
    assert not schema_exists(spare.schema_name)
    assert provisioning.fill_pool(2) == 1
    assert SpareSchema.objects.count() == 2


def test_failure_after_claiming_a_spare_leaves_nothing(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    spares_before = set(SpareSchema.objects.values_list("schema_name", flat=True))

    def broken_create_user(**kwargs: Any) -> None:
        raise RuntimeError("mail server down")

    monkeypatch.setattr("tenants.services.signup.create_user", broken_create_user)
    with pytest.raises(RuntimeError):
        register_region(signup_request("64.02", "kukar"))
    connection.set_schema_to_public()
    assert not Region.objects.filter(code="64.02").exists()
    assert not Domain.objects.filter(domain="kukar.localhost").exists()
    assert not schema_exists("r_64_02")
    assert set(SpareSchema.objects.values_list("schema_name", flat=True)) == spares_before
    assert all(schema_exists(name) for name in spares_before)


def test_migrate_path_builds_a_working_schema(committed: None) -> None:
    try:
        result = register_region(signup_request("64.03", "paser-test"), methods=("migrate",))
        assert result.method == "migrate"
        assert provisioning._applied_state(result.region.schema_name) == provisioning.migration_state()
        with schema_context(result.region.schema_name):
            assert User.objects.count() == 1
    finally:
        remove_region("64.03")


def test_failure_on_the_migrate_path_drops_the_schema(
    committed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_create_user(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenants.services.signup.create_user", broken_create_user)
    try:
        with pytest.raises(RuntimeError):
            register_region(signup_request("64.03", "paser-test"), methods=("migrate",))
        assert not Region.objects.filter(code="64.03").exists()
        assert not Domain.objects.filter(domain="paser-test.localhost").exists()
        assert not schema_exists("r_64_03")
    finally:
        remove_region("64.03")


def _index_names(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s", [schema])
        return set(cursor.fetchall())


def _constraint_names(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE connamespace = %s::regnamespace",
            [schema],
        )
        return {(table.split(".")[-1], name) for table, name in cursor.fetchall()}


def test_a_clone_has_the_template_names_of_indexes_and_constraints(db: Any) -> None:
    """A later migration that drops ``answer_once`` by name must find it in every region, cloned or not."""
    template = provisioning.template_schema()
    spare = SpareSchema.objects.first()
    assert spare is not None
    assert ("rounds_answer", "answer_once") in _constraint_names(template)
    assert _index_names(spare.schema_name) == _index_names(template)
    assert _constraint_names(spare.schema_name) == _constraint_names(template)


def test_prepare_renames_what_an_earlier_clone_named_otherwise(db: Any) -> None:
    spare = SpareSchema.objects.first()
    assert spare is not None
    with connection.cursor() as cursor:  # as django-tenants' clone named it before clones were aligned
        cursor.execute(
            f'ALTER TABLE "{spare.schema_name}".rounds_answer RENAME CONSTRAINT answer_once '
            "TO rounds_answer_attempt_id_item_code_key"
        )
        cursor.execute(
            f'ALTER INDEX "{spare.schema_name}".rounds_atte_state_822b0a_idx RENAME TO some_other_name'
        )
    assert ("rounds_answer", "answer_once") not in _constraint_names(spare.schema_name)
    assert provisioning.prepare(pool_size=2)["renamed"] == 2
    assert _index_names(spare.schema_name) == _index_names(provisioning.template_schema())
    assert _constraint_names(spare.schema_name) == _constraint_names(provisioning.template_schema())
    assert provisioning.align_all_names() == 0

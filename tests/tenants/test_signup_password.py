"""The admin's password at signup: hashed at the configured strength, off the signup's own thread (so the
schema claim and the inserts go on meanwhile), inside the signup's transaction (all or nothing)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, identify_hasher
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from accounts.models import User
from tenants.models import Domain, Region, SpareSchema
from tenants.schemas import use_public_schema
from tenants.services.signup import register_region
from tests.factories import PASSWORD, schema_exists, signup_request

HASH_THREADS: list[int] = []
CHANGED: list[tuple[str, str]] = []


class RecordingHasher(PBKDF2PasswordHasher):
    """The default hasher at its full strength; notes which thread it ran on."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        HASH_THREADS.append(threading.get_ident())
        return super().encode(password, salt, iterations)


class FailingHasher(PBKDF2PasswordHasher):
    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        raise RuntimeError("hasher broke")


class RecordingValidator:
    """A password validator that keeps a history, as a 'no reuse' rule would."""

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        CHANGED.append((password, user.email))

    def get_help_text(self) -> str:
        return ""


def test_the_admin_signs_in_with_the_password_hashed_at_the_configured_strength(db: Any) -> None:
    result = register_region(signup_request("64.02", "kukar"))
    with schema_context(result.region.schema_name):
        stored = User.objects.get().password
        assert authenticate(email="admin@kukar.go.id", password=PASSWORD) is not None
        assert authenticate(email="admin@kukar.go.id", password=PASSWORD + "x") is None
    hasher = identify_hasher(stored)
    default = get_hasher("default")
    assert hasher.algorithm == default.algorithm == "argon2"
    assert not default.must_update(stored)  # made at the configured cost, not a cheaper one


def test_the_password_is_hashed_off_the_signup_thread_and_once(db: Any) -> None:
    HASH_THREADS.clear()
    with override_settings(PASSWORD_HASHERS=["tests.tenants.test_signup_password.RecordingHasher"]):
        result = register_region(signup_request("64.02", "kukar"))
        with schema_context(result.region.schema_name):
            admin = User.objects.get()
            assert admin.check_password(PASSWORD)
    assert len(HASH_THREADS) >= 1
    assert HASH_THREADS[0] != threading.get_ident()  # made beside the database work, not before it
    assert HASH_THREADS.count(HASH_THREADS[0]) == 1
    assert admin.password.startswith("pbkdf2_sha256$")


def test_a_failing_hash_leaves_nothing_behind(db: Any) -> None:
    spares_before = set(SpareSchema.objects.values_list("schema_name", flat=True))
    with (
        override_settings(PASSWORD_HASHERS=["tests.tenants.test_signup_password.FailingHasher"]),
        pytest.raises(RuntimeError, match="hasher broke"),
    ):
        register_region(signup_request("64.02", "kukar"))
    use_public_schema()
    assert not Region.objects.filter(code="64.02").exists()
    assert not Domain.objects.filter(domain="kukar.localhost").exists()
    assert not schema_exists("r_64_02")
    assert set(SpareSchema.objects.values_list("schema_name", flat=True)) == spares_before


def test_password_validators_hear_of_the_admin_password(db: Any) -> None:
    CHANGED.clear()
    validators = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {"NAME": "tests.tenants.test_signup_password.RecordingValidator"},
    ]
    with override_settings(AUTH_PASSWORD_VALIDATORS=validators):
        register_region(signup_request("64.02", "kukar"))
    assert CHANGED == [(PASSWORD, "admin@kukar.go.id")]


def test_signup_through_the_page_signs_in_with_the_password_afterwards(db: Any) -> None:
    password = "Kukar-Signup-2026!"
    form = {
        "code": "64.02",
        "slug": "kukar",
        "admin_full_name": "Rina Wulandari",
        "admin_email": "rina@kukarkab.go.id",
        "password": password,
        "password_again": password,
        "accept_terms": "on",
    }
    assert Client(HTTP_HOST="localhost").post("/daftar/", form).status_code == 302
    site = Client(HTTP_HOST="kukar.localhost")
    response = site.post("/akun/login/", {"login": "rina@kukarkab.go.id", "password": password})
    assert response.status_code == 302
    assert site.get("/").status_code == 200

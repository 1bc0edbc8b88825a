"""Self-service signup: a region picks itself from the official list and gets its own site.

A signup is a claim, not a proof: the region starts *pending* (tenants.services.approval) and publishes
nothing to the national benchmark until its admin has verified the address and an operator has approved
it. The view limits how many signups one client and everybody may make (config.ratelimit).

All or nothing: the Region, its Domain, its schema and its admin are written in one transaction
(schema from the pool or a template clone). Only the slow migrate path commits the schema first,
and it drops the schema again if anything after it fails.

Where the time goes (tests/perf/bench_signup.py, 552 regions, pooled schema): hashing the admin's
password (PBKDF2 at Django's configured 1,000,000 iterations, 0.36-0.48 s of CPU on the 2-core machine)
is most of a signup's CPU, some six times the validation, the claim and rename of a spare schema, the
inserts, the sign-in link and the first page together (0.07-0.08 s); none of those grows with the
number of regions. The strength stays as configured. Instead the hash starts on a
thread of its own as the signup begins (``hashlib.pbkdf2_hmac`` runs in C without holding the GIL) while
this thread validates, claims the schema and writes the Region and Domain; the admin row gets the hash
inside the same transaction, so the guarantees hold: nothing is committed without the admin's password,
and a failed signup leaves nothing behind. Doing the hash after the response instead would commit an
admin without a password and sign them out again once it lands (Django ties a session to the hash).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import password_changed, validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.roles import Role
from accounts.services import create_user
from tenants import wilayah
from tenants.models import Domain, Region
from tenants.schemas import use_public_schema
from tenants.services import provisioning

if TYPE_CHECKING:
    from accounts.models import User

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class SignupError(Exception):
    """Bad signup input: ``errors`` maps a form field to its messages (Indonesian in the UI)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SignupRequest:
    code: str
    slug: str
    admin_full_name: str
    admin_email: str
    password: str
    time_zone: str = ""  # empty: derived from the province
    admin_position: str = ""  # position and office, for the operator who reviews the claim


@dataclass(frozen=True)
class SignupResult:
    region: Region
    admin: User
    method: provisioning.Method
    seconds: float


def schema_name_for(code: str) -> str:
    return "r_" + code.replace(".", "_")


def region_domain(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def slug_problem(slug: str) -> str | None:
    if not SLUG_RE.match(slug):
        return _(
            "Use 1–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
        )
    if slug in settings.RESERVED_SLUGS:
        return _("The address “%(slug)s” is reserved by the platform. Choose another one.") % {"slug": slug}
    if (
        Region.objects.filter(slug=slug).exists()
        or Domain.objects.filter(domain=region_domain(slug)).exists()
    ):
        return _("The address “%(slug)s” is already used by another region.") % {"slug": slug}
    return None


def email_problem(email: str) -> str | None:
    try:
        validate_email(email)
    except ValidationError:
        return _("“%(email)s” is not a valid email address.") % {"email": email}
    domain = email.rsplit("@", 1)[1].lower()
    allowed = [d.lower() for d in settings.SIGNUP_EMAIL_DOMAINS]
    if allowed and not any(domain == d or domain.endswith("." + d) for d in allowed):
        return _("Use your official email address (ending in %(domains)s).") % {"domains": ", ".join(allowed)}
    return None


def validate(request: SignupRequest) -> wilayah.OfficialRegion:
    errors: dict[str, list[str]] = {}
    official = wilayah.get(request.code)
    if official is None:
        errors["code"] = [_("Choose your region from the official list of provinces, regencies and cities.")]
    elif (taken := Region.objects.filter(code=official.code).first()) is not None:
        names = {"name": official.name, "code": official.code}
        errors["code"] = [
            _("%(name)s (%(code)s) is already registered. Ask its admin for an account.") % names
            if taken.is_approved
            # The rightful owner may be the one reading this: the operator can reject a false claim.
            else _(
                "%(name)s (%(code)s) is already registered and awaits approval. If your office did not "
                "register it, tell the platform operator: a false registration is rejected and the region "
                "becomes free again."
            )
            % names
        ]
    if problem := slug_problem(request.slug):
        errors["slug"] = [problem]
    if not request.admin_full_name.strip():
        errors["admin_full_name"] = [_("Enter the admin's full name.")]
    email = request.admin_email.strip().lower()
    if problem := email_problem(email):
        errors["admin_email"] = [problem]
    user_model: Any = get_user_model()
    try:
        validate_password(request.password, user_model(email=email, full_name=request.admin_full_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if request.time_zone and request.time_zone not in Region.TimeZone.values:
        errors["time_zone"] = [_("Choose WIB, WITA or WIT.")]
    if errors:
        raise SignupError(errors)
    assert official is not None
    return official


def hash_in_background(password: str) -> Future[str]:
    """``make_password`` on a thread of its own, started now; ``result()`` waits for it.

    A thread per signup rather than a shared pool: signups are rate-limited and rare, and a pool made
    before a server forks its workers would not survive the fork."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="signup-password")
    try:
        return executor.submit(make_password, password)
    finally:
        executor.shutdown(wait=False)  # the thread ends once the hash is done


def _write_records(
    request: SignupRequest, official: wilayah.OfficialRegion, schema: str, password_hash: Future[str]
) -> tuple[Region, User]:
    region = Region.objects.create(
        schema_name=schema,
        code=official.code,
        name=official.name,
        kind=official.kind,
        province_code=official.province_code,
        province_name=official.province_name,
        slug=request.slug,
        time_zone=request.time_zone or official.time_zone,
        signup_name=request.admin_full_name.strip(),
        signup_email=request.admin_email.strip().lower(),
        signup_position=request.admin_position.strip()[:200],
    )
    Domain.objects.create(domain=region_domain(request.slug), tenant=region, is_primary=True)
    with schema_context(schema):
        admin = create_user(
            email=request.admin_email.strip().lower(),
            full_name=request.admin_full_name.strip(),
            role=Role.REGION_ADMIN,
            password=None,  # the hash is being made meanwhile; it lands in this same transaction
        )
        admin.password = password_hash.result()
        admin.save(update_fields=["password"])
        password_changed(request.password, admin)  # what set_password's save would tell the validators
    return region, admin


def register_region(
    request: SignupRequest, *, methods: tuple[provisioning.Method, ...] = ("pool", "clone", "migrate")
) -> SignupResult:
    """Validate, provision and create the region with its admin; raise SignupError on bad input."""
    started = time.perf_counter()
    # Started first, so that it overlaps everything below; discarded if the signup fails.
    password_hash = hash_in_background(request.password)
    official = validate(request)
    schema = schema_name_for(official.code)
    use_public_schema()
    fast = tuple(m for m in methods if m in ("pool", "clone"))
    try:
        with transaction.atomic():
            method = provisioning.create_schema_in_transaction(schema, fast) if fast else None
            if method is not None:
                region, admin = _write_records(request, official, schema, password_hash)
    except IntegrityError as exc:  # two signups for one region at the same moment
        raise SignupError({"code": [_("This region was registered a moment ago.")]}) from exc
    if method is None:
        if "migrate" not in methods:
            raise RuntimeError("no provisioning method available")
        method = "migrate"
        provisioning.create_schema_by_migrating(schema)
        try:
            with transaction.atomic():
                region, admin = _write_records(request, official, schema, password_hash)
        except BaseException:
            use_public_schema()
            provisioning.drop_schema(schema)
            raise
    use_public_schema()
    transaction.on_commit(_refill_pool)
    return SignupResult(region=region, admin=admin, method=method, seconds=time.perf_counter() - started)


def _refill_pool() -> None:
    if getattr(settings, "SCHEMA_POOL_AUTOREFILL", True):
        from tenants.tasks import replenish_schema_pool

        replenish_schema_pool.delay()

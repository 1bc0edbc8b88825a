"""Demo data: Kabupaten Kutai Kartanegara with its admin, a platform operator and a national viewer.

Kukar is approved as it is made (its admin's address counts as verified), so that it publishes to the
national benchmark like a reviewed region; the simulated regions there have no site and need no approval.

Idempotent: running it again changes nothing that exists. Later apps add their demo data through
``settings.DEMO_SEEDERS`` (dotted paths of callables taking the Kukar Region), so this app imports none.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context

from accounts import enrolment
from accounts.roles import Role
from accounts.services import create_user, has_totp
from tenants.models import Region
from tenants.schemas import use_public_schema
from tenants.services import approval, provisioning
from tenants.services.signup import SignupRequest, register_region

DEMO_PASSWORD = "Demo-IKD-2026!"  # noqa: S105 (printed for the demo; documented in README)
KUKAR = SignupRequest(
    code="64.02",
    slug="kukar",
    admin_full_name="Rina Wulandari",
    admin_email="admin@kukarkab.go.id",
    password=DEMO_PASSWORD,
    time_zone="WITA",
)
PLATFORM_USERS = [
    ("operator@ikd.go.id", "Operator Platform IKD", Role.PLATFORM_OPERATOR),
    ("nasional@bkn.go.id", "Pemantau Nasional", Role.NATIONAL_VIEWER),
]


class Command(BaseCommand):
    help = "Create the demo region (Kutai Kartanegara) and demo users; print the URLs and logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000", help="Port shown in the printed URLs.")

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        if not provisioning.template_is_current():
            provisioning.prepare()
        region = Region.objects.filter(code=KUKAR.code).first()
        if region is None:
            region = register_region(KUKAR).region
        # The demo region publishes its round to the national benchmark, which only approved regions do.
        region = approval.approve_seeded(region, actor="seed_demo")
        user_model: Any = get_user_model()
        for email, name, role in PLATFORM_USERS:
            if not user_model.objects.filter(email=email).exists():
                create_user(
                    email=email, full_name=name, role=role, password=DEMO_PASSWORD, email_verified=True
                )
        for path in getattr(settings, "DEMO_SEEDERS", []):
            with schema_context(region.schema_name):
                import_string(path)(region, stdout=self.stdout)
        self._print(region, options["port"], self._operator_enrolment(options["port"]))

    @staticmethod
    def _operator_enrolment(port: str) -> str:
        """The operator enrols an authenticator only through a one-time link (accounts.enrolment): a fresh
        one on every run until they have; it replaces the one printed before."""
        user_model: Any = get_user_model()
        operator = user_model.objects.get(email=PLATFORM_USERS[0][0])
        if has_totp(operator):
            return "(2FA is set up)"
        return f"(sets up 2FA; open first: {enrolment.issue_link(operator, port=port)} )"

    def _print(self, region: Region, port: str, operator_note: str) -> None:
        base = settings.BASE_DOMAIN
        suffix = "" if port in {"80", ""} else f":{port}"
        self.stdout.write(
            "\nIKD demo is ready.\n"
            f"  Public site:   http://{base}{suffix}/\n"
            f"    operator     {PLATFORM_USERS[0][0]} / {DEMO_PASSWORD}  {operator_note}\n"
            f"    national     {PLATFORM_USERS[1][0]} / {DEMO_PASSWORD}\n"
            f"  Kukar:         http://{region.slug}.{base}{suffix}/\n"
            f"    region admin {KUKAR.admin_email} / {DEMO_PASSWORD}\n"
        )

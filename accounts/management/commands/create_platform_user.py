"""Create a platform operator or national viewer in the public schema; an operator gets an enrolment link."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import enrolment
from accounts.roles import Role
from accounts.services import create_user
from tenants.schemas import use_public_schema


class Command(BaseCommand):
    help = "Create a platform operator or national viewer (public schema)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", choices=[Role.PLATFORM_OPERATOR, Role.NATIONAL_VIEWER], required=True)
        parser.add_argument("--password", help="Omit to be sent a password-reset link instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        if options["password"]:
            try:
                validate_password(options["password"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        user = create_user(
            email=options["email"],
            full_name=options["name"],
            role=options["role"],
            password=options["password"],
            email_verified=True,
        )
        self.stdout.write(f"Created {user.get_role_display()} {user.email}.")
        if enrolment.needs_link(user):
            # Operators must use TOTP; only this link enrols their authenticator (accounts.enrolment).
            self.stdout.write(
                "Give the operator this one-time link to set up two-factor authentication "
                f"(valid {enrolment.LINK_MAX_AGE // 3600} hours):\n  {enrolment.issue_link(user)}"
            )

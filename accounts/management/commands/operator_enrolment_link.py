"""A new one-time link that enrols a platform operator's authenticator (accounts.enrolment).

For an operator who lost the first link, or whose phone was replaced after the old authenticator was
removed. Issuing a link makes every earlier one stop working.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import enrolment
from accounts.roles import Role
from tenants.schemas import use_public_schema


class Command(BaseCommand):
    help = "Print a new one-time link that sets up a platform operator's two-factor authentication."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--port", default=None, help="Port in the link (default: SITE_PORT).")

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        user_model: Any = get_user_model()
        user = user_model.objects.filter(
            email=options["email"].strip().lower(), role=Role.PLATFORM_OPERATOR, is_active=True
        ).first()
        if user is None:
            raise CommandError(f"No active platform operator {options['email']}.")
        self.stdout.write(enrolment.issue_link(user, port=options["port"]))

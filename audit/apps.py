from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from audit import receivers

        receivers.connect()
        _share_the_trigger_autodetector()


def _share_the_trigger_autodetector() -> None:
    """django-pgtrigger gives ``makemigrations`` an autodetector that knows triggers; django-tenants'
    ``migrate`` (``migrate_schemas``) pins Django's plain one, and Django 5.2 refuses to run when the two
    differ (commands.E001). Give django-tenants' command pgtrigger's too: ``migrate`` then sees the
    triggers as part of the models, as ``makemigrations`` does."""
    from django.core.management.commands import makemigrations
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    MigrateSchemasCommand.autodetector = makemigrations.Command.autodetector

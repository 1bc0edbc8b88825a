"""``manage.py migrate`` is ``migrate_schemas`` here too, as django-tenants makes it (see migrate_schemas)."""

from tenants.management.commands.migrate_schemas import Command

__all__ = ["Command"]

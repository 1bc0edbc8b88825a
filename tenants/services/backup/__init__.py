"""Backing up and restoring one region: its schema and its public rows, into the same installation or
another one running the same code version.

Why per region: a region is a schema (django-tenants), and an operator restores *one* region (a botched
import, a region moving to another cluster) without touching the 551 others. ``pg_dump -n <schema>``
dumps a schema; the region's rows in the public schema (its Region and Domain rows, billing contract and
invoices, the operators' decisions about it) are found through Django's app registry (see
:mod:`.plan`), because ``tenants`` must not import the apps that own those tables.

Backup (:mod:`.dump`): one REPEATABLE READ snapshot is exported and shared with ``pg_dump``, so the
schema, the public rows and the manifest's counts and checksums describe the same instant while the
region keeps working. The archive (:mod:`.archive`) is one file: a tar of ``manifest.json`` (versions,
applied migrations of the public and region schema, rows and checksum per table, SHA-256 per member),
``schema.dump`` (custom format) and one COPY file per public table; optionally AES-256-GCM encrypted with
a key from the environment or a file, never stored in the archive.

Restore (:mod:`.load`): refuses an archive of another migration state (same code version required), a
region or schema that exists (unless ``replace``), a damaged or altered archive and a wrong key. Then
one psql session, one transaction: (with ``replace``, the current schema and rows are taken out) the
schema from ``pg_restore``'s script, the public rows (a key taken by another row refuses the restore;
rows that outlived the region with their key emptied are re-linked), and finally every table's row count
and checksum compared with the manifest: any difference rolls everything back.

Locks: ``pg_dump`` holds ACCESS SHARE on each table of the schema while it runs, which blocks a
migration's ALTER TABLE (and everything queued behind it). Backups and restores take the advisory lock
:data:`.pgtools.SCHEMA_CHANGE_LOCK` shared; a migration run takes it exclusive, so they never overlap.

Client tools come from the PostgreSQL matching the server (:func:`.pgtools.binary`): pgserver's own for
the embedded default, the Debian packages' otherwise.
"""

from tenants.services.backup.archive import ArchiveError, load_key, new_key
from tenants.services.backup.dump import BackupError, BackupResult, backup_region
from tenants.services.backup.load import RestoreError, RestoreResult, restore_region
from tenants.services.backup.pgtools import SCHEMA_CHANGE_LOCK, ToolError

__all__ = [
    "SCHEMA_CHANGE_LOCK",
    "ArchiveError",
    "BackupError",
    "BackupResult",
    "RestoreError",
    "RestoreResult",
    "ToolError",
    "backup_region",
    "load_key",
    "new_key",
    "restore_region",
]

"""The audit trail: who did what, when and from where, append-only, in the schema where it happened.

``audit.services.record`` is the one helper that writes it; ``audit.models`` holds the table and the
database triggers that guard and feed it; ``audit.context`` carries the request into both;
``audit.receivers`` turns sign-in and account signals into events; ``audit.views`` shows the trail to a
region's admins and to platform operators. The design and the choice of django-pghistory are in
``audit.services`` and docs/security/audit.md.
"""

"""django-tenants' PostgreSQL backend, plus the read-only session of suspended regions (see base)."""

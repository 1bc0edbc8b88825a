#!/bin/sh
# Run once by the postgres image, when its data volume is first created (/docker-entrypoint-initdb.d):
# the app's own role, which is not a superuser and owns the database (django-tenants creates one schema
# per region, which needs CREATE on the database; nothing needs more), as deploy/README.md's systemd
# layout asks. The image's POSTGRES_USER is a superuser: the app never connects as it.
# The password is the compose secret ikd_db_password, the one in ikd.env's DATABASE_URL.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=password="$(cat /run/secrets/ikd_db_password)" <<'SQL'
CREATE ROLE ikd LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE DATABASE ikd OWNER ikd;
SQL

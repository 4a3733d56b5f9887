#!/usr/bin/env bash
# Creates one role and one database per service that owns data: identity and rooms never share a
# database (each service owns its schema and migrations). Run once by the postgres image, from
# /docker-entrypoint-initdb.d, when the data directory is empty; later changes to the passwords
# need `ALTER ROLE ... PASSWORD` by hand (or `docker compose down -v` to start over).
#
# Passwords come from the container environment (docker-compose.yml passes them from .env).
# They are also embedded in the services' DATABASE_URL, so use URL-safe values (hex).
set -euo pipefail

: "${IDENTITY_DB_PASSWORD:?IDENTITY_DB_PASSWORD must be set}"
: "${ROOMS_DB_PASSWORD:?ROOMS_DB_PASSWORD must be set}"

# psql variables (:'name') quote the values, so no password ends up in SQL text unescaped.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	-v identity_password="$IDENTITY_DB_PASSWORD" \
	-v rooms_password="$ROOMS_DB_PASSWORD" <<'SQL'
CREATE ROLE identity LOGIN PASSWORD :'identity_password';
CREATE ROLE rooms LOGIN PASSWORD :'rooms_password';

CREATE DATABASE identity OWNER identity;
CREATE DATABASE rooms OWNER rooms;

-- Only the owning service (and the superuser) may connect to each database.
REVOKE ALL ON DATABASE identity FROM PUBLIC;
REVOKE ALL ON DATABASE rooms FROM PUBLIC;
SQL

# PostgreSQL 15+ no longer lets PUBLIC create in schema public; each database's owner owns its
# public schema so that migrations run as the service role can create tables there.
for db in identity rooms; do
	psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" \
		-c "ALTER SCHEMA public OWNER TO ${db};"
done

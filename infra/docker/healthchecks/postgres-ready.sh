#!/bin/sh
# Healthcheck of the compose postgres service: healthy only when the real server accepts TCP
# connections (during the image's first-start init a temporary server listens on the socket
# only, and `pg_isready` over the socket already passes). The databases and roles are made by
# the db-setup service (infra/postgres/roles.sql).
set -eu
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=2
psql -d postgres -Atqc 'SELECT 1' >/dev/null

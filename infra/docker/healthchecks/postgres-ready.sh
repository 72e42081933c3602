#!/bin/sh
# Healthcheck of the compose postgres service: healthy only when the real server accepts TCP
# connections (during the image's first-start init a temporary server listens on the socket
# only, and `pg_isready` over the socket already passes) and both databases exist. A database
# that is missing is created here: on the first start, and after WRITE_DB_NAME or READ_DB_NAME
# changes on a volume that already holds a cluster (the image's init scripts never run again).
set -eu
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER="$POSTGRES_USER" PGPASSWORD="$POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=2
for db in "$WRITE_DB_NAME" "$READ_DB_NAME"; do
  if ! psql -d "$db" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    psql -d postgres -Atqc 'SELECT 1' >/dev/null # not listening on TCP yet: unhealthy, say why
    # Another check may create it at the same moment: "already exists" is success.
    createdb "$db" 2>/dev/null || psql -d "$db" -Atqc 'SELECT 1' >/dev/null
  fi
done

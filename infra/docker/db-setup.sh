#!/bin/sh
# docker compose's db-setup: runs infra/postgres/roles.sql against the postgres service as the
# bootstrap superuser. The passwords reach psql on its standard input, never on a command line.
set -eu
# A psql variable: single-quoted, a quote doubled, a backslash escaped.
variable() { printf '\\set %s '"'"'%s'"'"'\n' "$1" "$(printf '%s' "$2" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"; }
{
  variable write_db "$WRITE_DB_NAME"
  variable read_db "$READ_DB_NAME"
  variable admin_user "$PG_ADMIN_USER"
  variable admin_password "$PG_ADMIN_PASSWORD"
  variable owner_password "$PG_OWNER_PASSWORD"
  variable command_api_password "$PG_COMMAND_API_PASSWORD"
  variable debezium_password "$PG_DEBEZIUM_PASSWORD"
  variable projector_password "$PG_PROJECTOR_PASSWORD"
  variable query_api_password "$PG_QUERY_API_PASSWORD"
  variable notifier_password "$PG_NOTIFIER_PASSWORD"
  printf '%s\n' '\i /setup/sql/roles.sql'
} | PGPASSWORD="$PG_ADMIN_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h postgres -U "$PG_ADMIN_USER" -d postgres -f -
echo "db-setup: roles and databases are in place"

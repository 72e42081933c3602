#!/bin/sh
# Runs once, on the first start of the postgres container: the write and read databases.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE "${WRITE_DB_NAME}";
CREATE DATABASE "${READ_DB_NAME}";
SQL

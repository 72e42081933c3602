#!/bin/bash
# Healthcheck of the compose debezium service: healthy only when Debezium Server is up and its
# Postgres connector is streaming from the replication slot, so that `docker compose up --wait`
# returns once a write is on its way to RabbitMQ within moments. Quarkus' /q/health alone turns
# UP when the connector starts, before the slot is created and the snapshot is done; the
# streaming `Connected` flag comes from Debezium's own metrics, served by the JMX exporter that
# the distribution ships (enabled by JMX_EXPORTER_PORT). Plain bash: the image has no curl.
set -euo pipefail

http_get() { # port path -> response on stdout
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}

http_get "${DEBEZIUM_HTTP_PORT:-8083}" /q/health | grep -Eq '"status": *"UP"'
http_get "${JMX_EXPORTER_PORT:?}" /metrics |
  grep -Eq '^debezium_metrics_Connected\{[^}]*context="streaming"[^}]*\} 1\.0'

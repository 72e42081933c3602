#!/usr/bin/env bash
# Entry of each RabbitMQ node of docker-compose.cluster.yml (and of its rabbitmq-cluster check):
# gives the node the cluster's shared Erlang cookie as a file (the only way RabbitMQ 4 and its CLI
# read one), adds the cluster's configuration beside the image's own, then runs the image's
# entrypoint with the command.
set -euo pipefail
cookie=/var/lib/rabbitmq/.erlang.cookie
: "${CLUSTER_ERLANG_COOKIE:?the Erlang cookie of the cluster (RABBITMQ_ERLANG_COOKIE: run npm run secrets)}"
umask 077
printf '%s' "$CLUSTER_ERLANG_COOKIE" >"$cookie"
chmod 400 "$cookie"
chown rabbitmq:rabbitmq "$cookie"
unset CLUSTER_ERLANG_COOKIE
cp /etc/rabbitmq-cluster/cluster.conf /etc/rabbitmq/conf.d/20-cluster.conf
exec docker-entrypoint.sh "$@"

# The TCP proxy in front of the RabbitMQ cluster (docker-compose.cluster.yml): Debian's HAProxy
# (2.6 in bookworm), its configuration mounted from infra/docker/rabbitmq-cluster/haproxy.cfg.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/*
# The package's unprivileged user: the proxy binds no port below 1024.
USER haproxy
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]

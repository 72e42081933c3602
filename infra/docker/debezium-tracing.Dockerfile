# Debezium Server with its tracing able to export (docker-compose.observability.yml). Its
# distribution ships the OpenTelemetry SDK without what configures it from OTEL_* variables and
# with an HTTP sender that needs Kotlin, which it lacks: without these two jars (from Maven
# Central, at the SDK's version) Debezium's EventRouter sends no spans and no traceparent, silently.
# `npm start` does the same natively (infra/src/native/debezium-server.ts).
ARG DEBEZIUM_VERSION=3.6.0.Final
FROM quay.io/debezium/server:${DEBEZIUM_VERSION}
# The OpenTelemetry SDK version in /debezium/lib (1.57.0 for Debezium 3.6.0.Final).
ARG OTEL_SDK_VERSION=1.57.0
RUN test -f /debezium/lib/opentelemetry-sdk-${OTEL_SDK_VERSION}.jar || \
    { echo "this Debezium ships another OpenTelemetry SDK: set OTEL_SDK_VERSION to the one in /debezium/lib" >&2; exit 1; }
# Each jar is checked against its SHA-256 pinned in infra/maven-artifacts.sha256 (the one list of
# what the project fetches from Maven Central; the build context is the repository root for it):
# a jar that differs stops the build, naming it with the expected and the actual hash, and a
# version with no pin there is refused. Not ADD --checksum: the builder of Debian's Docker engine
# (20.10, which the compose test uses) rejects that flag ("Unknown flag: checksum").
COPY infra/maven-artifacts.sha256 infra/docker/verify-pinned.sh /tmp/verify/
ADD https://repo1.maven.org/maven2/io/opentelemetry/opentelemetry-sdk-extension-autoconfigure/${OTEL_SDK_VERSION}/opentelemetry-sdk-extension-autoconfigure-${OTEL_SDK_VERSION}.jar /debezium/lib/
ADD https://repo1.maven.org/maven2/io/opentelemetry/opentelemetry-exporter-sender-jdk/${OTEL_SDK_VERSION}/opentelemetry-exporter-sender-jdk-${OTEL_SDK_VERSION}.jar /debezium/lib/
# ADD from a URL makes the files root's with mode 600: the server (user 185) could not read them,
# and the JVM skips an unreadable jar on the classpath without a word.
USER root
RUN sh /tmp/verify/verify-pinned.sh /tmp/verify/maven-artifacts.sha256 \
        /debezium/lib/opentelemetry-sdk-extension-autoconfigure-${OTEL_SDK_VERSION}.jar \
        /debezium/lib/opentelemetry-exporter-sender-jdk-${OTEL_SDK_VERSION}.jar && \
    rm -r /tmp/verify && \
    chmod 644 /debezium/lib/opentelemetry-sdk-extension-autoconfigure-${OTEL_SDK_VERSION}.jar \
              /debezium/lib/opentelemetry-exporter-sender-jdk-${OTEL_SDK_VERSION}.jar
USER 185
# The SDK configures itself at its first use, with the JDK's HTTP client, traces only; run.sh
# passes JAVA_OPTS on. OTEL_EXPORTER_OTLP_ENDPOINT comes from the compose file. The image sets
# OTEL_SDK_DISABLED=true (for its Java agent), which would keep the SDK a no-op: undone here.
ENV OTEL_SDK_DISABLED=false \
    JAVA_OPTS="-Dotel.java.global-autoconfigure.enabled=true -Dio.opentelemetry.exporter.internal.http.HttpSenderProvider=io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider" \
    OTEL_SERVICE_NAME=debezium-server \
    OTEL_TRACES_EXPORTER=otlp \
    OTEL_METRICS_EXPORTER=none \
    OTEL_LOGS_EXPORTER=none \
    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
    OTEL_PROPAGATORS=tracecontext

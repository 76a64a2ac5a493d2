# syntax=docker/dockerfile:1
# Cairn's image: docker build -t cairn:dev .
#
# Two stages: a JDK builds node/target/cairn.jar with the Maven wrapper (tests run in CI, not
# here), then only that jar and the entrypoint go onto a JRE base, run by a non-root user with a
# fixed UID/GID (10001) that the Helm chart's securityContext names too.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 cairn \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/cairn --no-create-home \
      --shell /usr/sbin/nologin cairn \
 && mkdir -p /opt/cairn /var/lib/cairn \
 && chown 10001:10001 /var/lib/cairn
COPY --from=build /src/node/target/cairn.jar /opt/cairn/cairn.jar
COPY --chmod=0755 docker/entrypoint.sh /opt/cairn/entrypoint.sh
# A container has no loopback-only clients and one data directory. Only keys the node reads
# (README, "Configuration"); the heap follows the container's memory limit.
ENV CAIRN_HTTP_HOST=0.0.0.0 \
    CAIRN_DATA_DIR=/var/lib/cairn \
    JAVA_OPTS="-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
WORKDIR /var/lib/cairn
# 7070: the HTTP API, /health/*, /metrics. 7071: the cluster transport.
EXPOSE 7070 7071
ENTRYPOINT ["/opt/cairn/entrypoint.sh"]

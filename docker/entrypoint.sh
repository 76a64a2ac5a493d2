#!/bin/sh
# Cairn's container entrypoint: `java $JAVA_OPTS -jar /opt/cairn/cairn.jar "$@"`, by exec.
#
# exec replaces this shell with java, so java is the process the container runtime starts and
# signals (PID 1 in the container): SIGTERM reaches the node itself, which stops being ready,
# leaves its group, drains in-flight requests within shutdown.grace and exits 0. No shell stays
# behind to swallow the signal, and java starts no children, so there is nothing to reap.
#
# JAVA_OPTS is split on blanks (as in most JVM images); an option that contains a blank belongs
# in JAVA_TOOL_OPTIONS, which the JVM reads itself. Arguments are passed through untouched, so
# every flag of `java -jar cairn.jar --help` works: `docker run cairn:dev --log.level DEBUG`.
#
# The zone: when CAIRN_NODE_ZONE is unset and the file ZONE_FILE (default
# /var/run/cairn-zone/zone) is not empty, its first line becomes CAIRN_NODE_ZONE. The Helm chart's
# optional init container writes that file from the Kubernetes node's zone label, which the
# downward API cannot read. ZONE_FILE deliberately has no CAIRN_ prefix: the node refuses CAIRN_
# variables that name no configuration key.
set -eu
set -f # no globbing when JAVA_OPTS is split

zone_file="${ZONE_FILE:-/var/run/cairn-zone/zone}"
if [ -z "${CAIRN_NODE_ZONE+set}" ] && [ -s "$zone_file" ]; then
  IFS= read -r CAIRN_NODE_ZONE < "$zone_file" || true
  if [ -n "$CAIRN_NODE_ZONE" ]; then
    export CAIRN_NODE_ZONE
  else
    unset CAIRN_NODE_ZONE
  fi
fi

# shellcheck disable=SC2086 # JAVA_OPTS is split on purpose
exec java ${JAVA_OPTS:-} -jar /opt/cairn/cairn.jar "$@"

#!/usr/bin/env bash
# A fourth node joins a 3-node Cairn cluster that holds ENTRIES entries of VALUE_BYTES: how long
# until the partitions are balanced, how many bytes move, and how much a steady load dips.
#
#   bench/cluster-join.sh          TRIALS (1) trials, each on a fresh cluster
#
# Per trial: start a, b, c (the coordination voters; fixed heap NODE_HEAP), wait until the
# partitions are settled, create cache `big` (store: none, backups: 1, maxEntries 2,000,000 so
# nothing is evicted), write k0..k(ENTRIES-1) once each through a, b, c in turn
# (bench/ClusterClient.java load, LOAD_IN_FLIGHT at once), check that the nodes hold
# ENTRIES x 2 copies (sum of cairn_cache_entries), wait until settled again, read the sum of
# cairn_cache_migration_bytes_total over the nodes, start a steady load (ClusterClient steady:
# STEADY_CONNECTIONS closed-loop clients through a, b, c, each alternating a GET and a PUT of a
# random key with a VALUE_BYTES value, counted per second), after PRE_SECONDS start node d, and
# poll GET /v1/cluster/partitions on a every 100 ms until it is balanced over a, b, c, d (target
# owners == owners, one backup each, no migration: CacheClusterSystemIT's awaitSettled); the load
# goes on POST_SECONDS more. Then the migration byte counters of all four nodes are summed again.
#
# Minimum bytes: every partition has 2 copies (owner + 1 backup); the new node ends up with about
# a quarter of all copies, so at least ENTRIES x 2 x VALUE_BYTES / 4 value bytes must reach it
# (the counter counts entry value bytes sent to fill replicas).
#
# Prints per trial: time to balanced, bytes moved vs that minimum, req/s medians before / during /
# after, and the per-second lines; a summary at the end.
# Settings: TRIALS (1), ENTRIES (500000), VALUE_BYTES (1024), NODE_HEAP (3g), BASE_PORT (27600),
# LOAD_IN_FLIGHT (32), STEADY_CONNECTIONS (12), PRE_SECONDS (20), POST_SECONDS (20),
# SETTLE_LIMIT (600 s), NODE_ARGS_EXTRA (extra node flags, one string).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TRIALS="${TRIALS:-1}"
ENTRIES="${ENTRIES:-500000}"
VALUE_BYTES="${VALUE_BYTES:-1024}"
NODE_HEAP="${NODE_HEAP:-3g}"
BASE_PORT="${BASE_PORT:-27600}"
LOAD_IN_FLIGHT="${LOAD_IN_FLIGHT:-32}"
STEADY_CONNECTIONS="${STEADY_CONNECTIONS:-12}"
PRE_SECONDS="${PRE_SECONDS:-20}"
POST_SECONDS="${POST_SECONDS:-20}"
SETTLE_LIMIT="${SETTLE_LIMIT:-600}"
read -r -a NODE_ARGS <<<"${NODE_ARGS_EXTRA:-}"
OUT="${OUT:-/tmp/cairn-cluster-join}"
mkdir -p "$OUT"
WORK=""
STEADY_PID=""
source bench/cluster-lib.sh

cleanup() {
  [[ -n $STEADY_PID ]] && kill "$STEADY_PID" 2>/dev/null || true
  stop_nodes
  if [[ -n $WORK && -d $WORK ]]; then
    mkdir -p "$OUT/logs"; cp "$WORK"/*.log "$OUT/logs/" 2>/dev/null || true; rm -rf "$WORK"
  fi
}
trap cleanup EXIT

[[ -f node/target/cairn.jar ]] || { log "building node/target/cairn.jar"; ./mvnw -B -q package -DskipTests; }
java_client() { java -Xmx1g -XX:+UseSerialGC bench/ClusterClient.java "$@"; }
sum_metric() { local n s=0 x; for n in $1; do x=$(metric_sum "$n" "$2" "${3:-}"); s=$((s + x)); done; echo "$s"; }
now_ms() { date +%s%3N; }

SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
for trial in $(seq 1 "$TRIALS"); do
  WORK=$(mktemp -d /tmp/cairn-cluster-join.XXXXXX)
  log "trial $trial: starting a, b, c (heap $NODE_HEAP, data in $WORK)"
  for id in a b c; do start_node "$id"; done
  await_ready 120 a b c
  await_leader 60 a b c >/dev/null || die "no coordination leader"
  await_settled 180 a "a b c" || die "a, b, c did not settle"
  curl -sf -X PUT -H 'Content-Type: application/json' -d '{"maxEntries":2000000,"backups":1,"store":"none"}' \
    "$(node_url a)/v1/caches/big" >/dev/null || die "could not create cache big"
  URLS="$(node_url a),$(node_url b),$(node_url c)"
  log "trial $trial: writing $ENTRIES entries of $VALUE_BYTES bytes"
  java_client load "$URLS" big "$ENTRIES" "$VALUE_BYTES" "$LOAD_IN_FLIGHT" | tee -a "$OUT/trial$trial.txt" >&2 ||
    die "the load failed"
  await_settled 180 a "a b c" || die "a, b, c did not settle after the load"
  copies=$(sum_metric "a b c" cairn_cache_entries 'cache="big"')
  bytes0=$(sum_metric "a b c" cairn_cache_migration_bytes_total)
  mig0=$(sum_metric "a b c" cairn_cache_migrations_total 'outcome="completed"')
  ab0=$(sum_metric "a b c" cairn_cache_migrations_total 'outcome="abandoned"')
  log "trial $trial: copies held $copies (expected $((ENTRIES * 2))), migration bytes so far $bytes0"

  java_client steady "$URLS" big "$ENTRIES" "$VALUE_BYTES" "$STEADY_CONNECTIONS" $((PRE_SECONDS + SETTLE_LIMIT + POST_SECONDS)) \
    >"$OUT/trial$trial.seconds" 2>"$OUT/trial$trial.steady.err" &
  STEADY_PID=$!
  sleep "$PRE_SECONDS"
  t_start=$(now_ms)
  start_node d
  log "trial $trial: d started"
  t_ready=""; t_settled=""
  end=$((SECONDS + SETTLE_LIMIT))
  while ((SECONDS < end)); do
    if [[ -z $t_ready && $(curl -s -m 1 -o /dev/null -w '%{http_code}' "$(node_url d)/health/ready") == 200 ]]; then
      t_ready=$(now_ms)
    fi
    if [[ -n $t_ready ]] && settled a "a b c d"; then t_settled=$(now_ms); break; fi
    kill -0 "${NODE_PID[d]}" 2>/dev/null || die "d exited"
    sleep 0.1
  done
  [[ -n $t_settled ]] || log "trial $trial: NOT balanced within ${SETTLE_LIMIT}s"
  settled_s=$(awk -v a="$t_start" -v b="${t_settled:-0}" 'BEGIN{print b ? (b - a) / 1000 : "-"}')
  ready_s=$(awk -v a="$t_start" -v b="${t_ready:-0}" 'BEGIN{print b ? (b - a) / 1000 : "-"}')
  log "trial $trial: d ready after ${ready_s}s, balanced after ${settled_s}s"
  sleep "$POST_SECONDS"
  kill "$STEADY_PID" 2>/dev/null || true; wait "$STEADY_PID" 2>/dev/null || true; STEADY_PID=""
  bytes1=$(sum_metric "a b c d" cairn_cache_migration_bytes_total)
  mig1=$(sum_metric "a b c d" cairn_cache_migrations_total 'outcome="completed"')
  ab1=$(sum_metric "a b c d" cairn_cache_migrations_total 'outcome="abandoned"')
  copies1=$(sum_metric "a b c d" cairn_cache_entries 'cache="big"')
  parts_d=$(metric_sum d cairn_cache_partitions 'role="owner"')/$(metric_sum d cairn_cache_partitions 'role="backup"')
  moved=$((bytes1 - bytes0))
  min=$((ENTRIES * 2 * VALUE_BYTES / 4))
  # per-second request counts: before = the PRE_SECONDS before d's start but the first 5;
  # during = from d's start until balanced; after = from balanced on.
  read -r before during after nonok <<<"$(awk -v ts="$t_start" -v te="${t_settled:-99999999999999}" '
    $1 == "SECOND" { t = $3 + 1000
      if (t <= ts && $2 >= 5) b[++nb] = $4; else if (t > ts && t <= te) d[++nd] = $4; else if (t > te) a[++na] = $4
      bad += $5 + $6 }
    function med(x, n,   i, j, y) { if (!n) return 0; for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { y = x[i]; x[i] = x[j]; x[j] = y }
      return (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
    END { print med(b, nb), med(d, nd), med(a, na), bad + 0 }' "$OUT/trial$trial.seconds")"
  line="trial=$trial ready_s=$ready_s balanced_s=$settled_s moved_bytes=$moved min_bytes=$min ratio=$(awk -v a="$moved" -v b="$min" 'BEGIN{printf "%.3f", a / b}') migrations_completed=$((mig1 - mig0)) abandoned=$((ab1 - ab0)) rps_before=$before rps_during=$during rps_after=$after dip=$(awk -v a="$during" -v b="$before" 'BEGIN{printf "%.2f", b ? a / b : 0}') steady_non2xx_or_errors=$nonok copies_before=$copies copies_after=$copies1 d_owner/backup=$parts_d"
  log "$line"
  echo "$line" >>"$SUMMARY"
  stop_nodes
  mkdir -p "$OUT/logs/trial$trial"; cp "$WORK"/*.log "$OUT/logs/trial$trial/" 2>/dev/null || true
  rm -rf "$WORK"; WORK=""
done
echo
echo "# Cairn: a fourth node joins, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), commit $(git rev-parse --short HEAD)"
echo "# $ENTRIES entries of $VALUE_BYTES bytes, backups 1, store none; heap $NODE_HEAP per node; steady load $STEADY_CONNECTIONS clients GET/PUT"
cat "$SUMMARY"
echo "# per-second lines: $OUT/trial*.seconds (SECOND s epoch_ms ok non2xx errors get_ok put_ok)"

#!/usr/bin/env bash
# From kill -9 of a partition's owner to the first acknowledged write of a key of that partition
# through a survivor, on a 3-node Cairn cluster at the default settings (cache.lease 5s).
#
#   bench/cluster-failover.sh      TRIALS (6) trials on one cluster
#
# Starts a, b, c (the three coordination voters, as the system tests start them; heap NODE_HEAP)
# and creates cache `fo` (store: STORE, backups: 1). Trial i kills the coordination leader when i
# is odd and a node that does not lead when i is even (the two others in turn), so both kinds are
# measured. Per trial: wait until the partitions are settled and one leader is named; read the
# table (GET /v1/cluster/partitions) and pick the first key k0, k1, ... whose partition (Cairn's
# Partitioner, via bench/ClusterClient.java partition) the victim owns; write it once; then
# SIGKILL the victim (the clock starts just before the signal) and start a PUT of that key through
# a survivor (the two in turn) every PROBE_MS, each in its own curl with a 15 s limit, until one
# answers 2xx: the time from the kill to that answer is the figure (also the time that request was
# sent, and the non-2xx answers seen before). Then the victim restarts on its data dir and ports,
# and the next trial waits until it is ready and the table is settled again.
# If the table does not settle within SETTLE_LIMIT after a restart (a defect), the logs are kept
# in OUT/stuck.N, the line goes to OUT/stuck.txt, and the trials go on with a fresh cluster.
# Settings: TRIALS (6), STORE (none), NODE_HEAP (512m), BASE_PORT (27800), PROBE_MS (20), SETTLE_LIMIT (120),
# NODE_ARGS_EXTRA (extra node flags, one string), OUT (/tmp/cairn-cluster-failover).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TRIALS="${TRIALS:-6}"
STORE="${STORE:-none}"
NODE_HEAP="${NODE_HEAP:-512m}"
BASE_PORT="${BASE_PORT:-27800}"
PROBE_MS="${PROBE_MS:-20}"
SETTLE_LIMIT="${SETTLE_LIMIT:-120}"
read -r -a NODE_ARGS <<<"${NODE_ARGS_EXTRA:-}"
OUT="${OUT:-/tmp/cairn-cluster-failover}"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/cairn-cluster-failover.XXXXXX)
source bench/cluster-lib.sh
PROBE_PIDS=()

cleanup() {
  local p
  for p in "${PROBE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_nodes
  mkdir -p "$OUT/logs"; cp "$WORK"/*.log "$OUT/logs/" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[[ -f node/target/cairn.jar ]] || { log "building node/target/cairn.jar"; ./mvnw -B -q package -DskipTests; }
now_ns() { date +%s%N; }

# fresh_cluster: (re)start a, b, c on empty data dirs and create the cache.
fresh_cluster() {
  stop_nodes
  rm -rf "${WORK:?}"/[abc]
  log "starting a, b, c (data in $WORK)"
  for id in a b c; do start_node "$id"; done
  await_ready 120 a b c
  await_leader 60 a b c >/dev/null || die "no coordination leader"
  await_settled 180 a "a b c" || die "a, b, c did not settle"
  curl -sf -X PUT -H 'Content-Type: application/json' -d "{\"maxEntries\":100000,\"backups\":1,\"store\":\"$STORE\"}" \
    "$(node_url a)/v1/caches/fo" >/dev/null || die "could not create cache fo"
}
fresh_cluster
# the partition of k0..k999, by Cairn's own Partitioner
count=$(curl -sf "$(node_url a)/v1/cluster/partitions" | jq -r .partitionCount)
java -cp node/target/cairn.jar bench/ClusterClient.java partition "$count" $(seq -f 'k%g' 0 999) >"$WORK/keys.txt"

RESULTS="$OUT/results.txt"
: >"$RESULTS"
others_turn=0
for trial in $(seq 1 "$TRIALS"); do
  await_ready 120 a b c
  if ! await_settled "$SETTLE_LIMIT" a "a b c"; then
    # a defect, not a figure: keep the logs, note it, and go on with a fresh cluster
    log "trial $trial: the partitions did not settle within ${SETTLE_LIMIT}s after the last restart; logs kept in $OUT/stuck.$trial"
    mkdir -p "$OUT/stuck.$trial"; cp "$WORK"/*.log "$OUT/stuck.$trial/"
    curl -s "$(node_url a)/v1/cluster/partitions" >"$OUT/stuck.$trial/partitions.json" || true
    echo "trial=$trial STUCK: not settled within ${SETTLE_LIMIT}s after the previous victim restarted; cluster restarted" >>"$OUT/stuck.txt"
    for id in a b c; do mv "$WORK/$id.log" "$WORK/$id.before-stuck.$trial.log"; done
    fresh_cluster
  fi
  leader=$(await_leader 60 a b c) || die "trial $trial: no leader"
  if ((trial % 2 == 1)); then
    victim=$leader; kind=leader
  else
    nonleaders=(); for id in a b c; do [[ $id != "$leader" ]] && nonleaders+=("$id"); done
    victim=${nonleaders[$((others_turn % 2))]}; others_turn=$((others_turn + 1)); kind=follower
  fi
  survivors=(); for id in a b c; do [[ $id != "$victim" ]] && survivors+=("$id"); done
  key=""
  for _ in $(seq 1 60); do
    table=$(curl -sf "$(node_url "${survivors[0]}")/v1/cluster/partitions") || true
    owned=$(jq -r --arg v "$victim" '[.partitions[] | select(.owner == $v) | .partition] | map(tostring) | join(" ")' <<<"$table")
    key=$(awk -v owned=" $owned " 'index(owned, " " $2 " ") { print $1; exit }' "$WORK/keys.txt")
    [[ -n $key ]] && break
    sleep 0.5
  done
  [[ -n $key ]] || die "trial $trial: $victim owns no partition of k0..k999"
  part=$(awk -v k="$key" '$1 == k { print $2 }' "$WORK/keys.txt")
  backup=$(jq -r --argjson p "$part" '.partitions[] | select(.partition == $p) | .backups | join(",")' <<<"$table")
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' --data "before-$trial" \
    "$(node_url "${survivors[0]}")/v1/caches/fo/entries/$key")
  [[ $code == 2* ]] || die "trial $trial: the first write of $key answered $code"
  probes="$WORK/probes.$trial"
  : >"$probes"
  log "trial $trial: kill -9 $victim ($kind, pid ${NODE_PID[$victim]}), key $key in partition $part (backup $backup)"
  t0=$(now_ns)
  kill -KILL "${NODE_PID[$victim]}"
  n=0; PROBE_PIDS=()
  limit=$((t0 + 60 * 1000000000))
  while ! grep -q ' 2[0-9][0-9]$' "$probes"; do
    via=${survivors[$((n % 2))]}; n=$((n + 1))
    ( s=$(now_ns); c=$(curl -s -m 15 -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
        --data "after-$trial-$n" "$(node_url "$via")/v1/caches/fo/entries/$key"); echo "$s $(now_ns) $via $c" >>"$probes" ) &
    PROBE_PIDS+=($!)
    sleep "0.0$(printf '%02d' "$PROBE_MS")"
    (( $(now_ns) < limit )) || { log "trial $trial: no 2xx within 60 s"; break; }
  done
  for p in "${PROBE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PROBE_PIDS=()
  wait "${NODE_PID[$victim]}" 2>/dev/null || true
  # the first 2xx by the time it arrived
  read -r sent got via code <<<"$(awk '$4 ~ /^2/' "$probes" | sort -k2,2n | head -1)"
  first_ms=$(awk -v a="$t0" -v b="$got" 'BEGIN{printf "%.0f", (b - a) / 1e6}')
  sent_ms=$(awk -v a="$t0" -v b="$sent" 'BEGIN{printf "%.0f", (b - a) / 1e6}')
  codes=$(awk -v g="$got" '$2 < g {print $4}' "$probes" | sort | uniq -c | awk '{printf "%s%s×%s", (n++ ? "," : ""), $1, $2}')
  new_owner=$(curl -sf "$(node_url "${survivors[0]}")/v1/cluster/partitions" | jq -r --argjson p "$part" '.partitions[] | select(.partition == $p) | .owner')
  new_leader=$(raft_leader "${survivors[0]}" || true)
  line="trial=$trial victim=$victim kind=$kind key=$key partition=$part backup=$backup first_2xx_ms=$first_ms that_request_sent_ms=$sent_ms via=$via status=$code probes=$(wc -l <"$probes") answers_before=${codes:-none} new_owner=$new_owner leader_after=$new_leader"
  log "$line"
  echo "$line" >>"$RESULTS"
  unset "NODE_PID[$victim]"
  start_node "$victim"
done
echo
echo "# Cairn: kill -9 of a partition owner -> first 2xx write through a survivor, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), commit $(git rev-parse --short HEAD)"
cat "$RESULTS"
[[ -f $OUT/stuck.txt ]] && sed 's/^/# /' "$OUT/stuck.txt"
for k in leader follower all; do
  awk -v k="$k" '($3 == "kind=" k || k == "all") { split($7, f, "="); print f[2] }' "$RESULTS" | sort -n |
    awk -v k="$k" '{a[NR] = $1} END { if (NR) printf "# %s: n=%d median %s ms, min %d, max %d ms\n", k, NR, (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR] }'
done

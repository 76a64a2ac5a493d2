#!/usr/bin/env bash
# HTTP load through every node of a 3-node Cairn cluster beside a 3-member Hazelcast and the bare
# Vert.x ceiling, all measured in one run.
#
#   bench/cluster-load.sh         build the jar if needed, run every case REPS times, print medians
#
# It starts, all at once and for the whole run: three Cairn nodes (a, b, c: the three voters of
# the coordination group, as the system tests start them) with caches `mem` (store: none) and `wt`
# (store: jdbc, each node's embedded SQLite, fsync per commit), both with backups: 1; a 3-member
# Hazelcast with its Community REST API (../shared/peers/hz-cluster.sh, default map: one
# synchronous backup); and the bare Vert.x server (../shared/peers/vertx-ceiling.sh). It writes
# $KEYS keys of a 16-byte value into each system, then, per case, runs one wrk process per node
# concurrently (each -t1 with its share of $CONNS connections, the peers' wrk/request.lua) for
# $DURATION after an unrecorded $WARMUP warm-up; the cases are interleaved in each repetition:
#   ceiling-get   bare Vert.x, GET of a fixed 16-byte body (one server: the three wrk hit it alike)
#   hz-get        Hazelcast REST GET /hazelcast/rest/maps/m/k{k}, one wrk per member
#   hz-put        Hazelcast REST POST of the same keys (text/plain), one wrk per member
#   get-mem       Cairn GET, memory-only cache, one wrk per node
#   get-wt        Cairn GET, write-through cache (the entries are in memory)
#   put-mem       Cairn PUT, memory-only cache (owner + one synchronous backup)
#   put-wt        Cairn PUT, write-through (owner's SQLite, fsync per commit, + one backup)
# A case's figure combines its three wrk processes: req/s summed, p50 the median of the three
# p50s, p99 the largest of the three p99s, non-2xx and socket errors summed. Also the CPU time of
# the system's server processes per request (from /proc/PID/stat), and for Cairn the mean of
# cairn_cache_replication_seconds over the run's writes (all three nodes). Prints one line per
# run and a Markdown table of medians with the ratio to the ceiling of the same run.
#
# Needs: wrk, curl, jq, a JDK 17, ../shared/peers built with HZ_VERSION (PEERS_BUILD).
# Settings: REPS (3), DURATION (10s), WARMUP (10s), CONNS (32: 11+11+10), KEYS (1000),
# BASE_PORT (27400; Cairn node i on BASE_PORT+10i and +10i+1), HZ_PORTS ("27501 27502 27503"),
# VERTX_PORT (27580), NODE_HEAP (512m; Hazelcast and Vert.x get the same), CASES (all),
# PEERS_HOME (../shared/peers), PEERS_BUILD (/tmp/peers/build), HZ_VERSION (5.4.0).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS="${REPS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-10s}"
CONNS="${CONNS:-32}"
KEYS="${KEYS:-1000}"
BASE_PORT="${BASE_PORT:-27400}"
NODE_HEAP="${NODE_HEAP:-512m}"
NODE_ARGS=()
PEERS_HOME="${PEERS_HOME:-$ROOT/../shared/peers}"
export PEERS_BUILD="${PEERS_BUILD:-/tmp/peers/build}"
export HZ_VERSION="${HZ_VERSION:-5.4.0}"
export HZ_PORTS="${HZ_PORTS:-27501 27502 27503}"
export VERTX_PORT="${VERTX_PORT:-27580}"
export HZ_HEAP="$NODE_HEAP" VERTX_HEAP="$NODE_HEAP"
CASES=(${CASES:-ceiling-get hz-get hz-put get-mem get-wt put-mem put-wt})
VALUE="value-0123456789"     # 16 bytes, as the peers use
LUA="$PEERS_HOME/wrk/request.lua"
WORK=$(mktemp -d /tmp/cairn-cluster-load.XXXXXX)
export PEERS_TMP="$WORK/peers"   # the peers' pid files, logs and data: ours alone
source bench/cluster-lib.sh

cleanup() {
  stop_nodes
  "$PEERS_HOME/vertx-ceiling.sh" stop >/dev/null 2>&1 || true
  "$PEERS_HOME/hz-cluster.sh" stop >/dev/null 2>&1 || true
  if [[ -n "${KEEP_LOGS:-}" ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[[ -f "$LUA" ]] || die "no $LUA: set PEERS_HOME to the peers folder"
[[ -f node/target/cairn.jar ]] || { log "building node/target/cairn.jar"; ./mvnw -B -q package -DskipTests; }
[[ -d "$PEERS_BUILD/java/bench/target/hazelcast-$HZ_VERSION" ]] ||
  die "Hazelcast $HZ_VERSION is not built: HZ_VERSION=$HZ_VERSION PEERS_BUILD=$PEERS_BUILD $PEERS_HOME/build.sh"

log "starting the Vert.x ceiling and Hazelcast ($HZ_VERSION)"
"$PEERS_HOME/vertx-ceiling.sh" start >&2
"$PEERS_HOME/hz-cluster.sh" start 0 >&2
read -r -a HZ_P <<<"$HZ_PORTS"
HZ_URLS=(); for p in "${HZ_P[@]}"; do HZ_URLS+=("http://127.0.0.1:$p"); done
VERTX_PIDS=("$PEERS_TMP/vertx/vertx.pid")
HZ_PIDS=(); for p in "${HZ_P[@]}"; do HZ_PIDS+=("$PEERS_TMP/hz/$p.pid"); done

log "starting Cairn a, b, c (data in $WORK)"
for id in a b c; do start_node "$id"; done
await_ready 120 a b c
leader=$(await_leader 60 a b c) || die "no coordination leader"
t0=$SECONDS
await_settled 120 a "a b c" || die "partitions did not settle"
log "Cairn formed: leader $leader, partitions settled $((SECONDS - t0)) s after ready"
CAIRN_URLS=("$(node_url a)" "$(node_url b)" "$(node_url c)")

for c in mem wt; do
  store=none; [[ $c == wt ]] && store=jdbc
  curl -sf -X PUT -H 'Content-Type: application/json' -d "{\"maxEntries\":100000,\"backups\":1,\"store\":\"$store\"}" \
    "$(node_url a)/v1/caches/$c" >/dev/null || die "could not create cache $c"
done
log "writing $KEYS keys into mem, wt (through a, b, c in turn) and Hazelcast"
# wrk would not write each key exactly once: curl, 8 at a time.
put_key() { # put_key I: key kI into both caches through node I mod 3, and into Hazelcast through member I mod 3
  local i=$1 n=$(($1 % 3))
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "$VALUE" "${CAIRN_URLS[$n]}/v1/caches/mem/entries/k$i"
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "$VALUE" "${CAIRN_URLS[$n]}/v1/caches/wt/entries/k$i"
  curl -sf -o /dev/null -X POST -H 'Content-Type: text/plain' --data "$VALUE" "${HZ_URLS[$n]}/hazelcast/rest/maps/m/k$i"
}
export -f put_key; export VALUE
CAIRN_URLS_S="${CAIRN_URLS[*]}"; HZ_URLS_S="${HZ_URLS[*]}"; export CAIRN_URLS_S HZ_URLS_S
seq 0 $((KEYS - 1)) | xargs -P 8 -I{} bash -c 'read -r -a CAIRN_URLS <<<"$CAIRN_URLS_S"; read -r -a HZ_URLS <<<"$HZ_URLS_S"; put_key {}' ||
  die "preload failed"
for u in "${CAIRN_URLS[@]}"; do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$u/v1/caches/wt/entries/k$((KEYS - 1))") == 200 ]] || die "preload failed ($u)"
done

# cpu_ticks PID...: user+system clock ticks used so far by the processes.
cpu_ticks() { local p t=0 x; for p in "$@"; do x=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0); t=$((t + x)); done; echo "$t"; }
pids_of() { # pids_of CASE
  case $1 in
    ceiling-*) cat "${VERTX_PIDS[@]}" ;;
    hz-*) cat "${HZ_PIDS[@]}" ;;
    *) echo "${NODE_PID[a]} ${NODE_PID[b]} ${NODE_PID[c]}" ;;
  esac
}

# replication_sum_count: "sum_seconds count" of cairn_cache_replication_seconds over a, b, c
# (from a write's local step to every replica's acknowledgement, at the owner).
replication_sum_count() {
  local id s=0 c=0 x
  for id in a b c; do
    x=$(curl -sf -m 5 "$(node_url "$id")/metrics" | awk '$1 ~ /^cairn_cache_replication_seconds_sum/ {s += $NF} $1 ~ /^cairn_cache_replication_seconds_count/ {c += $NF} END {printf "%.6f %.0f", s, c}') || true
    [[ $x == *" "* ]] || continue
    s=$(awk -v a="$s" -v b="${x% *}" 'BEGIN{printf "%.6f", a + b}'); c=$((c + ${x#* }))
  done
  echo "$s $c"
}

# run CASE DURATION: three wrk processes at once, one per node; prints
# "CASE rps p50 p99 requests non2xx errors server_cpu_us_per_request rps1/rps2/rps3 repl_ms", the
# last the mean of cairn_cache_replication_seconds over the writes of the run ("-" without any).
run() {
  local name=$1 duration=$2 method path urls=() body=() i conns pids c0 c1 out
  case $name in
    ceiling-get) method=GET; path=/kv/x; u=$("$PEERS_HOME/vertx-ceiling.sh" url); urls=("${u%/kv/x}" "${u%/kv/x}" "${u%/kv/x}") ;;
    hz-get) method=GET; path='/hazelcast/rest/maps/m/k{k}'; urls=("${HZ_URLS[@]}") ;;
    hz-put) method=POST; path='/hazelcast/rest/maps/m/k{k}'; urls=("${HZ_URLS[@]}"); body=(WRK_BODY="$VALUE" WRK_CTYPE=text/plain) ;;
    get-mem|get-wt) method=GET; path="/v1/caches/${name#get-}/entries/k{k}"; urls=("${CAIRN_URLS[@]}") ;;
    put-mem|put-wt) method=PUT; path="/v1/caches/${name#put-}/entries/k{k}"; urls=("${CAIRN_URLS[@]}")
      body=(WRK_BODY="$VALUE" WRK_CTYPE=application/octet-stream) ;;
    *) die "unknown case $name" ;;
  esac
  pids=$(pids_of "$name")
  local r0 r1
  r0=$(replication_sum_count)
  c0=$(cpu_ticks $pids)
  local wrk_pids=()
  for i in 0 1 2; do
    conns=$(( CONNS / 3 + (i < CONNS % 3 ? 1 : 0) ))
    env WRK_METHOD="$method" WRK_PATH="$path" WRK_KEYS="$KEYS" "${body[@]}" \
      timeout 120 wrk -t1 -c"$conns" -d"$duration" --latency -s "$LUA" "${urls[$i]}" >"$WORK/wrk.$i" 2>&1 &
    wrk_pids+=($!)
  done
  wait "${wrk_pids[@]}" || true
  c1=$(cpu_ticks $pids)
  r1=$(replication_sum_count)
  for i in 0 1 2; do grep -q '^RESULT' "$WORK/wrk.$i" || { cat "$WORK/wrk.$i" >&2; die "wrk failed in $name"; }; done
  cat "$WORK"/wrk.[012] | grep '^RESULT' | sed -E 's/[a-z0-9_]+=//g' | awk -v n="$name" -v r0="$r0" -v r1="$r1" -v cpu=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '
    { rps += $2; p50[NR] = $3; if ($4 > p99) p99 = $4; req += $5; non += $6; err += $7; each = each (NR > 1 ? "/" : "") sprintf("%.0f", $2) }
    END { split(r0, x0, " "); split(r1, x1, " "); dc = x1[2] - x0[2]
          repl = dc > 0 ? sprintf("%.3f", (x1[1] - x0[1]) * 1000 / dc) : "-"
          if (p50[1] > p50[2]) { t = p50[1]; p50[1] = p50[2]; p50[2] = t }
          if (p50[2] > p50[3]) { p50[2] = p50[3] }
          if (p50[1] > p50[2]) { p50[2] = p50[1] }
          printf "%s %.1f %.3f %.3f %d %d %d %.1f %s %s\n", n, rps, p50[2], p99, req, non, err, req ? cpu / hz * 1e6 / req : 0, each, repl }'
}

RESULTS="$WORK/results.txt"
: >"$RESULTS"
for c in "${CASES[@]}"; do
  log "warm-up $c ($WARMUP)"
  run "$c" "$WARMUP" >/dev/null
done
for rep in $(seq 1 "$REPS"); do
  for c in "${CASES[@]}"; do
    line=$(run "$c" "$DURATION")
    log "rep $rep: $line   (load $(cut -d' ' -f1 /proc/loadavg))"
    echo "$line" >>"$RESULTS"
  done
done
cp "$RESULTS" "${RESULTS_OUT:-/tmp/cairn-cluster-load-results.txt}"

echo
echo "# Cairn cluster HTTP load, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), commit $(git rev-parse --short HEAD)"
echo "# 3 x wrk -t1 (connections $CONNS in all) -d$DURATION at once, one per node; $KEYS keys, 16-byte values; medians of $REPS"
echo
echo "| case | req/s (median) | vs ceiling | vs Hazelcast, same op | p50 ms | p99 ms (worst of 3) | non-2xx | socket errors | server CPU µs/req |"
echo "|---|---|---|---|---|---|---|---|---|"
med() { awk -v c="$1" -v f="$2" '$1==c{print $f}' "$RESULTS" | median; }
ceiling=$(med ceiling-get 2); hzget=$(med hz-get 2); hzput=$(med hz-put 2)
for c in "${CASES[@]}"; do
  rps=$(med "$c" 2)
  case $c in get-*|hz-get) base=$hzget ;; put-*|hz-put) base=$hzput ;; *) base="" ;; esac
  vs=$(awk -v a="$rps" -v b="$base" 'BEGIN{ if (b == "" || b == 0) print "—"; else printf "%.2f×", a / b }')
  printf '| %s | %.0f | %s | %s | %.3f | %.3f | %s | %s | %.0f |\n' "$c" "$rps" \
    "$(awk -v a="$rps" -v b="$ceiling" 'BEGIN{ printf "%.0f%%", b ? 100 * a / b : 0 }')" "$vs" \
    "$(med "$c" 3)" "$(med "$c" 4)" "$(awk -v c="$c" '$1==c{s+=$6} END{print s+0}' "$RESULTS")" \
    "$(awk -v c="$c" '$1==c{s+=$7} END{print s+0}' "$RESULTS")" "$(med "$c" 8)"
done
echo
echo "Per repetition (req/s summed over the three wrk, and each wrk's share):"
for c in "${CASES[@]}"; do
  echo "- $c: $(awk -v c="$c" '$1==c{printf "%s%.1fk (%s%s)", (n++ ? ", " : ""), $2 / 1000, $9, ($10 != "-" ? "; replication mean " $10 " ms" : "")}' "$RESULTS")"
done

#!/usr/bin/env bash
# HTTP load benchmark of one Cairn node beside the bare Vert.x ceiling, measured in one run.
#
#   bench/http-load.sh            build the jar if needed, run every case REPS times, print medians
#
# It starts a Cairn node (node/target/cairn.jar) on 127.0.0.1:$CAIRN_PORT with a temporary data
# dir, creates two caches (`mem`: memory only; `wt`: write-through to the embedded SQLite store,
# fsync per commit), writes $KEYS keys of a 16-byte value into each, and drives them with wrk
# (the peers' request.lua, same client settings as ../shared/peers/bench-http.sh) for $DURATION
# per case with $CONNS connections on $THREADS client threads:
#   ceiling-get   bare Vert.x server, GET of a fixed 16-byte body (../shared/peers/vertx-ceiling.sh)
#   get-hit-mem   GET of an entry held in memory, cache without store
#   get-hit-wt    GET of an entry held in memory, write-through cache
#   put-mem       PUT of a 16-byte value, cache without store
#   put-wt        PUT of a 16-byte value, write-through to SQLite (one fsync per commit)
# Each case gets an unrecorded warm-up; cases are interleaved per repetition so that the machine's
# drift hits all of them alike. Prints one line per run and a Markdown table of medians with the
# ratio to the ceiling of the same run. Everything listens on loopback only and is stopped at exit.
#
# Needs: wrk (apt-get install wrk), curl, a JDK 17, and ../shared/peers (built by its build.sh,
# which this script runs if the ceiling is not built yet).
# Settings: REPS (3), DURATION (10s), WARMUP (10s, as the peers), CONNS (32), THREADS (2), KEYS (1000),
# CAIRN_PORT (17070), CAIRN_HEAP (512m), PEERS_HOME (../shared/peers).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
REPS="${REPS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-10s}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-2}"
KEYS="${KEYS:-1000}"
CAIRN_PORT="${CAIRN_PORT:-17070}"
CAIRN_HEAP="${CAIRN_HEAP:-512m}"
PEERS_HOME="${PEERS_HOME:-$ROOT/../shared/peers}"
export PEERS_TMP="${PEERS_TMP:-/tmp/peers}"
VALUE="value-0123456789"     # 16 bytes, as the peers use
LUA="$PEERS_HOME/wrk/request.lua"
WORK=$(mktemp -d /tmp/cairn-bench.XXXXXX)
CAIRN_PID=""
BASE="http://127.0.0.1:$CAIRN_PORT"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
  if [[ -n "$CAIRN_PID" ]] && kill -0 "$CAIRN_PID" 2>/dev/null; then
    kill -TERM "$CAIRN_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$CAIRN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CAIRN_PID" 2>/dev/null || true
  fi
  "$PEERS_HOME/vertx-ceiling.sh" stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[[ -f "$LUA" ]] || die "no $LUA: set PEERS_HOME to the peers folder"
if [[ ! -f node/target/cairn.jar ]]; then
  log "building node/target/cairn.jar"
  ./mvnw -B -q package -DskipTests
fi
if [[ ! -d "${PEERS_BUILD:-$PEERS_TMP/build}/java/ceiling/target/classes" ]]; then
  log "building the peers' Java programs"
  "$PEERS_HOME/build.sh" >&2
fi

log "starting the Vert.x ceiling"
"$PEERS_HOME/vertx-ceiling.sh" start >&2
CEILING_URL=$("$PEERS_HOME/vertx-ceiling.sh" url)

log "starting Cairn on $BASE (data in $WORK/data)"
setsid java "-Xms$CAIRN_HEAP" "-Xmx$CAIRN_HEAP" -jar node/target/cairn.jar \
  --http.port "$CAIRN_PORT" --data.dir "$WORK/data" --log.level WARN >"$WORK/cairn.log" 2>&1 &
CAIRN_PID=$!
for _ in $(seq 1 300); do
  curl -sf -m 1 "$BASE/health/ready" >/dev/null 2>&1 && break
  kill -0 "$CAIRN_PID" 2>/dev/null || { cat "$WORK/cairn.log" >&2; die "Cairn exited"; }
  sleep 0.1
done
curl -sf -m 1 "$BASE/health/ready" >/dev/null || die "Cairn is not ready; see $WORK/cairn.log"

curl -sf -X PUT -H 'Content-Type: application/json' -d '{"maxEntries":100000,"store":"none"}' "$BASE/v1/caches/mem" >/dev/null
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"maxEntries":100000,"store":"jdbc"}' "$BASE/v1/caches/wt" >/dev/null
log "writing $KEYS keys into mem and wt"
# wrk would not write each key exactly once: write them with curl, 8 at a time.
for cache in mem wt; do
  seq 0 $((KEYS - 1)) | xargs -P 8 -I{} curl -sf -o /dev/null -X PUT \
    -H 'Content-Type: application/octet-stream' --data-binary "$VALUE" "$BASE/v1/caches/$cache/entries/k{}"
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/caches/wt/entries/k$((KEYS - 1))") == 200 ]] || die "preload failed"

# run CASE URL METHOD PATH: one wrk run; prints "CASE rps p50 p99 requests non2xx errors".
run() {
  local name=$1 url=$2 method=$3 path=$4 duration=$5 out
  local body=()
  [[ $method == PUT ]] && body=(WRK_BODY="$VALUE" WRK_CTYPE=application/octet-stream)
  out=$(env WRK_METHOD="$method" WRK_PATH="$path" WRK_KEYS="$KEYS" "${body[@]}" \
    timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$duration" --latency -s "$LUA" "$url" | grep '^RESULT')
  # RESULT rps=.. p50_ms=.. p99_ms=.. requests=.. non2xx=.. socket_errors=..
  echo "$out" | sed -E 's/RESULT rps=([^ ]+) p50_ms=([^ ]+) p99_ms=([^ ]+) requests=([^ ]+) non2xx=([^ ]+) socket_errors=([^ ]+)/'"$name"' \1 \2 \3 \4 \5 \6/'
}

declare -A URLS=(
  [ceiling-get]="${CEILING_URL%/kv/x}|GET|/kv/x"
  [get-hit-mem]="$BASE|GET|/v1/caches/mem/entries/k{k}"
  [get-hit-wt]="$BASE|GET|/v1/caches/wt/entries/k{k}"
  [put-mem]="$BASE|PUT|/v1/caches/mem/entries/k{k}"
  [put-wt]="$BASE|PUT|/v1/caches/wt/entries/k{k}"
)
CASES=(ceiling-get get-hit-mem get-hit-wt put-mem put-wt)
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for c in "${CASES[@]}"; do
  IFS='|' read -r url method path <<<"${URLS[$c]}"
  log "warm-up $c ($WARMUP)"
  run "$c" "$url" "$method" "$path" "$WARMUP" >/dev/null
done
for rep in $(seq 1 "$REPS"); do
  for c in "${CASES[@]}"; do
    IFS='|' read -r url method path <<<"${URLS[$c]}"
    line=$(run "$c" "$url" "$method" "$path" "$DURATION")
    log "rep $rep: $line"
    echo "$line" >>"$RESULTS"
  done
done

echo
echo "# Cairn HTTP load, $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "# wrk -t$THREADS -c$CONNS -d$DURATION, $KEYS keys, 16-byte values, medians of $REPS (client on the same cores)"
echo
echo "| case | req/s (median) | vs ceiling | p50 ms | p99 ms | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|---|"
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ceiling=$(awk '$1=="ceiling-get"{print $2}' "$RESULTS" | median)
for c in "${CASES[@]}"; do
  rps=$(awk -v c="$c" '$1==c{print $2}' "$RESULTS" | median)
  p50=$(awk -v c="$c" '$1==c{print $3}' "$RESULTS" | median)
  p99=$(awk -v c="$c" '$1==c{print $4}' "$RESULTS" | median)
  non2xx=$(awk -v c="$c" '$1==c{s+=$6} END{print s+0}' "$RESULTS")
  errs=$(awk -v c="$c" '$1==c{s+=$7} END{print s+0}' "$RESULTS")
  ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN{printf "%.0f%%", 100*a/b}')
  printf '| %s | %.0f | %s | %.3f | %.3f | %s | %s |\n' "$c" "$rps" "$ratio" "$p50" "$p99" "$non2xx" "$errs"
done

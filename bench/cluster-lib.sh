# Shared helpers of the cluster benchmarks (bench/cluster-*.sh). Source it; do not run it.
#
# A node is started from node/target/cairn.jar with its data in $WORK/<id>, its HTTP port
# $BASE_PORT + 10*i and its cluster port $BASE_PORT + 10*i + 1 (i = 0 for a, 1 for b, ...), seeded
# with a's cluster address, as VoterGroup starts the system tests' nodes: three voters a, b, c
# (--cp.voters 3 --cp.initial-voters a,b,c); a fourth node (d) joins as a non-voter. Every
# process is stopped by its PID (never by name), also on error: the caller's trap calls
# stop_nodes. Loopback only.
#
# Needs from the caller: ROOT (the checkout), WORK (a temporary dir), BASE_PORT, NODE_HEAP,
# NODE_ARGS (an array of extra node flags, may be empty).

declare -A NODE_PID=()
NODE_IDS=(a b c d e)

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

node_index() { local i; for i in "${!NODE_IDS[@]}"; do [[ ${NODE_IDS[$i]} == "$1" ]] && { echo "$i"; return; }; done; die "no node $1"; }
http_port() { echo $((BASE_PORT + 10 * $(node_index "$1"))); }
cluster_port() { echo $((BASE_PORT + 10 * $(node_index "$1") + 1)); }
node_url() { echo "http://127.0.0.1:$(http_port "$1")"; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_node ID: start the node in the background (its data dir is kept across restarts).
start_node() {
  local id=$1 hp cp
  hp=$(http_port "$id"); cp=$(cluster_port "$id")
  port_free "$hp" || die "port $hp is taken"
  port_free "$cp" || die "port $cp is taken"
  mkdir -p "$WORK/$id"
  setsid java "-Xms$NODE_HEAP" "-Xmx$NODE_HEAP" -jar "$ROOT/node/target/cairn.jar" \
    --node.id "$id" --http.port "$hp" --cluster.port "$cp" --cluster.seeds "127.0.0.1:$(cluster_port a)" \
    --data.dir "$WORK/$id" --shutdown.grace 5s --cp.voters 3 --cp.initial-voters a,b,c \
    --log.level "${NODE_LOG_LEVEL:-INFO}" "${NODE_ARGS[@]}" >>"$WORK/$id.log" 2>&1 </dev/null &
  NODE_PID[$id]=$!
}

# await_ready SECONDS ID...: until each node answers /health/ready with 200.
await_ready() {
  local limit=$1 id i
  shift
  for id in "$@"; do
    for i in $(seq 1 $((limit * 10))); do
      [[ $(curl -s -m 1 -o /dev/null -w '%{http_code}' "$(node_url "$id")/health/ready") == 200 ]] && break
      kill -0 "${NODE_PID[$id]}" 2>/dev/null || { tail -n 20 "$WORK/$id.log" >&2; die "node $id exited"; }
      sleep 0.1
    done
    [[ $(curl -s -m 1 -o /dev/null -w '%{http_code}' "$(node_url "$id")/health/ready") == 200 ]] ||
      { tail -n 20 "$WORK/$id.log" >&2; die "node $id not ready after ${limit}s"; }
  done
}

# settled VIA NODES: the partition table seen through VIA is balanced, as CacheClusterSystemIT's
# awaitSettled checks it: a target exists, no migration runs, every partition has its target's
# owner and one backup; and the table's members are exactly NODES (space-separated ids), each
# owning at least one partition (right after a node (re)joins, the old target is briefly met
# before the rebalancer has planned anything for it).
settled() {
  local json
  json=$(curl -sf -m 2 "$(node_url "$1")/v1/cluster/partitions") || return 1
  jq -e --arg nodes "$2" '
    ($nodes | split(" ")) as $want
    | has("target") and (.migrations | length == 0)
      and ([.members[].id] | sort) == ($want | sort)
      and (. as $v | all(.partitions[]; .owner == $v.target.owners[.partition] and (.backups | length) == 1))
      and (. as $v | all($want[]; . as $n | any($v.partitions[]; .owner == $n)))' \
    <<<"$json" >/dev/null
}

# await_settled SECONDS VIA NODES: poll settled every 100 ms.
await_settled() {
  local end=$((SECONDS + $1))
  while ((SECONDS < end)); do
    settled "$2" "$3" && return 0
    sleep 0.1
  done
  return 1
}

# raft_leader VIA: the leader's id as VIA sees it (empty if none).
raft_leader() { curl -sf -m 2 "$(node_url "$1")/v1/cluster/raft" | jq -r '.leader // empty'; }

# await_leader SECONDS ID...: until every node names the same leader.
await_leader() {
  local limit=$1 i id l first ok
  shift
  for i in $(seq 1 $((limit * 10))); do
    ok=1; first=""
    for id in "$@"; do
      l=$(raft_leader "$id" 2>/dev/null || true)
      [[ -n $l ]] || { ok=0; break; }
      [[ -z $first ]] && first=$l
      [[ $l == "$first" ]] || { ok=0; break; }
    done
    [[ $ok == 1 ]] && { echo "$first"; return 0; }
    sleep 0.1
  done
  return 1
}

# stop_node ID: SIGTERM, up to 15 s, then SIGKILL; by PID only.
stop_node() {
  local id=$1 pid=${NODE_PID[$1]:-} i
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "NODE_PID[$id]"
}

stop_nodes() { local id; for id in "${!NODE_PID[@]}"; do stop_node "$id"; done; }

# metric_sum ID NAME [LABEL_FILTER]: the sum of a Prometheus series' samples on one node
# (all label sets whose line contains LABEL_FILTER).
metric_sum() {
  curl -sf -m 5 "$(node_url "$1")/metrics" |
    awk -v n="$2" -v f="${3:-}" '$1 ~ "^"n"([{]|$)" && index($0, f) {s += $NF} END {printf "%.0f\n", s}'
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

#!/usr/bin/env bash
# A Hindsight cluster on this machine (docs/cluster.md): three NATS servers
# with JetStream, routed to one another, and three `hindsight serve` nodes
# following the stream "hindsight" (3 replicas, file storage), all on
# loopback.
#
#   scripts/cluster.sh up              start what is not running
#   scripts/cluster.sh down [--wipe]   stop everything (--wipe: and delete the data)
#   scripts/cluster.sh status          processes, and each node's applied id and lag
#   scripts/cluster.sh stop nats|node N    stop one server or node (SIGTERM)
#   scripts/cluster.sh kill nats|node N    SIGKILL it
#   scripts/cluster.sh start nats|node N   start it again
#   scripts/cluster.sh reseed N        stop node N, delete its directory and start it
#                                      again: it replays the stream from entry 1
#
# Environment: HINDSIGHT_CLUSTER_DIR (default ./cluster-data) holds every
# store, log and pid file; HINDSIGHT_CLUSTER_PORT (default 5433): the nodes
# listen on it and the next two ports; HINDSIGHT_CLUSTER_NATS_PORT (default
# 4222): the NATS clients' ports, the same way, with routes 2000 above;
# HINDSIGHT (default build/tools/hindsight): the program.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${HINDSIGHT_CLUSTER_DIR:-$PWD/cluster-data}"
node_port="${HINDSIGHT_CLUSTER_PORT:-5433}"
nats_port="${HINDSIGHT_CLUSTER_NATS_PORT:-4222}"
hindsight="${HINDSIGHT:-$root/build/tools/hindsight}"
count=3

nats_urls() {
  local urls=() i
  for i in $(seq 1 $count); do urls+=("nats://127.0.0.1:$((nats_port + i - 1))"); done
  (IFS=,; echo "${urls[*]}")
}

# Whether process $1 runs: one that has exited but not yet been reaped (a
# zombie, which `kill -0` still finds; this script's children are reaped by
# whoever adopts them, at its own pace) does not.
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

alive() { [ -f "$1" ] && running "$(cat "$1")"; }

# Waits until something listens on 127.0.0.1:$1, or fails after $2 seconds.
wait_port() {
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

start_nats() {
  local i=$1 pidfile="$dir/nats$1.pid" routes=() j
  alive "$pidfile" && return 0
  mkdir -p "$dir/nats$i"
  for j in $(seq 1 $count); do
    [ "$j" = "$i" ] || routes+=("nats-route://127.0.0.1:$((nats_port + 2000 + j - 1))")
  done
  cat >"$dir/nats$i.conf" <<EOF
server_name: n$i
listen: 127.0.0.1:$((nats_port + i - 1))
jetstream { store_dir: "$dir/nats$i" }
cluster {
  name: hindsight
  listen: 127.0.0.1:$((nats_port + 2000 + i - 1))
  routes: [$(IFS=,; echo "${routes[*]}")]
}
EOF
  nats-server -c "$dir/nats$i.conf" >>"$dir/nats$i.log" 2>&1 &
  echo $! >"$pidfile"
  wait_port $((nats_port + i - 1)) 20 || { echo "cluster.sh: NATS server $i did not start (see $dir/nats$i.log)" >&2; return 1; }
}

start_node() {
  local i=$1 pidfile="$dir/node$1.pid" log="$dir/node$1.log" port=$((node_port + $1 - 1))
  alive "$pidfile" && return 0
  # The log keeps every start of the node, each after a line of its own.
  local from=1
  [ -f "$log" ] && from=$(($(wc -l <"$log") + 1))
  echo "cluster.sh: starting node $i at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$log"
  "$hindsight" serve --listen "127.0.0.1:$port" --nats "$(nats_urls)" "$dir/node$i" >>"$log" 2>&1 &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + 60))
  until tail -n "+$from" "$log" | grep -q "serving"; do
    if ! alive "$pidfile" || [ $SECONDS -ge $deadline ]; then
      echo "cluster.sh: node $i did not start: $(tail -n 3 "$log")" >&2
      return 1
    fi
    sleep 0.1
  done
}

stop() {  # stop SIGNAL nats|node N
  local pidfile="$dir/$2$3.pid" pid
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "-$1" "$pid"
  for _ in $(seq 1 300); do running "$pid" || break; sleep 0.1; done
  if running "$pid"; then kill -KILL "$pid"; fi
  rm -f "$pidfile"
}

what() {
  case "${1:-}" in nats|node) ;; *) echo "cluster.sh: say nats or node, then 1 to $count" >&2; exit 2 ;; esac
  case "${2:-}" in [1-3]) ;; *) echo "cluster.sh: say which one, 1 to $count" >&2; exit 2 ;; esac
}

case "${1:-}" in
  up)
    command -v nats-server >/dev/null || { echo "cluster.sh: nats-server is missing (scripts/install-deps.sh)" >&2; exit 1; }
    [ -x "$hindsight" ] || { echo "cluster.sh: $hindsight is missing (scripts/build.sh)" >&2; exit 1; }
    mkdir -p "$dir"
    for i in $(seq 1 $count); do start_nats "$i"; done
    for i in $(seq 1 $count); do start_node "$i"; done
    for i in $(seq 1 $count); do echo "node $i: psql -h 127.0.0.1 -p $((node_port + i - 1))"; done
    ;;
  down)
    for i in $(seq 1 $count); do stop TERM node "$i"; done
    for i in $(seq 1 $count); do stop TERM nats "$i"; done
    if [ "${2:-}" = "--wipe" ]; then rm -rf "$dir"; fi
    ;;
  status)
    for kind in nats node; do
      for i in $(seq 1 $count); do
        if alive "$dir/$kind$i.pid"; then state="running (pid $(cat "$dir/$kind$i.pid"))"; else state="stopped"; fi
        echo "$kind $i: $state"
      done
    done
    nodes=()
    for i in $(seq 1 $count); do nodes+=("127.0.0.1:$((node_port + i - 1))"); done
    "$hindsight" status "${nodes[@]}" || true
    ;;
  stop) what "${2:-}" "${3:-}"; stop TERM "$2" "$3" ;;
  kill) what "${2:-}" "${3:-}"; stop KILL "$2" "$3" ;;
  start) what "${2:-}" "${3:-}"; mkdir -p "$dir"; "start_$2" "$3" ;;
  reseed) what node "${2:-}"; stop TERM node "$2"; rm -rf "$dir/node$2"; start_node "$2" ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac

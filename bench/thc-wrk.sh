#!/usr/bin/env bash
# Load benchmark of the trusted HTTP context (GET /thc/{tenant}) with wrk, against SQLite
# and PostgreSQL (127.0.0.1:5432, user postgres). Starts a release `omacp serve` per back
# end on a fresh database, creates a profile and N subscribers through the REST API, then
# runs wrk with every request carrying one subscriber's MSISDN (round robin, bench/thc-wrk.lua).
# Prints requests/s and latency percentiles per back end.
#
# Usage: bench/thc-wrk.sh [SECONDS] [CONNECTIONS]   (defaults 15 s, 64 connections, 2 threads)
# Needs wrk (scripts/install-test-deps), curl, jq; PostgreSQL is skipped when unreachable.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
secs=${1:-15}
conns=${2:-64}
subs=${OMACP_BENCH_SUBSCRIBERS:-1000}
export OMACP_BENCH_SUBSCRIBERS=$subs
port=${OMACP_BENCH_PORT:-18480}

(cd "$root" && cargo build --release -q -p omacp)
bin=$target/release/omacp
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

run_one() { # name database-url
  local name=$1 url=$2 base="http://127.0.0.1:$port"
  # Gateways = loopback; limits off so the load generator (one source) is not throttled.
  OMACP_THC_TRUSTED_NETWORKS=127.0.0.0/8 OMACP_THC_PER_SUBSCRIBER_RPS=0 OMACP_THC_PER_SOURCE_RPS=0 \
    OMACP_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --database "$url" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
  local password token pid
  password=$(sed -n 's/.*one-time password (shown only now): //p' "$work/$name.out")
  token=$(curl -sf "$base/api/v1/sessions" -H 'content-type: application/json' \
    -d "{\"tenant\":\"operator\",\"username\":\"admin\",\"password\":\"$password\"}" | jq -r .token)
  pid=$(jq -n --rawfile t "$root/corpus/01-gprs-internet-apn.xml" '{name:"bench", template:$t, thc_sec:"netwpin"}' |
    curl -sf "$base/api/v1/profiles" -H "authorization: Bearer $token" -H 'content-type: application/json' -d @- | jq -r .id)
  {
    echo "msisdn,imsi,profile_id"
    for i in $(seq "$subs"); do printf '%d,%d,%s\n' $((491700000000 + i)) $((262010000000000 + i)) "$pid"; done
  } >"$work/subs.csv"
  curl -sf "$base/api/v1/subscribers/import" -H "authorization: Bearer $token" -H 'content-type: text/csv' \
    --data-binary @"$work/subs.csv" | jq -c '{imported, errors: (.errors | length)}'
  # Warm-up fills the cache (one render per subscriber), then the measured run.
  wrk -t2 -c"$conns" -d3s -s "$root/bench/thc-wrk.lua" "$base" >/dev/null
  echo "== $name: wrk -t2 -c$conns -d${secs}s, $subs subscribers, NETWPIN-signed WBXML (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
  local cpu0 cpu1 tck
  cpu0=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$root/bench/thc-wrk.lua" "$base" >"$work/wrk.txt"
  cpu1=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  grep -E "Requests/sec|Latency|50%|75%|90%|99%|requests in|Non-2xx" "$work/wrk.txt"
  # Server CPU time per request (user + system, kernel socket work included): what the
  # server itself costs, whatever else shares the machine.
  tck=$(getconf CLK_TCK)
  awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$tck" '/requests in/ { n = $1 }
    END { us = (c1 - c0) / hz * 1e6 / n; printf "server CPU per request: %.1f us (user + system)\n", us }' "$work/wrk.txt"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
}

run_one sqlite "sqlite:$work/bench.db"

pg_admin=postgres://postgres@127.0.0.1:5432/postgres
if psql "$pg_admin" -qtAc 'select 1' >/dev/null 2>&1; then
  db=omacp_bench_$$
  psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
  run_one postgres "postgres://postgres@127.0.0.1:5432/$db"
  psql "$pg_admin" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
else
  echo "== postgres: SKIPPED (127.0.0.1:5432 unreachable)"
fi

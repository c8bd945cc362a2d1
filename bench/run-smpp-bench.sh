#!/usr/bin/env bash
# SMPP throughput over loopback (crates/omacp-smpp/examples/throughput.rs, release build):
# our ESME -> our SMSC (a child process) for N single-segment NETWPIN pushes, each signed
# for its own IMSI, then Kannel's bearerbox -> the same SMSC for KANNEL_N pushes fed
# through smsbox's sendota by KANNEL_CLIENTS parallel HTTP clients. Needs Kannel
# (scripts/install-test-deps) for the second part; without it that line says SKIPPED.
# Usage: bench/run-smpp-bench.sh [N] [KANNEL_N] [KANNEL_CLIENTS]   (100000 10000 16)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100000}
kn=${2:-10000}
kc=${3:-16}
cd "$root"
cargo build -q --release -p omacp-smpp --example throughput
bin=${CARGO_TARGET_DIR:-$root/target}/release/examples/throughput
echo "# $(nproc) CPUs, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
for w in 1 10 100 1000; do
  "$bin" "$n" "$w" 0
done
"$bin" "$n" 100 "$kn" "$kc"

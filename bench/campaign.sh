#!/bin/sh
# Campaign throughput (BENCHMARKS.md, "Campaign delivery over SMPP"): 100,000 subscribers,
# one NETWPIN campaign through omacp's runner to a bare SMSC on loopback, then the same kind
# of messages through Kannel's bearerbox (Debian `kannel`) to the same SMSC.
#
#   bench/campaign.sh [N] [--pg] [--kannel M]     (defaults: 100000 --kannel 20000)
set -eu
cd "$(dirname "$0")/.."
n="${1:-100000}"
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then set -- --kannel 20000; fi
cargo build --release -p omacp-server --example campaign_bench
exec "${CARGO_TARGET_DIR:-target}/release/examples/campaign_bench" "$n" "$@"

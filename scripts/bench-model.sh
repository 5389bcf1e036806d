#!/bin/sh
# scripts/bench-model.sh - build in Release and measure the page allocator model's fast
# path (order-0 alloc+free pairs per second, no event callback) and its memory per
# simulated page on a 64 GiB zone, with a reference loop (malloc/free of 4 KiB) from
# the same binary and the ratio. Usage: scripts/bench-model.sh [pairs]
set -eu
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
bench_build model-bench
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
"$B/bench/model-bench" "${1:-20000000}"

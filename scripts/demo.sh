#!/bin/sh
# scripts/demo.sh - the main job on the bundled samples: set up, import the real
# traces, describe them.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
MMR=build/cmd/mmreplay
out=${MMR_DEMO_DIR:-build/demo}
mkdir -p "$out"
rm -f "$out/samples.db" "$out/samples.db-wal" "$out/samples.db-shm"

echo "== import the real samples (defrag_mode=0 and =1) =="
$MMR import samples/*.dat -o "$out/samples.db"
echo
echo "== info =="
$MMR info "$out/samples.db"

#!/bin/sh
# scripts/demo.sh - the main job on the bundled samples: set up, import the real
# traces, describe them, find their storms, replay them under each policy beside the
# recording, and compare the policies on the defrag-storm scenario.
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
echo
echo "== storms in the recordings (their bursts are short: 100 ms minimum here) =="
$MMR storms "$out/samples.db" --min-len 100ms -f table
$MMR plot "$out/samples.db" -o "$out/samples.svg"
echo "timeline: $out/samples.svg"
echo
echo "== the defrag_mode=0 recording replayed under each policy, beside the recording =="
$MMR compare "$out/samples.db" --run 1 --with-recorded -f table
echo
echo "== the defrag-storm scenario (synthetic, seed 1) under each policy =="
rm -f "$out/storm.db" "$out/storm.db-wal" "$out/storm.db-shm"
$MMR synth -q --scenario defrag-storm -o "$out/storm.db"
$MMR compare "$out/storm.db" -f table --plot "$out/storm.svg"
echo "timeline: $out/storm.svg"

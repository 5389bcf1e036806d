#!/bin/sh
# tests/cli/t0320-record-usage.sh - `record` rejects bad usage with exit 2 and one
# line before it touches tracefs or the output (runs without root).
. "$MMR_SRC/tests/cli/lib.sh"
expect_fail 2 "output store is required" "$MMREPLAY" record -d 1
expect_fail 2 "bad --buffer-kb '0'" "$MMREPLAY" record -o "$T/x.db" --buffer-kb 0
expect_fail 2 "bad --sample-ms 'x'" "$MMREPLAY" record -o "$T/x.db" --sample-ms x
expect_fail 2 "bad duration '-3'" "$MMREPLAY" record -o "$T/x.db" -d -3
expect_fail 2 "applies to the default events" "$MMREPLAY" record -o "$T/x.db" -e compaction --no-alloc-stream
[ ! -e "$T/x.db" ] || fail "a usage error created the output"
"$MMREPLAY" record --help | grep -q -- "--no-alloc-stream" || fail "help lacks --no-alloc-stream"
ok "record usage"

#!/bin/sh
# tests/cli/t0400-storms-usage.sh - storms and plot: help shows every threshold with
# its default; bad options and values are usage errors (2) in one line; runtime
# errors (no such run, read-only or missing store, unwritable output) are one-line
# failures (1) that leave the store and the output as they were.
. "$MMR_SRC/tests/cli/lib.sh"
for c in storms plot; do
	"$MMREPLAY" $c --help >"$T/help" || fail "$c --help"
	for o in "--bucket DUR.*default 100ms" "--stall-pct P.*default 10" \
		 "--entries-per-s N.*default 50" "--merge-gap DUR.*default 1s" \
		 "--min-len DUR.*default 500ms" "--min-entries N.*default 20" \
		 "--top N.*default 5" "--pageblock-order N"; do
		grep -Eq -- "$o" "$T/help" || fail "$c --help lacks '$o'"
	done
done
ok "help lists the thresholds and defaults"

"$MMREPLAY" import -q "$MMR_TESTDATA/lossy-v7z.dat" -o "$T/db" || fail import
before=$(db_dump "$T/db")
expect_fail 2 "bad value '0.5us' for --bucket" "$MMREPLAY" storms --bucket 0.5us "$T/db"
expect_fail 2 "bad value 'x' for --stall-pct" "$MMREPLAY" storms --stall-pct x "$T/db"
expect_fail 2 "bad value '0' for --stall-pct" "$MMREPLAY" storms --stall-pct 0 "$T/db"
expect_fail 2 "bad value '-1' for --entries-per-s" "$MMREPLAY" storms --entries-per-s -1 "$T/db"
expect_fail 2 "bad value '1parsec' for --min-len" "$MMREPLAY" storms --min-len 1parsec "$T/db"
expect_fail 2 "bad value '2.5' for --min-entries" "$MMREPLAY" storms --min-entries 2.5 "$T/db"
expect_fail 2 "bad value '21' for --pageblock-order" "$MMREPLAY" storms --pageblock-order 21 "$T/db"
expect_fail 2 "bad run number 'abc'" "$MMREPLAY" storms --run abc "$T/db"
expect_fail 2 "unknown format" "$MMREPLAY" storms -f xml "$T/db"
expect_fail 2 "exclude each other" "$MMREPLAY" storms --summary --tasks "$T/db"
expect_fail 2 "exactly one store" "$MMREPLAY" storms
expect_fail 2 "give the SVG file with -o" "$MMREPLAY" plot "$T/db"
expect_fail 2 "at most one --label per --run" "$MMREPLAY" plot -l a -o "$T/p.svg" "$T/db"
[ "$(db_dump "$T/db")" = "$before" ] || fail "a usage error changed the store"
expect_fail 1 "run 7: no such run" "$MMREPLAY" storms --run 7 "$T/db"
expect_fail 1 "cannot open" "$MMREPLAY" storms "$T/nope.db"
[ ! -e "$T/nope.db" ] || fail "storms created a store"
expect_fail 1 "run 7: no such run" "$MMREPLAY" plot --run 7 -o "$T/p.svg" "$T/db"
[ ! -e "$T/p.svg" ] || fail "a failed plot left a file"
expect_fail 1 "cannot write" "$MMREPLAY" plot -o "$T/no/such/dir/p.svg" "$T/db"
[ "$(db_dump "$T/db")" = "$before" ] || fail "a failed run changed the store"
ok "usage and runtime errors"

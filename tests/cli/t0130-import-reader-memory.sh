#!/bin/sh
# tests/cli/t0130-import-reader-memory.sh - the reader process of an import does
# not grow with the trace: a compressed trace four times longer than another (many
# zstd chunks) peaks at about the same resident size, every event of every copy
# is imported, and reading in segments gives the same store as reading in one go.
#
# libtracecmd 1.3 keeps every decompressed chunk until the file is closed; the
# reader reads in segment processes of MMR_READER_SEGMENT_PAGES pages (set small
# here, so that both traces span many segments).
. "$MMR_SRC/tests/cli/lib.sh"
command -v trace-cmd >/dev/null || skip "trace-cmd is not installed (scripts/setup.sh installs it)"
command -v perl >/dev/null || skip "perl is not installed"

src="$MMR_TESTDATA/lossless-v7z.dat"
trace_cmd convert -i "$src" -o "$T/base6.dat" --file-version 6 --compression none \
	>/dev/null 2>&1 || fail "trace-cmd convert to v6 failed"
# the last CPU block of the file: offset and size
last=$(trace_cmd dump --flyrecord "$T/base6.dat" 2>/dev/null |
	awk '/offset, size of cpu/ && $1 ~ /^[0-9]+$/ { o = $1; s = $2 } END { print o, s }')
[ -n "$last" ] || fail "no CPU block in $T/base6.dat"

for n in 1 4 16; do
	# shellcheck disable=SC2086 # $last is two numbers
	perl "$MMR_SRC/tests/cli/grow-trace.pl" "$T/base6.dat" "$T/g$n-6.dat" "$n" $last ||
		fail "grow-trace.pl failed"
	trace_cmd convert -i "$T/g$n-6.dat" -o "$T/g$n.dat" --file-version 7 --compression zstd \
		>/dev/null 2>&1 || fail "trace-cmd convert to compressed v7 failed"
	MMR_READER_SEGMENT_PAGES=256 "$MMREPLAY" import -v "$T/g$n.dat" -o "$T/g$n.db" \
		>/dev/null 2>"$T/err$n" || { cat "$T/err$n"; fail "import of $n copies failed"; }
	eval "events$n=\$(sqlite3 \"\$T/g\$n.db\" 'SELECT nr_events FROM runs')"
	eval "peak$n=\$(sed -n 's/.*reader process peaked at \([0-9]*\) MiB.*/\1/p' \"\$T/err\$n\")"
done
# shellcheck disable=SC2154 # set by eval above
{ [ -n "$peak4" ] && [ -n "$peak16" ]; } || fail "import -v did not report the reader's peak"

# every copy arrived: events(n) = other CPUs + n * one copy
# shellcheck disable=SC2154
[ $((events16 - events4)) -eq $((4 * (events4 - events1))) ] ||
	fail "events: 1 copy $events1, 4 copies $events4, 16 copies $events16"
ok "16 copies: $events16 events, 4 copies: $events4 (every copy imported)"

# The 16-copy trace has 12 more copies of decompressed pages than the 4-copy one;
# a reader that kept them would grow by all of it. Allow half.
grow=$(( ($(wc -c <"$T/g16-6.dat") - $(wc -c <"$T/g4-6.dat")) / 2 / 1048576 ))
[ $((peak16 - peak4)) -lt "$grow" ] ||
	fail "reader peak $peak16 MiB on 16 copies, $peak4 MiB on 4: grows with the trace (bound +$grow MiB)"
ok "reader peak: $peak4 MiB on 4 copies, $peak16 MiB on 16 (bound +$grow MiB)"

# one segment for the whole file: the same store
MMR_READER_SEGMENT_PAGES=100000000 "$MMREPLAY" import -q "$T/g16.dat" -o "$T/one.db" ||
	fail "import in one segment failed"
sqlite3 "$T/g16.db" .dump | grep -v '^INSERT INTO runs VALUES' >"$T/segments.sql"
sqlite3 "$T/one.db" .dump | grep -v '^INSERT INTO runs VALUES' >"$T/one.sql"
cmp -s "$T/segments.sql" "$T/one.sql" || fail "segments and one pass give different stores"
ok "segments and one pass give the same store"

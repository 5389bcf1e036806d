# tests/cli/lib.sh - helpers for CLI tests; sourced by tests/cli/t*.sh.
# Environment from ctest: MMREPLAY (binary), MMR_SRC, MMR_TESTDATA, MMR_SAMPLES.
set -u
: "${MMREPLAY:?run through ctest}"
T=$(mktemp -d "${TMPDIR:-/tmp}/mmr-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok - $*"; }

# trace_cmd ARGS...: trace-cmd on files only. Run as root it mounts tracefs when the
# host has none and leaves it mounted (even for convert, report or dump), so there it
# runs in a private mount namespace, where that mount goes away with it.
trace_cmd() {
	if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
		unshare --mount --propagation private trace-cmd "$@"
	else
		trace-cmd "$@"
	fi
}

# expect_fail STATUS PATTERN CMD...: runs CMD, requires exit STATUS, exactly one
# line on stderr (plus the --help hint of a usage error), matching the extended
# regex PATTERN.
expect_fail() {
	want=$1; pat=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, expected $want"; }
	# usage errors (2) may add one "Try 'mmreplay CMD --help'." hint line
	lines=$(grep -vc "^Try 'mmreplay .*--help'\.$" "$T/err")
	[ "$lines" -eq 1 ] || { cat "$T/err" >&2; fail "'$*' printed $lines lines on stderr, expected 1"; }
	grep -Eq "$pat" "$T/err" || { cat "$T/err" >&2; fail "'$*': stderr does not match '$pat'"; }
}

# db_dump DB: the logical content of a store, for before/after comparisons.
db_dump() {
	if [ -e "$1" ]; then sqlite3 "$1" .dump; else echo "(no file)"; fi
}

# storms_dump DB [RUN]: the rows storms derives and detects, of RUN only when given.
storms_dump() {
	for t in reclaim_episodes compaction_runs compaction_stalls daemon_intervals \
		extfrag_events storm_timeline storms storm_tasks; do
		sqlite3 "$1" "SELECT * FROM $t ${2:+WHERE run_id = $2} ORDER BY 1, 2, 3, 4, 5"
	done
}

# scripts/bench-lib.sh - sourced by the bench-*.sh scripts, from the top of the tree.
#
# bench_build TARGET...  installs what is missing (scripts/setup.sh --deps-only),
#                        configures and builds a Release tree (no tests) in
#                        $MMR_BENCH_BUILD (default build-bench/) and sets B to it and
#                        MMR to its mmreplay; always rebuilds, so a figure never comes
#                        from a binary older than the sources. The build log goes to
#                        $B/bench-build.log and is printed if the build fails.
# bench_tmp NAME         makes a scratch directory $tmp, removed when the script exits
#                        (Ctrl-C and SIGTERM included).

bench_build() {
	scripts/setup.sh --deps-only >&2
	B=${MMR_BENCH_BUILD:-build-bench}
	mkdir -p "$B"
	if ! { cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DMMR_TESTS=OFF &&
	       cmake --build "$B" -j"$(nproc)" --target "$@"; } >"$B/bench-build.log" 2>&1; then
		cat "$B/bench-build.log" >&2
		echo "bench: the Release build in $B failed" >&2
		exit 1
	fi
	MMR=$B/cmd/mmreplay
}

# bench_store STORE RUN SYNTH-ARG...  sets db and run: run RUN of STORE (default its
#                        first run that is not a replay), or, when STORE is empty, run 1
#                        of a synthetic store written by `mmreplay synth SYNTH-ARG...`
#                        into $tmp (call bench_build and bench_tmp first).
bench_store() {
	db=$1
	run=$2
	shift 2
	if [ -n "$db" ]; then
		[ -n "$run" ] ||
			run=$(sqlite3 "$db" "SELECT min(run_id) FROM runs WHERE kind <> 'replay'")
	else
		db=$tmp/synth.db
		run=1
		"$MMR" synth -q "$@" -o "$db"
	fi
}

bench_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmr-bench-$1.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

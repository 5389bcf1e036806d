#!/bin/sh
# tests/cli/t0640-replay-ties.sh - rows of the allocation and free streams with the
# same ts are replayed in seq order, also several rows of one stream on one ts. The
# reader does not read seq for every row, only on such ties: two runs differ only in
# the seqs of their tied rows, and the workloads must differ as seq says.
. "$MMR_SRC/tests/cli/lib.sh"
db="$T/db"
"$MMREPLAY" synth -q --scenario steady -s seconds=0.01 -o "$db" || fail synth

# run_with A B: a run where, at ts 200, the free of pfn 1000 has seq A and its
# reallocation seq B; at ts 300 two allocations and two frees interleave by seq.
run_with() {
	sqlite3 "$db" "INSERT INTO runs (kind, source, clock) VALUES ('import', 'ties', 'mono')"
	r=$(sqlite3 "$db" "SELECT max(run_id) FROM runs")
	sqlite3 "$db" "
	INSERT INTO mm_page_alloc (run_id, ts, seq, cpu, pid, pfn, \"order\", gfp_flags,
		migratetype) VALUES
		($r, 100, 1, 0, 10, 1000, 0, 0, 1), ($r, 200, $2, 0, 10, 1000, 0, 0, 1),
		($r, 300, 4, 0, 10, 2000, 0, 0, 1), ($r, 300, 6, 0, 10, 3000, 0, 0, 1);
	INSERT INTO mm_page_free (run_id, ts, seq, cpu, pid, pfn, \"order\") VALUES
		($r, 200, $1, 0, 10, 1000, 0), ($r, 300, 5, 0, 10, 2000, 0),
		($r, 300, 7, 0, 10, 3000, 0);" || fail "inserting run $r"
	"$MMREPLAY" replay -q "$db" --run "$r" --policy vanilla --no-derive || fail "replay of run $r"
}
# workload COUNTER: its value in the newest (replay) run
workload() {
	v=$(sqlite3 "$db" "SELECT value FROM run_metrics WHERE name = 'workload.$1' AND
		run_id = (SELECT max(run_id) FROM runs)")
	echo "${v%.0}"
}

# free first (seq 2 < 3): pfn 1000 is freed, then allocated again. At ts 300 the
# allocation of 2000 (seq 4) comes before its free (5), and that of 3000 (6, the
# second allocation on that ts) before its free (7): three frees, none implicit.
run_with 2 3
f=$(workload frees) i=$(workload frees_implicit) n=$(workload frees_initial)
echo "free before reallocation: frees $f, implicit $i, pre-trace $n"
[ "$f" = 3 ] && [ "$i" = 0 ] && [ "$n" = 0 ] || fail "free-first run: frees $f implicit $i initial $n"

# allocation first (seq 2 < 3): pfn 1000 is allocated again without a free (an
# implicit free of the first block), then the free takes the new block.
run_with 3 2
f=$(workload frees) i=$(workload frees_implicit) n=$(workload frees_initial)
echo "reallocation before free: frees $f, implicit $i, pre-trace $n"
[ "$f" = 3 ] && [ "$i" = 1 ] && [ "$n" = 0 ] || fail "alloc-first run: frees $f implicit $i initial $n"

# the same with the recording read in the model's thread
"$MMREPLAY" replay -q "$db" --run "$r" --policy vanilla --no-derive --one-thread || fail "one thread"
[ "$(workload frees_implicit)" = 1 ] || fail "one-thread replay orders the tie differently"
ok "ties on ts follow seq"

#!/bin/sh
# tests/cli/t0610-compare-defrag-storm.sh - the seed series' claims, reproduced on
# the defrag-storm scenario for five seeds and two zone sizes, and printed:
#   defrag_mode: direct reclaim pages at least 5x vanilla's, and storms detected;
#   defrag_mode_fix: direct reclaim pages within 1.5x of vanilla's, OOM events equal
#   to vanilla's, fragmenting fallbacks at most 10% of vanilla's;
# and the steady control: no direct reclaim storm under any policy.
. "$MMR_SRC/tests/cli/lib.sh"

# value FILE METRIC COLUMN: a number from compare's csv (column 2 = first policy)
value() { awk -F, -v m="$2" -v c="$3" '$1 == m { print $c }' "$1"; }
# ge A B: A >= B for decimals
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

printf '%-6s %-5s %10s %10s %7s %10s %6s %9s %9s %5s %6s\n' zone_mb seed vanilla defrag_mode ratio fix ratio frag_van frag_fix oom storms
fails=0
for zone in 512 1024; do
	for seed in 1 2 3 4 5; do
		db="$T/storm-$zone-$seed.db"
		"$MMREPLAY" synth -q --scenario defrag-storm --seed "$seed" -s zone_mb="$zone" \
			-s seconds=1 -o "$db" || fail "synth $zone/$seed"
		"$MMREPLAY" compare -q -f csv "$db" >"$T/c.csv" || fail "compare $zone/$seed"
		v=$(value "$T/c.csv" "direct reclaim pages" 2)
		d=$(value "$T/c.csv" "direct reclaim pages" 3)
		f=$(value "$T/c.csv" "direct reclaim pages" 4)
		fv=$(value "$T/c.csv" "fragmenting fallbacks" 2)
		ff=$(value "$T/c.csv" "fragmenting fallbacks" 4)
		sd=$(value "$T/c.csv" "storms" 3)
		ov=$(value "$T/c.csv" "OOM events" 2)
		of=$(value "$T/c.csv" "OOM events" 4)
		[ -n "$v" ] && [ -n "$d" ] && [ -n "$f" ] || fail "missing rows in compare output"
		rd=$(awk -v a="$d" -v b="$v" 'BEGIN { printf "%.2f", (b > 0 ? a / b : (a > 0 ? 999 : 0)) }')
		rf=$(awk -v a="$f" -v b="$v" 'BEGIN { printf "%.2f", (b > 0 ? a / b : (a > 0 ? 999 : 1)) }')
		printf '%-6s %-5s %10s %10s %7s %10s %6s %9s %9s %5s %6s\n' "$zone" "$seed" "$v" "$d" "$rd" "$f" "$rf" "$fv" "$ff" "$ov/$of" "$sd"
		ge "$rd" 5 || { echo "  defrag_mode direct reclaim is not 5x vanilla's"; fails=$((fails + 1)); }
		ge "$sd" 1 || { echo "  no storm detected under defrag_mode"; fails=$((fails + 1)); }
		ge 1.5 "$rf" || { echo "  defrag_mode_fix direct reclaim above 1.5x vanilla's"; fails=$((fails + 1)); }
		[ "$ov" = "$of" ] || { echo "  OOM events differ"; fails=$((fails + 1)); }
		ge "$(awk -v a="$fv" 'BEGIN { print a / 10 }')" "$ff" ||
			{ echo "  fix fragmenting fallbacks above 10% of vanilla's"; fails=$((fails + 1)); }
		rm -f "$db"
	done
done
[ "$fails" = 0 ] || fail "$fails claims did not hold"

# the control: steady has no storm (and no direct reclaim at all) under any policy,
# and its compare plot renders as a picture of the size the plotter announces
"$MMREPLAY" synth -q --scenario steady -o "$T/steady.db" || fail "synth steady"
"$MMREPLAY" compare -q -f csv "$T/steady.db" --plot "$T/steady.svg" >"$T/s.csv" ||
	fail "compare steady"
for col in 2 3 4; do
	n=$(value "$T/s.csv" "direct reclaim entries" $col)
	[ "$n" = 0 ] || fail "steady: $n direct reclaims in column $col"
	n=$(value "$T/s.csv" "storms" $col)
	[ "$n" = 0 ] || fail "steady: $n storms in column $col"
done
if command -v rsvg-convert >/dev/null; then
	rsvg-convert "$T/steady.svg" -o "$T/steady.png" || fail "the compare plot does not render"
	w=$(grep -o 'width="[0-9]*"' "$T/steady.svg" | head -1 | tr -dc 0-9)
	pw=$(od -An -tu1 -j16 -N4 "$T/steady.png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	[ "$pw" = "$w" ] || fail "png width $pw != svg width $w"
	grep -c '>vanilla<\|>defrag_mode<\|>defrag_mode_fix<' "$T/steady.svg" | grep -qx 3 ||
		fail "the plot does not have one lane per policy"
fi
ok "defrag-storm claims hold for 5 seeds x 2 sizes; steady is quiet"

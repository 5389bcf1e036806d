#!/bin/sh
# tests/cli/t0420-plot-render.sh - `plot` draws the samples as SVG that rsvg-convert
# renders to a PNG of the advertised size (one lane per run: two runs are taller
# than one); labels are escaped; runs not derived yet are derived on the way and
# storms are detected with plot's own options.
. "$MMR_SRC/tests/cli/lib.sh"
command -v rsvg-convert >/dev/null || skip "rsvg-convert is not installed (librsvg2-bin; scripts/setup.sh)"
db=$T/s.db
"$MMREPLAY" import -q "$MMR_SAMPLES/defrag-mode-1.dat" "$MMR_SAMPLES/defrag-mode-0.dat" -o "$db" ||
	fail import
png_size() {	# width x height from the IHDR chunk
	od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}
svg_size() {
	sed -n 's/.*<svg [^>]*width="\([0-9]*\)" height="\([0-9]*\)".*/\1 \2/p' "$1" | head -1
}
# stored storms at the defaults (none: the bursts last 0.2 s); plot detects again
"$MMREPLAY" storms -f csv -r 1 "$db" >/dev/null || fail storms
[ "$(sqlite3 "$db" 'SELECT count(*) FROM storms')" -eq 0 ] || fail "storms at the defaults"
"$MMREPLAY" plot --min-len 100ms -r 1 -l 'defrag_mode=1 <&>' -o "$T/one.svg" "$db" || fail "plot one"
"$MMREPLAY" plot --min-len 100ms -o "$T/two.svg" "$db" || fail "plot two"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM storm_runs')" -eq 2 ] || fail "plot did not derive both runs"
for f in one two; do
	rsvg-convert "$T/$f.svg" -o "$T/$f.png" 2>"$T/err" || { cat "$T/err"; fail "rsvg-convert $f"; }
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "rsvg-convert $f complained"; }
	want=$(svg_size "$T/$f.svg")
	got=$(png_size "$T/$f.png")
	[ -n "$want" ] && [ "$want" = "$got" ] || fail "$f: PNG is $got, SVG says $want"
done
set -- $(svg_size "$T/one.svg"); w1=$1; h1=$2
set -- $(svg_size "$T/two.svg"); w2=$1; h2=$2
[ "$w1" -eq "$w2" ] && [ "$h2" -gt "$h1" ] && [ "$h2" -lt $((h1 * 2)) ] ||
	fail "lane sizes: one run $w1x$h1, two runs $w2x$h2"
# the PNG is not blank: it holds several colours (sizes of a blank and a drawn
# picture differ by orders of magnitude)
[ "$(wc -c <"$T/two.png")" -gt 20000 ] || fail "the PNG looks empty"
grep -q 'defrag_mode=1 &lt;&amp;&gt;' "$T/one.svg" || fail "label not escaped"
[ "$(grep -c 'class="storm"' "$T/two.svg")" -eq "$(sqlite3 "$db" 'SELECT count(*) FROM storms')" ] ||
	fail "not one shaded rectangle per storm"
[ "$(grep -c 'class="storm"' "$T/two.svg")" -ge 2 ] || fail "plot did not detect with its own options"
grep -q 'run 2: import' "$T/two.svg" || fail "default lane label"
ls "$T" | grep -q '\.tmp\.' && fail "temporary file left behind"
ok "plot renders at the advertised size"

#!/bin/sh
# tests/cli/t0001-help.sh - every subcommand answers -h and --help on stdout with
# status 0 and a usage line; unknown commands and options are usage errors (2).
. "$MMR_SRC/tests/cli/lib.sh"
cmds=$("$MMREPLAY" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || fail "'mmreplay help' lists no commands"
for c in $cmds; do
	[ "$c" = help ] && continue
	for h in -h --help; do
		"$MMREPLAY" "$c" $h >"$T/out" 2>"$T/err" || fail "$c $h exited $?"
		grep -q "^usage: mmreplay $c" "$T/out" || fail "$c $h: no usage line on stdout"
		[ ! -s "$T/err" ] || fail "$c $h wrote to stderr"
	done
	"$MMREPLAY" "$c" --no-such-option >/dev/null 2>&1
	[ $? -eq 2 ] || fail "$c --no-such-option is not a usage error"
	ok "$c -h"
done
"$MMREPLAY" no-such-command >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown command is not a usage error"
"$MMREPLAY" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no command is not a usage error"
"$MMREPLAY" --version | grep -q "^mmreplay " || fail "--version"
ok "usage errors"

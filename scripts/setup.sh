#!/bin/sh
# scripts/setup.sh - install every Debian package mmreplay builds, tests and
# records with (idempotent), then build a release binary into build/.
#
#   scripts/setup.sh              install what is missing, then build
#   scripts/setup.sh --deps-only  install what is missing, do not build
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential cmake pkg-config
libtraceevent-dev libtracefs-dev libtracecmd-dev trace-cmd
libsqlite3-dev sqlite3 libcmocka-dev
clang libclang-rt-14-dev libbpf-dev bpftool llvm
stress-ng librsvg2-bin util-linux procps bc time"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
missing=$(echo $missing)
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "setup: installing $missing"
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

[ "${1:-}" = "--deps-only" ] && exit 0
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMMR_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"

#!/bin/sh
# scripts/test.sh - install what the tests need, build with -Werror and
# AddressSanitizer + UndefinedBehaviorSanitizer, and run the whole suite.
# Live tests record on this kernel: they need root and tracefs. If tracefs is not
# mounted and we are root, it is mounted for the run and unmounted afterwards.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh --deps-only

build=${MMR_TEST_BUILD:-build-asan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DMMR_WERROR=ON \
	-DMMR_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j"$(nproc)"

tracing=/sys/kernel/tracing
mounted_here=0
cleanup() {
	if [ "$mounted_here" = 1 ]; then
		umount "$tracing" 2>/dev/null || true
	fi
}
trap cleanup EXIT INT TERM
if [ "$(id -u)" -eq 0 ] && [ -d "$tracing" ] && [ ! -e "$tracing/trace" ]; then
	if mount -t tracefs nodev "$tracing" 2>/dev/null; then
		mounted_here=1
		echo "test: mounted tracefs at $tracing for the live tests (unmounted at exit)"
	fi
fi

status=0
(cd "$build" && ctest --output-on-failure -j"$(nproc)" "$@") || status=1

# The parsers of files from other hosts, under libFuzzer (clang), for a bounded time.
fuzz=${MMR_FUZZ_BUILD:-build-fuzz}
CC=clang cmake -S . -B "$fuzz" -DCMAKE_BUILD_TYPE=Debug -DMMR_FUZZ=ON -DMMR_WERROR=ON \
	-DMMR_SANITIZE=address,undefined >/dev/null
cmake --build "$fuzz" -j"$(nproc)" --target fuzz-decode fuzz-v6check fuzz-import fuzz-host
(cd "$fuzz" && ctest -L fuzz --output-on-failure) || status=1
exit $status

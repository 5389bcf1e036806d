# tests/live/tracefs-ns.sh - sourced first by the live tests' helpers. Where tracefs
# is not mounted (a fresh host), the test runs again in a private mount namespace
# and mounts tracefs there: the test runs instead of skipping, and the mount goes
# away with it, so the host's mounts are left as they were. Tracing state itself
# (instances, events) is the kernel's, not the namespace's: the tests clean it up.
if [ ! -e /sys/kernel/tracing/trace ] && [ -z "${MMR_TRACEFS_NS:-}" ] &&
   [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
	MMR_TRACEFS_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
if [ -n "${MMR_TRACEFS_NS:-}" ] && [ ! -e /sys/kernel/tracing/trace ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
fi

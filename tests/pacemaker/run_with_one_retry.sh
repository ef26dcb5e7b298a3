#!/bin/sh
# Runs the real-cluster test, and once more from scratch if it fails. A real
# Pacemaker cluster's timers (election, join, operation timeouts) are wall
# clock; on a loaded 2-core CI machine one run in a few has seen a transition
# outlast its bound. A product bug fails both runs; the first run's output
# stays in the log above the retry. 77 (skipped) is passed through.
python3 "$@"
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then exit "$rc"; fi
echo "pacemaker_cluster: the first run failed (exit $rc); one fresh retry" >&2
exec python3 "$@"

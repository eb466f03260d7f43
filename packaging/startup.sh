#!/usr/bin/env bash
# Start-up time to the main window: the built app against `uv run main.py`, on the same
# demo workspace, under Xvfb, alternating, warm (one unmeasured start of each first).
# Time = from starting the process to the main window being mapped (xdotool polling every
# 10 ms for a visible window of class Dabiao), so both are measured the same way, from
# outside, without changing the app.
#
#   packaging/startup.sh [RUNS] [APP]      # defaults: 7 runs, dist/dabiao/dabiao
#
# Needs Xvfb and xdotool (apt-get install xvfb xdotool). Prints each run and the medians.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-7}"
APP="$(realpath "${2:-$ROOT/dist/dabiao/dabiao}")"
TMP="$(mktemp -d /tmp/dabiao-startup.XXXXXX)"
DISPLAY_NUM=":$((80 + RANDOM % 9))"
XVFB_PID=""
cleanup() { [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

Xvfb "$DISPLAY_NUM" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
for _ in $(seq 50); do DISPLAY="$DISPLAY_NUM" xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

WS="$TMP/ws"
"$APP" --data-dir "$WS" demo >/dev/null

# time_to_window COMMAND...: seconds until a visible Dabiao window, then closes the app.
time_to_window() {
    local t0 t1 pid
    t0=$(date +%s.%N)
    DISPLAY="$DISPLAY_NUM" setsid "$@" >/dev/null 2>&1 &  # own process group: uv and its python
    pid=$!
    until DISPLAY="$DISPLAY_NUM" xdotool search --onlyvisible --class '^Dabiao$' >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { echo "start-up failed: $*" >&2; return 1; }
        sleep 0.01
    done
    t1=$(date +%s.%N)
    kill -- -"$pid"; wait "$pid" 2>/dev/null || true
    while DISPLAY="$DISPLAY_NUM" xdotool search --onlyvisible --class '^Dabiao$' >/dev/null 2>&1; do sleep 0.05; done
    while kill -0 -- -"$pid" 2>/dev/null; do sleep 0.05; done
    echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

cd "$ROOT"
time_to_window "$APP" --data-dir "$WS" >/dev/null                 # warm-up
time_to_window uv run main.py --data-dir "$WS" >/dev/null         # warm-up (and uv's sync check)
: >"$TMP/built"; : >"$TMP/uv"
for i in $(seq "$RUNS"); do
    b=$(time_to_window "$APP" --data-dir "$WS")
    u=$(time_to_window uv run main.py --data-dir "$WS")
    echo "run $i: built $b s, uv run main.py $u s"
    echo "$b" >>"$TMP/built"; echo "$u" >>"$TMP/uv"
done
echo "median of $RUNS: built app $(median <"$TMP/built") s, uv run main.py $(median <"$TMP/uv") s"

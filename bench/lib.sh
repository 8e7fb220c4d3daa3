# Shared by bench/run.sh and bench/scale.sh (sourced): timing, medians and the counting proxy.

# Seconds a command takes. A failed command fails the run (its time would mean nothing) and
# shows the end of what it printed.
BENCH_LOG="$(mktemp)"
secs() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$BENCH_LOG" 2>&1 || { echo "bench: $* failed:" >&2; tail -20 "$BENCH_LOG" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Every Docker call a benchmarked command makes goes through bench/countCalls.js at $PROXY;
# a stack benchmarked this way names $PROXY in its config from its first up, so its state holds
# one connection throughout and a no-change up stays one. The proxy's own messages (requests
# with oversized headers) go to $CALLS.err.
PROXY=/run/interlock-lab/bench-count.sock
CALLS="$(mktemp)"
PROXY_PID=""
start_count_proxy() {
  rm -f "$PROXY"
  node bench/countCalls.js "$PROXY" /run/interlock-lab/m0.sock "$CALLS" 2>>"$CALLS.err" &
  PROXY_PID=$!
  until [[ -S $PROXY ]]; do sleep 0.1; done
}
stop_count_proxy() {
  [[ -n $PROXY_PID ]] && kill "$PROXY_PID" 2>/dev/null
  PROXY_PID=""
}
# "<calls> calls, <writes> writes" since the last count, per run of the `$1` runs (default 1).
counted() {
  awk -v runs="${1:-1}" '{n++} $1 != "GET" && $1 != "HEAD" {w++}
    END {printf "%d calls, %d writes", n / runs, w / runs}' "$CALLS"
  : >"$CALLS"
}

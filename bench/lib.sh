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

# Peak resident memory (VmHWM, the kernel's high-water mark of each process) of the program
# (@pulumi/pulumi's cmd/run), the dynamic-provider processes and the CLI while a command runs,
# read every 0.2 s: a process is seen at its last read before it exits.
RSS_LOG="$(mktemp)"
RSS_PID=""
start_rss_sampler() {
  : >"$RSS_LOG"
  (
    while :; do
      for d in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
        case "$cmd" in
          *build/dynamicProvider.js* | *cmd/dynamic-provider*) kind=provider ;;
          *@pulumi/pulumi/cmd/run*) kind=program ;;
          pulumi\ up* | pulumi\ preview* | */pulumi\ up* | */pulumi\ preview*) kind=cli ;;
          *) continue ;;
        esac
        kb=$(awk '/^VmHWM:/ {print $2}' 2>/dev/null <"$d/status") || continue
        [[ -n $kb ]] && echo "$kind ${d#/proc/} $kb"
      done
      sleep 0.2
    done >>"$RSS_LOG"
  ) &
  RSS_PID=$!
}
stop_rss_sampler() {
  if [[ -n $RSS_PID ]]; then kill "$RSS_PID" 2>/dev/null || true; wait "$RSS_PID" 2>/dev/null || true; fi
  RSS_PID=""
}
# "program N MB, provider N MB, CLI N MB": the largest peak of any one process of each kind.
rss_peaks() {
  awk '{ if ($3 > max[$1]) max[$1] = $3 }
    END { printf "program %d MB, provider %d MB, CLI %d MB", max["program"] / 1024, max["provider"] / 1024, max["cli"] / 1024 }' "$RSS_LOG"
}

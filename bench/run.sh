#!/usr/bin/env bash
# Benchmarks (not tests): wall-clock seconds of
#   1. lab up from nothing (lab reset: every daemon, namespace and swarm state gone first)
#   2. lab up on a running, healthy lab (median of 5)
#   3. preview of the lab stack with no changes, through the real engine (median of 5)
# Usage: bash bench/run.sh   (leaves the lab up, with the lab stack applied)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
bash scripts/setup.sh >/dev/null 2>&1

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cold=$(secs bash lab/lab reset)
warm=$(for _ in 1 2 3 4 5; do secs bash lab/lab up; done | median)
rm -rf .state/backend
npx ts-node --transpile-only scripts/stack.ts up >/dev/null 2>&1
preview=$(for _ in 1 2 3 4 5; do secs npx ts-node --transpile-only scripts/stack.ts preview; done | median)

printf '| benchmark | seconds |\n|---|---|\n'
printf '| lab up from nothing | %.1f |\n' "$cold"
printf '| lab up on a running lab (median of 5) | %.1f |\n' "$warm"
printf '| preview of the lab stack, no changes (median of 5) | %.1f |\n' "$preview"

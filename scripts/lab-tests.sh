#!/usr/bin/env bash
# The lab and end-to-end tests on LAB_SHARDS labs at once (2 unless set), each a lab of its own
# (lab/isolated: its own Swarm, addresses, sockets and a private view of the repository), so
# they never see each other's stacks. Each test file runs alone in one of them, in its own
# mocha process, as `npx mocha FILE` runs it on the lab of `lab/lab up`.
#
#   scripts/lab-tests.sh [FILE...]    default: test/e2e/*.test.ts test/lab/*.test.ts
#
# Files go longest first by test/lab-durations.json (seconds measured in a whole run; a file it
# does not name goes first): the order only balances the labs, it never changes a result.
# The end of the output is the tally, the failures, and this run's seconds per file in that
# file's format.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
shards="${LAB_SHARDS:-2}"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "lab-tests: LAB_SHARDS must be a positive number, not '$shards'" >&2; exit 2; }
files=("$@")
((${#files[@]})) || files=(test/e2e/*.test.ts test/lab/*.test.ts)

work="$(mktemp -d "${TMPDIR:-/tmp}/interlock-ingress-labs.XXXXXX")"
mkdir -p "$work/queue" "$work/logs"
i=0
while IFS= read -r file; do
  i=$((i + 1))
  printf '%s\n' "$file" >"$work/queue/$(printf '%03d' "$i")"
done < <(node -e '
  const fs = require("fs");
  const known = JSON.parse(fs.readFileSync("test/lab-durations.json", "utf8"));
  const files = process.argv.slice(1);
  const weight = (f) => (f in known ? known[f] : Infinity);
  files.sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  console.log(files.join("\n"));
' "${files[@]}")

start=$(date +%s)
pids=()
for lab in $(seq 1 "$shards"); do
  bash lab/isolated "$work/lab$lab" -- \
    bash test/support/labShard.sh "$work/queue" "$work/logs" "$lab" 2>"$work/lab$lab.log" &
  pids+=($!)
done
status=0
for lab in $(seq 1 "$shards"); do
  wait "${pids[$((lab - 1))]}" || { status=1; echo "lab-tests: lab $lab failed:"; tail -20 "$work/lab$lab.log"; }
done
secs=$(($(date +%s) - start))

touch "$work/logs/results"
ran=$(wc -l <"$work/logs/results")
((ran == ${#files[@]})) || { status=1; echo "lab-tests: only $ran of ${#files[@]} test files ran"; }
tally() { cat "$work"/logs/*.log 2>/dev/null | sed -n "s/^  \([0-9]*\) $1.*/\1/p" | awk '{s+=$1} END{print s+0}'; }
echo
echo "== lab integration and end to end: $(tally passing) passing, $(tally pending) pending, $(tally failing) failing; $shards labs, ${secs} s"
sort -t$'\t' -k2,2nr "$work/logs/results" | awk -F'\t' '{printf "   %-40s lab %s %5s s  %s\n", $4, $3, $2, ($1 == 0 ? "ok" : "FAILED")}'
while IFS=$'\t' read -r rc _ _ file; do
  [[ "$rc" == 0 ]] && continue
  status=1
  echo
  echo "== failures of $file:"
  log="$(grep -lx "$file" "$work"/logs/*.claimed | sed 's/\.claimed$/.log/')"
  sed -n '/^  [0-9]* failing/,$p' "$log"
  grep -q '^  [0-9]* failing' "$log" || tail -30 "$log"
done <"$work/logs/results"
echo
echo "== seconds per file this run (test/lab-durations.json's format):"
sort -t$'\t' -k4 "$work/logs/results" | awk -F'\t' 'BEGIN{print "{"} {printf "%s  \"%s\": %s", (NR>1 ? ",\n" : ""), $4, $2} END{print "\n}"}'
rm -rf "$work"
exit "$status"

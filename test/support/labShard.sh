#!/usr/bin/env bash
# One lab's share of the lab and end-to-end tests (run by scripts/lab-tests.sh, inside
# lab/isolated): test files are taken from QUEUE one at a time, longest first, until none is
# left, so the labs finish close together whatever each file takes today. A file is claimed by
# renaming its entry, which only one lab can do.
#
#   test/support/labShard.sh QUEUE LOGS LAB
set -uo pipefail
queue=$1 logs=$2 lab=$3
for entry in "$queue"/*; do
  name="$(basename "$entry")"
  mv "$entry" "$logs/$name.claimed" 2>/dev/null || continue
  file="$(cat "$logs/$name.claimed")"
  start=$(date +%s)
  npx mocha --timeout 900000 "$file" >"$logs/$name.log" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  printf '%s\t%s\t%s\t%s\n' "$rc" "$secs" "$lab" "$file" >>"$logs/results"
  # One file's output at a time on the console, never two interleaved.
  flock "$logs/console.lock" sh -c 'printf "\n== %s (lab %s, %s s, exit %s)\n" "$1" "$2" "$3" "$4"; cat "$5"' \
    _ "$file" "$lab" "$secs" "$rc" "$logs/$name.log"
done

#!/usr/bin/env bash
# README command 2: the whole test suite (type check, unit, lab integration, end to end).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The lab tests bring labs of their own (scripts/lab-tests.sh): set-up only prepares for them.
bash "$REPO/scripts/setup.sh" --without-lab
cd "$REPO"
# The type check, lint, unit tests and the AWS stand-in's tests (moto and our own aws plugin
# through the engine) need no lab: they run in a process of their own beside the lab's tests,
# which mostly wait on Swarm; the run fails if either fails.
logs="$(mktemp -d "${TMPDIR:-/tmp}/interlock-ingress-test.XXXXXX")"
(
  # At a low priority: the lab's tests wait on Swarm and the CLI, and every second
  # this process takes from them lengthens the whole run, while this one has minutes to spare.
  renice -n 15 -p "$BASHPID" >/dev/null &&
    npm run --silent typecheck &&
    npm run --silent lint &&
    npx mocha --timeout 900000 'test/unit/**/*.test.ts' &&
    npx mocha --timeout 900000 'test/standin/**/*.test.ts'
) >"$logs/unit.log" 2>&1 &
unit=$!
status=0
bash scripts/lab-tests.sh 2>&1 | tee "$logs/lab.log" || status=$?
wait "$unit" || status=$?
cat "$logs/unit.log"
# A CI log is often read from its end: the lab's tally and failures come last, after the unit log.
echo
sed -n '/^== lab integration and end to end/,/^== seconds per file/p' "$logs/lab.log" | sed '$d'
exit "$status"

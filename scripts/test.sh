#!/usr/bin/env bash
# README command 2: the whole test suite (type check, unit, lab integration, end to end).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
cd "$REPO"
# The type check, lint and unit tests need no lab: they run in a process of their own beside the
# lab's tests (one Swarm, so the end-to-end and lab tests run in one process, in turn), which
# mostly wait on Swarm; the run fails if either fails.
log="${TMPDIR:-/tmp}/interlock-ingress-unit.log"
(
  npx tsc -p tsconfig.json --noEmit &&
    npm run --silent lint &&
    npx mocha --timeout 900000 'test/unit/**/*.test.ts'
) >"$log" 2>&1 &
unit=$!
status=0
npx mocha --timeout 900000 'test/e2e/**/*.test.ts' 'test/lab/**/*.test.ts' || status=$?
wait "$unit" || status=$?
cat "$log"
exit "$status"

#!/usr/bin/env bash
# README command 2: the whole test suite (type check, unit, lab integration, end to end).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
cd "$REPO"
npx tsc -p tsconfig.json --noEmit
npm run --silent lint
# End to end first: the AWS unit tests install Pulumi's mocks in this process.
exec npx mocha --timeout 900000 'test/e2e/**/*.test.ts' 'test/lab/**/*.test.ts' 'test/unit/**/*.test.ts'

#!/usr/bin/env bash
# README command 1: `pulumi up` of the lab stack on the local lab, printing the stack outputs.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
cd "$REPO"
exec npx ts-node --transpile-only scripts/stack.ts up --stack "${STACK:-lab}"

#!/usr/bin/env bash
# README command 1: set-up, then `pulumi up` of the lab stack on the local lab through the
# Pulumi CLI, as a user types it after `source scripts/env.sh`. STACK=lab-dev etc. for another.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup.sh"
cd "$REPO"
# shellcheck source=scripts/env.sh
source scripts/env.sh
stack="${STACK:-lab}"
pulumi stack select --create "$stack" --non-interactive
pulumi up --stack "$stack" --yes --non-interactive

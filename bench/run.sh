#!/usr/bin/env bash
# Benchmarks (not tests), wall-clock seconds on this machine:
#   1. lab up from nothing (lab reset: every daemon, namespace and swarm state gone first)
#   2. lab up on a running, healthy lab (median of 5)
#   3. pulumi preview of the lab stack with no changes, through the CLI (median of 5)
#   4. side by side on the lab (bench/sideBySide.ts): the blog's CLI steps vs `pulumi up`, a
#      no-change up's Docker write calls, no-change drift and preview vs Ansible check mode
#   5. a check's render + merge + validate + write on a config with 2,000 foreign sections
# Usage: bash bench/run.sh   (leaves the lab up at UCP's initial state)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
bash scripts/setup.sh >/dev/null 2>&1
command -v ansible-playbook >/dev/null && python3 -c 'import docker' 2>/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible python3-docker >/dev/null
# shellcheck source=scripts/env.sh
source scripts/env.sh 2>/dev/null

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cold=$(secs bash lab/lab reset)
warm=$(for _ in 1 2 3 4 5; do secs bash lab/lab up; done | median)
export PULUMI_BACKEND_URL="file://$(mktemp -d)"
pulumi stack init lab >/dev/null 2>&1
pulumi up --stack lab --yes >/dev/null 2>&1
preview=$(for _ in 1 2 3 4 5; do secs pulumi preview --stack lab; done | median)
pulumi destroy --stack lab --yes >/dev/null 2>&1

printf '| benchmark | seconds |\n|---|---|\n'
printf '| lab up from nothing | %.1f |\n' "$cold"
printf '| lab up on a running lab (median of 5) | %.1f |\n' "$warm"
printf '| pulumi preview of the lab stack, no changes (median of 5) | %.1f |\n\n' "$preview"
npx ts-node --transpile-only bench/sideBySide.ts 3
echo
for n in 200 2000; do
  npx ts-node --transpile-only bench/renderScale.ts "$n" |
    awk '{printf "check of a config with %d foreign sections (median of 5): %.2f s\n", $1, $2}'
done

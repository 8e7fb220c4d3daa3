#!/usr/bin/env bash
# Benchmarks (not tests), wall-clock seconds on this machine:
#   1. lab up from nothing (lab reset: every daemon, namespace and swarm state gone first)
#   2. lab up on a running, healthy lab (median of 5)
#   3. pulumi preview of the lab stack with no changes, through the CLI (median of 5)
#   4. side by side on the lab: the blog's CLI steps (bench/blog-cli.sh) vs `pulumi up` (and
#      `up --skip-preview`) of a new stack to the same end state, all from UCP's initial state,
#      in three rounds (medians); a no-change up; no-change
#      drift and preview vs an Ansible check-mode run of the same reads (bench/ansible/check.yml);
#      the Docker API calls and writes of each, counted by a proxy (bench/countCalls.js)
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

# shellcheck source=bench/lib.sh
source bench/lib.sh
# After the CLI steps, Swarm may still hold ingress_dev's name for a moment after baseline.
settled_baseline() {
  bash lab/lab baseline >/dev/null 2>&1
  until ! docker -H unix:///run/interlock-lab/m0.sock network inspect ingress_dev >/dev/null 2>&1; do sleep 0.5; done
}

cold=$(secs bash lab/lab reset)
warm=$(for _ in 1 2 3 4 5; do secs bash lab/lab up; done | median)
export PULUMI_BACKEND_URL="file://$(mktemp -d)"
pulumi stack init lab-bench >/dev/null 2>&1

# The lab stack's config under a stack name of its own whose stack file names the proxy, so that
# `pulumi` and `npm run drift` (which reads the stack file, not the engine) both go through it.
start_count_proxy
config=Pulumi.lab-bench.yaml
trap 'stop_count_proxy; rm -f "$config"' EXIT
sed "s#unix:///run/interlock-lab/m0.sock#unix://$PROXY#" Pulumi.lab.yaml >"$config"
stack=(--stack lab-bench)

# Three rounds, each the CLI steps, `up`, and `up --skip-preview` (what a pipeline runs after the
# pull request's reviewed preview), each from UCP's initial state: one round's ratio moves with
# whenever the CLI's polls happen to see Swarm done.
clis=() ups=() skips=()
for round in 1 2 3; do
  bash lab/lab baseline >/dev/null 2>&1
  clis+=("$(secs bash bench/blog-cli.sh)")
  settled_baseline
  skips+=("$(secs pulumi up "${stack[@]}" --yes --skip-preview)")
  pulumi destroy "${stack[@]}" --yes >/dev/null 2>&1
  settled_baseline
  : >"$CALLS"
  ups+=("$(secs pulumi up "${stack[@]}" --yes)")
  up_calls=$(counted)
  ((round == 3)) || { pulumi destroy "${stack[@]}" --yes >/dev/null 2>&1; settled_baseline; }
done
cli=$(printf '%s\n' "${clis[@]}" | median)
up=$(printf '%s\n' "${ups[@]}" | median)
skip=$(printf '%s\n' "${skips[@]}" | median)
noop=$(secs pulumi up "${stack[@]}" --yes)
noop_calls=$(counted)
conf=$(pulumi stack output interlockConfig "${stack[@]}")
ansible=$(for _ in 1 2 3 4 5; do secs ansible-playbook --check -e "interlock_config=$conf" -e "docker_host=unix://$PROXY" bench/ansible/check.yml; done | median)
ansible_calls=$(counted 5)
drift=$(for _ in 1 2 3 4 5; do secs node build/prebuilt.js scripts/drift "${stack[@]}"; done | median)
drift_calls=$(counted 5)
drift_engine=$(for _ in 1 2 3 4 5; do secs node build/prebuilt.js scripts/drift "${stack[@]}" --engine; done | median)
drift_engine_calls=$(counted 5)
preview=$(for _ in 1 2 3 4 5; do secs pulumi preview "${stack[@]}" --expect-no-changes; done | median)
preview_calls=$(counted 5)
# A stack-config error (a misspelled key), which preview must refuse: the time to the refusal.
bad=.state/Pulumi.lab-bench-misspelled.yaml
sed 's/publishMode: host/publishmode: host/' "$config" >"$bad"
refused=$(for _ in 1 2 3; do
  t0=$(date +%s.%N)
  pulumi preview "${stack[@]}" --config-file "$bad" >"$BENCH_LOG" 2>&1 || true
  t1=$(date +%s.%N)
  grep -q 'publishmode: unknown key' "$BENCH_LOG" || { echo "bench: the misspelled key was not refused:" >&2; tail -5 "$BENCH_LOG" >&2; exit 1; }
  echo "$t1 - $t0" | bc
done | median)
pulumi destroy "${stack[@]}" --yes >/dev/null 2>&1
bash lab/lab baseline >/dev/null 2>&1

ratio() { echo "scale=2; $1 / $2" | bc; }
printf '| benchmark | seconds |\n|---|---|\n'
printf '| lab up from nothing | %.1f |\n' "$cold"
printf '| lab up on a running lab (median of 5) | %.1f |\n' "$warm"
printf "| the blog's steps 3-9 with the docker CLI (bench/blog-cli.sh; median of 3: %s) | %.1f |\n" "${clis[*]}" "$cli"
printf '| pulumi up of a new lab stack, same end state (median of 3: %s; %sx the CLI steps; %s) | %.1f |\n' "${ups[*]}" "$(ratio "$up" "$cli")" "$up_calls" "$up"
printf '| pulumi up --skip-preview, the same (median of 3: %s; %sx the CLI steps) | %.1f |\n' "${skips[*]}" "$(ratio "$skip" "$cli")" "$skip"
printf '| pulumi up with no changes (%s) | %.1f |\n' "$noop_calls" "$noop"
printf '| Ansible community.docker check mode, same reads (median of 5; %s per run) | %.1f |\n' "$ansible_calls" "$ansible"
printf '| npm run drift, no changes (median of 5; %sx Ansible; %s per run) | %.1f |\n' "$(ratio "$drift" "$ansible")" "$drift_calls" "$drift"
printf '| npm run drift -- --engine, no changes (median of 5; %sx Ansible; %s per run) | %.1f |\n' "$(ratio "$drift_engine" "$ansible")" "$drift_engine_calls" "$drift_engine"
printf '| pulumi preview, no changes (median of 5; %sx Ansible; %s per run) | %.1f |\n' "$(ratio "$preview" "$ansible")" "$preview_calls" "$preview"
check200=$(npx ts-node --transpile-only bench/renderScale.ts 200 | awk '{print $2}')
check2000=$(npx ts-node --transpile-only bench/renderScale.ts 2000 | awk '{print $2}')
printf '| pulumi preview refusing a misspelled stack-config key (median of 3) | %.1f |\n' "$refused"
printf '| check of a live config with 200 foreign sections (median of 5) | %.2f |\n' "$check200"
printf '| check of a live config with 2000 foreign sections (median of 5) | %.2f |\n' "$check2000"

# The goals of issues 13 and 27 (27's where both set one), each with the value measured above.
goal() {
  local verdict="met"
  (($(echo "$2 <= $3" | bc))) || verdict="NOT met"
  printf '%s: %s (goal <= %s): %s\n' "$1" "$2" "$3" "$verdict"
}
echo
goal "up / the CLI steps" "$(ratio "$up" "$cli")" 0.8
goal "no-change drift / Ansible" "$(ratio "$drift" "$ansible")" 0.5
goal "no-change preview / Ansible" "$(ratio "$preview" "$ansible")" 1.0
goal "Docker writes of a no-change up" "$(awk '{print $3}' <<<"$noop_calls")" 0
goal "seconds for a check of 2,000 foreign sections" "$check2000" 0.5

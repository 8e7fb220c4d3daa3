#!/usr/bin/env bash
# Scale (a benchmark, not a test): N environments on one lab swarm, one ingress worker each
# (`lab/lab up --workers N`), from generated stack configs (the lab's three plus e04..eNN on
# the extra workers, collection /scale). For each N, from UCP's initial state, two shapes:
#   per environment (how the README runs them): a stack holding environments 2..N is up, then
#     the stack of one more environment (dev) is timed: its `up` as a new stack, with the peak
#     memory of its processes; its no-change `pulumi preview` and `npm run drift` (median of 3);
#   one stack of all N environments: the same measures.
# The Docker API calls of each are counted by bench/countCalls.js. Prints a markdown table per
# shape, then the goals of issue 27 (up and preview at the largest N against the smallest) and
# 13 (drift) with their verdicts, for each shape.
# Usage: bash bench/scale.sh [N...]   (default: 3 9 27; leaves the lab at 3 workers, baseline)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
bash scripts/setup.sh >/dev/null 2>&1
# shellcheck source=scripts/env.sh
source scripts/env.sh 2>/dev/null
export PULUMI_CONFIG_PASSPHRASE=bench
sizes=("$@")
((${#sizes[@]})) || sizes=(3 9 27)

# shellcheck source=bench/lib.sh
source bench/lib.sh
cleanup() {
  stop_rss_sampler
  stop_count_proxy
  rm -f Pulumi.bench-*.yaml
  bash lab/lab up --workers 3 >/dev/null 2>&1 && bash lab/lab baseline >/dev/null 2>&1
}
trap cleanup EXIT

# The stack config of environments $2.. (indices 1..N: dev, test, prod, e04..eNN), each on its
# own worker; $1 is the Docker host.
stack_config() {
  local host=$1 i env collection
  shift
  printf 'config:\n  interlock-ingress:docker:\n    host: unix://%s\n' "$host"
  printf '  interlock-ingress:interlock:\n    verifyTimeoutSeconds: 900\n'
  printf '  interlock-ingress:environments:\n'
  for i in "$@"; do
    case $i in 1) env=dev collection=/dev ;; 2) env=test collection=/test ;; 3) env=prod collection=/prod ;;
      *) env=$(printf 'e%02d' "$i") collection=/scale ;; esac
    printf '    %s:\n      collection: %s\n' "$env" "$collection"
    printf '      ingressNodes: [ip-10-213-0-%d.us-west-2.compute.internal]\n' $((10 + i))
    printf '      publishMode: host\n      publishedPort: %d\n      publishedSSLPort: %d\n      proxyReplicas: 1\n' \
      $((8100 + i)) $((8500 + i))
  done
}

# One row: `up` of stack $1 as a new stack (with peak memory), then its no-change preview and
# drift; the figures are also left in ROW_UP, ROW_PREVIEW and ROW_DRIFT.
measure() {
  local stack=$1 n=$2 up up_mem up_calls preview preview_calls drift drift_calls
  pulumi stack init "$stack" >/dev/null 2>&1
  : >"$CALLS"
  start_rss_sampler
  up=$(secs pulumi up --stack "$stack" --yes)
  stop_rss_sampler
  up_mem=$(rss_peaks)
  up_calls=$(counted 1)
  preview=$(for _ in 1 2 3; do secs pulumi preview --stack "$stack" --expect-no-changes; done | median)
  preview_calls=$(counted 3)
  drift=$(for _ in 1 2 3; do secs node build/prebuilt.js scripts/drift --stack "$stack"; done | median)
  drift_calls=$(counted 3)
  printf '| %d | %.1f s (%s) | %s | %.1f s (%s) | %.1f s (%s) |\n' "$n" "$up" "$up_calls" \
    "$up_mem" "$preview" "$preview_calls" "$drift" "$drift_calls"
  ROW_UP=$up ROW_PREVIEW=$preview ROW_DRIFT=$drift
}

header='| environments (workers) | pulumi up, new stack | peak RSS during that up | no-change preview (median of 3) | no-change drift (median of 3) |\n|---|---|---|---|---|\n'
per_env="" whole=""
declare -A first last
for n in "${sizes[@]}"; do
  secs bash lab/lab up --workers "$n" >/dev/null
  secs bash lab/lab baseline >/dev/null
  start_count_proxy
  export PULUMI_BACKEND_URL="file://$(mktemp -d)"
  # Per environment: the other environments' stack first, untimed.
  stack_config "$PROXY" $(seq 2 "$n") >Pulumi.bench-others.yaml
  pulumi stack init bench-others >/dev/null 2>&1
  secs pulumi up --stack bench-others --yes >/dev/null
  stack_config "$PROXY" 1 >Pulumi.bench-env.yaml
  measure bench-env "$n" >"$BENCH_LOG.row"
  per_env+=$(cat "$BENCH_LOG.row")$'\n'
  for k in UP PREVIEW DRIFT; do v="ROW_$k"; first[env$k]=${first[env$k]:-${!v}} last[env$k]=${!v}; done
  pulumi destroy --stack bench-env --yes >/dev/null 2>&1
  pulumi destroy --stack bench-others --yes >/dev/null 2>&1
  # One stack of all N, from UCP's initial state again: the tasks of the stacks just destroyed
  # would otherwise still be stopping while its services start.
  secs bash lab/lab baseline >/dev/null
  stack_config "$PROXY" $(seq 1 "$n") >Pulumi.bench-all.yaml
  measure bench-all "$n" >"$BENCH_LOG.row"
  whole+=$(cat "$BENCH_LOG.row")$'\n'
  for k in UP PREVIEW DRIFT; do v="ROW_$k"; first[all$k]=${first[all$k]:-${!v}} last[all$k]=${!v}; done
  pulumi destroy --stack bench-all --yes >/dev/null 2>&1
  stop_count_proxy
done
echo "Per environment: one environment's stack on a cluster of N environments"
printf "$header%s\n" "$per_env"
echo "One stack of all N environments"
printf "$header%s\n" "$whole"
goal() {
  local ratio verdict="met"
  ratio=$(echo "scale=2; $2 / $3" | bc)
  (($(echo "$ratio <= $4" | bc))) || verdict="NOT met"
  printf '%s of %d environments / of %d: %s (goal <= %s): %s\n' "$1" "${sizes[-1]}" "${sizes[0]}" "$ratio" "$4" "$verdict"
}
for shape in env all; do
  [[ $shape == env ]] && echo "per environment:" || echo "one stack of all:"
  goal "  up of a new stack" "${last[${shape}UP]}" "${first[${shape}UP]}" 1.5
  goal "  no-change preview" "${last[${shape}PREVIEW]}" "${first[${shape}PREVIEW]}" 1.3
  goal "  no-change drift" "${last[${shape}DRIFT]}" "${first[${shape}DRIFT]}" 2
done

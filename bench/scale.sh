#!/usr/bin/env bash
# Scale (a benchmark, not a test): N environments on one lab swarm, one ingress worker each
# (`lab/lab up --workers N`), from a generated stack config (the lab's three plus e04..eNN on
# the extra workers, collection /scale). For each N, from UCP's initial state: `pulumi up` of a
# new stack, with the peak memory of its processes; a no-change `pulumi preview` and `npm run
# drift` (median of 3); and the Docker API calls of each, counted by bench/countCalls.js. Prints
# a markdown table, then the goals of issue 27 (up and preview at the largest N against the
# smallest) and 13 (drift) with their verdicts.
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
  rm -f Pulumi.bench.yaml
  bash lab/lab up --workers 3 >/dev/null 2>&1 && bash lab/lab baseline >/dev/null 2>&1
}
trap cleanup EXIT

stack_config() {
  local n=$1 i env collection
  printf 'config:\n  interlock-ingress:docker:\n    host: unix://%s\n' "$PROXY"
  printf '  interlock-ingress:interlock:\n    verifyTimeoutSeconds: 900\n'
  printf '  interlock-ingress:environments:\n'
  for i in $(seq 1 "$n"); do
    case $i in 1) env=dev collection=/dev ;; 2) env=test collection=/test ;; 3) env=prod collection=/prod ;;
      *) env=$(printf 'e%02d' "$i") collection=/scale ;; esac
    printf '    %s:\n      collection: %s\n' "$env" "$collection"
    printf '      ingressNodes: [ip-10-213-0-%d.us-west-2.compute.internal]\n' $((10 + i))
    printf '      publishMode: host\n      publishedPort: %d\n      publishedSSLPort: %d\n      proxyReplicas: 1\n' \
      $((8100 + i)) $((8500 + i))
  done
}

printf '| environments (workers) | pulumi up, new stack | peak RSS during that up | no-change preview (median of 3) | no-change drift (median of 3) |\n|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  secs bash lab/lab up --workers "$n" >/dev/null
  secs bash lab/lab baseline >/dev/null
  start_count_proxy
  stack_config "$n" >Pulumi.bench.yaml
  export PULUMI_BACKEND_URL="file://$(mktemp -d)"
  pulumi stack init bench >/dev/null 2>&1
  : >"$CALLS"
  start_rss_sampler
  up=$(secs pulumi up --stack bench --yes)
  stop_rss_sampler
  up_mem=$(rss_peaks)
  up_calls=$(counted 1)
  preview=$(for _ in 1 2 3; do secs pulumi preview --stack bench --expect-no-changes; done | median)
  preview_calls=$(counted 3)
  drift=$(for _ in 1 2 3; do secs node build/prebuilt.js scripts/drift --stack bench; done | median)
  drift_calls=$(counted 3)
  pulumi destroy --stack bench --yes >/dev/null 2>&1
  stop_count_proxy
  printf '| %d | %.1f s (%s) | %s | %.1f s (%s) | %.1f s (%s) |\n' "$n" "$up" "$up_calls" \
    "$up_mem" "$preview" "$preview_calls" "$drift" "$drift_calls"
  first_up=${first_up:-$up} first_preview=${first_preview:-$preview} first_drift=${first_drift:-$drift}
  last_up=$up last_preview=$preview last_drift=$drift
done
goal() {
  local ratio verdict="met"
  ratio=$(echo "scale=2; $2 / $3" | bc)
  (($(echo "$ratio <= $4" | bc))) || verdict="NOT met"
  printf '%s of %d environments / of %d: %s (goal <= %s): %s\n' "$1" "${sizes[-1]}" "${sizes[0]}" "$ratio" "$4" "$verdict"
}
echo
goal "up of a new stack" "$last_up" "$first_up" 1.5
goal "no-change preview" "$last_preview" "$first_preview" 1.3
goal "no-change drift" "$last_drift" "$first_drift" 2

#!/usr/bin/env bash
# Everything the two README commands need on a fresh Debian 12 machine, each step skipped
# when already done: Debian packages, node modules, the program's build, the Pulumi CLI build,
# moto for the AWS stand-in, the lab swarm (with --without-lab: only what it needs from Debian).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

log() { echo "setup: $*" >&2; }

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v iptables >/dev/null || need+=(iptables)
command -v ip >/dev/null || need+=(iproute2)
[[ -x /bin/busybox ]] || need+=(busybox-static)
command -v node >/dev/null || need+=(nodejs npm)
command -v go >/dev/null || need+=(golang-go)
# moto (the AWS stand-in's API, scripts/moto.sh) goes into a venv.
python3 -c "import ensurepip" 2>/dev/null || need+=(python3 python3-venv)
if ((${#need[@]})); then
  log "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [[ ! -d node_modules/@pulumi/pulumi || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing node modules (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

# The program and scripts as JavaScript (build/prebuilt.js); skipped when the sources are unchanged.
node build/build.js --if-stale
bash scripts/engine.sh >/dev/null
bash scripts/moto.sh >/dev/null
if [[ "${1:-}" == --without-lab ]]; then
  # What lab/isolated cannot fetch from inside its namespace; it starts labs of its own.
  bash lab/lab prepare
  log "ready: Pulumi CLI in $(bash scripts/engine.sh); the lab not started"
else
  bash lab/lab up >/dev/null
  log "ready: lab up, Pulumi CLI in $(bash scripts/engine.sh)"
fi

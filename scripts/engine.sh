#!/usr/bin/env bash
# Builds the real Pulumi CLI from the Go module proxy into a cache outside the
# repository, because no release download site is reachable here. Reused when present.
# Prints the bin directory on stdout.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.248.0}"
CACHE="${INTERLOCK_CACHE:-/var/cache/interlock-ingress}"
BIN="$CACHE/pulumi/$PULUMI_VERSION/bin"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "engine: $*" >&2; }

if [[ ! -x "$BIN/pulumi" ]]; then
  command -v go >/dev/null || { log "Go >= 1.25 is required to build the Pulumi CLI"; exit 1; }
  work="$CACHE/pulumi/build-$PULUMI_VERSION"
  mkdir -p "$work" "$BIN"
  cat >"$work/go.mod" <<MOD
module local/pulumi-build

go 1.25.11

require github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  cat >"$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  log "building pulumi $PULUMI_VERSION from the Go module proxy (first run only, several minutes)"
  (
    cd "$work"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod
    go mod tidy >&2
    go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  )
fi

# The dynamic-provider plugin: the engine looks for it next to the CLI. @pulumi/pulumi ships it
# as a shell script (whose exec bit npm does not keep); the project's own starts it without the
# SDK's runtime index (build/dynamicProvider.js), and otherwise does as the SDK's does.
plugin="$REPO/build/pulumi-resource-pulumi-nodejs"
if [[ -f "$plugin" ]] && ! cmp -s "$plugin" "$BIN/pulumi-resource-pulumi-nodejs"; then
  install -m 0755 "$plugin" "$BIN/pulumi-resource-pulumi-nodejs"
fi

# The Node.js language host the CLI starts for `pulumi preview/up/...`: the official one is not
# served by the module proxy, so this project's offline stand-in (scripts/language-host) is
# built beside the CLI, again whenever its source changes.
host_src="$REPO/scripts/language-host"
host_sum="$(cat "$host_src"/go.mod "$host_src"/go.sum "$host_src"/*.go | sha256sum | cut -c1-16)"
if [[ "$(cat "$BIN/pulumi-language-nodejs.sum" 2>/dev/null)" != "$host_sum" ]]; then
  log "building the offline pulumi-language-nodejs"
  (
    cd "$host_src"
    CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath \
      -ldflags "-s -w -X main.version=${PULUMI_VERSION#v}" -o "$BIN/pulumi-language-nodejs.tmp" . >&2
  )
  mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
  echo "$host_sum" >"$BIN/pulumi-language-nodejs.sum"
fi

echo "$BIN"

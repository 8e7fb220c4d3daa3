#!/usr/bin/env bash
# moto's server (PyPI moto[server]), the local AWS API of the AWS stand-in (test/standin), in a
# venv under the machine's cache; prints the venv's bin directory. Reused when present (one
# stat); the first install takes about 40 s. Needs Python 3 with venv (Debian: python3-venv).
set -euo pipefail
MOTO_VERSION=5.2.5
VENV="${INTERLOCK_CACHE:-/var/cache/interlock-ingress}/moto-$MOTO_VERSION"
if [[ ! -x "$VENV/bin/moto_server" || ! -f "$VENV/.complete" ]]; then
  echo "moto.sh: installing moto[server]==$MOTO_VERSION into $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv "$VENV" >&2; then
    echo "moto.sh: python3 -m venv failed; on Debian install python3-venv" >&2
    exit 1
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin"

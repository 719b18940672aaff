#!/usr/bin/env bash
# Installs the Debian packages the tests need and the machine image lacks (strace, for the
# Action's tests that record every program its steps run). Does nothing when present.
set -euo pipefail
need=()
command -v strace >/dev/null 2>&1 || need+=(strace)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "[test-tools] missing ${need[*]} and this user cannot run apt-get; run: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
echo "[test-tools] installing ${need[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "${need[@]}" >&2; then
  $sudo apt-get update >&2
  $sudo apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

#!/usr/bin/env bash
# Installs the Debian packages the tests need and the machine image lacks. Does nothing when
# present.
#   strace    the Action's tests record every program its steps run
#   chromium  internal/browsertest loads pages in headless Chromium (/usr/bin/chromium);
#             its dependencies bring fonts (fontconfig needs one, fonts-dejavu-core here)
set -euo pipefail
need=()
command -v strace >/dev/null 2>&1 || need+=(strace)
[ -x /usr/bin/chromium ] || need+=(chromium)
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

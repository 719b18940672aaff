#!/usr/bin/env bash
# Runs Debian's docker-registry (the CNCF distribution registry) on loopback for tests and
# benchmarks, with its own configuration: plain HTTP on 127.0.0.1, no authentication,
# filesystem storage in a directory of your choice, deletes enabled. The packaged
# configuration (all interfaces, htpasswd) is never used.
#
#   hack/registry.sh install            install the docker-registry package if missing
#   hack/registry.sh start DIR [PORT]   install if missing, start on 127.0.0.1:PORT (default 5000)
#                                       with storage and logs under DIR; prints 127.0.0.1:PORT;
#                                       DIR/extra.yml, if present, is appended to the configuration
#                                       (e.g. a notifications: block)
#   hack/registry.sh stop DIR           stop the registry started with DIR (by its recorded pid)
#
# The registry started here runs until `stop`; its pid is in DIR/registry.pid and its log
# in DIR/registry.log.
set -euo pipefail

log() { printf '[registry] %s\n' "$*" >&2; }

bin() { command -v docker-registry 2>/dev/null || { [ -x /usr/bin/docker-registry ] && echo /usr/bin/docker-registry; }; }

install() {
  if [ -n "$(bin)" ]; then return 0; fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
      log "docker-registry is not installed and this user cannot run apt-get; run: apt-get install -y docker-registry"
      exit 1
    fi
  fi
  log "installing docker-registry with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # Try without refreshing the package lists first; refresh once if that fails.
  if ! $sudo apt-get install -y --no-install-recommends docker-registry >&2; then
    $sudo apt-get update >&2
    $sudo apt-get install -y --no-install-recommends docker-registry >&2
  fi
  if [ -z "$(bin)" ]; then log "docker-registry still missing after apt-get install"; exit 1; fi
}

start() {
  local dir=${1:?usage: registry.sh start DIR [PORT]} port=${2:-5000}
  install
  mkdir -p "$dir/storage"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/registry.pid" ] && kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
    log "already running (pid $(cat "$dir/registry.pid"))"
    echo "127.0.0.1:$port"
    return 0
  fi
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  if [ -f "$dir/extra.yml" ]; then cat "$dir/extra.yml" >>"$dir/config.yml"; fi
  # setsid: the registry gets its own session so the caller's job control does not stop it.
  setsid "$(bin)" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
      log "docker-registry exited; its log:"
      cat "$dir/registry.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  log "docker-registry did not listen on 127.0.0.1:$port within 10s; its log:"
  cat "$dir/registry.log" >&2
  exit 1
}

stop() {
  local dir=${1:?usage: registry.sh stop DIR}
  [ -f "$dir/registry.pid" ] || return 0
  local pid
  pid=$(cat "$dir/registry.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/registry.pid"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Installs Debian's redis-server when it is missing: the multi-instance signaling tests run two servers
# sharing rooms through a real Redis (socket.io's Redis adapter), started by the tests themselves.
set -euo pipefail
if command -v "${REDIS_SERVER:-redis-server}" >/dev/null; then
  exit 0
fi
echo "ensure-redis: redis-server is missing; installing Debian's redis-server" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "ensure-redis: not root and no sudo; install the 'redis-server' package by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends redis-server
# The package's own service is not needed: the tests start throwaway servers on free ports.
(command -v systemctl >/dev/null && $SUDO systemctl disable --now redis-server >/dev/null 2>&1) || true
redis-server --version

#!/usr/bin/env bash
# Usage: ensure-debian-package.sh COMMAND PACKAGE
# Installs Debian's PACKAGE when COMMAND (a name on PATH or an absolute path) is missing. The tests
# need Debian's chromium (Playwright cannot download a browser of its own here) and redis-server (the
# multi-instance signaling tests start throwaway Redis servers themselves).
set -euo pipefail
COMMAND="$1"
PACKAGE="$2"
if command -v "$COMMAND" >/dev/null; then
  exit 0
fi
echo "ensure-debian-package: $COMMAND is missing; installing Debian's $PACKAGE" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "ensure-debian-package: not root and no sudo; install the '$PACKAGE' package by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q "$PACKAGE"
command -v "$COMMAND" >/dev/null

#!/usr/bin/env bash
# Debian's redis-server for the multi-instance signaling tests (they start their own servers).
exec bash "$(dirname "$0")/ensure-debian-package.sh" "${REDIS_SERVER:-redis-server}" redis-server

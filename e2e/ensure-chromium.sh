#!/usr/bin/env bash
# Debian's Chromium for the e2e tests and browser benchmarks.
exec bash "$(dirname "$0")/ensure-debian-package.sh" "${CHROMIUM_PATH:-/usr/bin/chromium}" chromium

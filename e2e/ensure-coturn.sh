#!/usr/bin/env bash
# Debian's coturn for the TURN test (e2e/turn.spec.ts starts its own turnserver on loopback).
exec bash "$(dirname "$0")/ensure-debian-package.sh" turnserver coturn

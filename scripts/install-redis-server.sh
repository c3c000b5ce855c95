#!/usr/bin/env bash
# Installs Debian's redis-server where it is missing, for the tests that start a private Redis
# (tests/services.py). Nothing is started or enabled here: the tests run their own instance on a free
# loopback port. Needs root (or sudo) only when the package is missing.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends redis-server
# Debian's package may start a system-wide server; the tests never use it.
command -v redis-server >/dev/null

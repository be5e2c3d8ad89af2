#!/usr/bin/env bash
# Install Debian packages that optional targets need, if they are missing.
#
#   scripts/install-tools.sh valgrind [...]
#
# Uses apt-get (through sudo when not root). Nothing is installed when the
# command is already on PATH.
set -euo pipefail
missing=()
for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -gt 0 ] || exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "install-tools: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"

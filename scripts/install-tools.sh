#!/usr/bin/env bash
# Install the Debian packages that optional targets need, if they are missing:
# the one place the project calls apt-get.
#
#   scripts/install-tools.sh COMMAND ...          packages named as the commands
#   scripts/install-tools.sh --packages PKG ...   packages, checked with dpkg
#
# Nothing is installed when everything is present. Installing needs root:
# as another user this prints the apt-get command to run and fails (make
# never calls sudo).
set -euo pipefail
missing=()
if [ "${1:-}" = --packages ]; then
    shift
    for p in "$@"; do
        dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
else
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
fi
[ ${#missing[@]} -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-tools: missing Debian packages: ${missing[*]}" >&2
    echo "install-tools: as root, run: apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "install-tools: installing ${missing[*]}" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

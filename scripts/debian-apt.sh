# shellcheck shell=bash
# apt on a private state: its own sources list, package lists and download
# cache under one directory, so that the machine's apt configuration is
# never read nor written and nothing is installed. Sourced by
# scripts/python-sid.sh (sid's binary packages) and scripts/python-musl.sh
# (Debian's source packages of CPython).
#
#   private_apt DIR ARCH "deb|deb-src SUITE" ...
#       sets APT_OPTS for `apt-get "${APT_OPTS[@]}" ...`, and fetches the
#       lists unless they are younger than a day. Every line is one source of
#       ${RSELECT_DEBIAN_MIRROR:-http://deb.debian.org/debian}, component
#       main, checked against Debian's archive keyring.
private_apt() {
    local d=$1 arch=$2 line type suite mirror=${RSELECT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    shift 2
    mkdir -p "$d"/etc/sources.list.d "$d"/etc/preferences.d "$d"/etc/apt.conf.d \
        "$d"/lists/partial "$d"/archives/partial
    for line in "$@"; do
        read -r type suite <<<"$line"
        echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
    done > "$d/etc/sources.list"
    APT_OPTS=(-o "Dir::Etc=$d/etc" -o "Dir::Etc::Parts=$d/etc/apt.conf.d"
              -o "Dir::State=$d" -o "Dir::State::Lists=$d/lists"
              -o "Dir::Cache=$d" -o "Dir::Cache::Archives=$d/archives"
              -o "Dir::State::status=/dev/null" -o "Debug::NoLocking=1"
              -o "APT::Architecture=$arch" -o "Acquire::Languages=none" -o "APT::Sandbox::User=root"
              -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
              -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
              -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false")
    # Lists younger than a day are reused, when the sources are the same.
    if ! cmp -s "$d/etc/sources.list" "$d/.sources-fetched" ||
        [ -z "$(find "$d/.sources-fetched" -mmin -1440)" ]; then
        echo "debian-apt: fetching the package lists of: $*" >&2
        apt-get "${APT_OPTS[@]}" -qq update >&2
        cp "$d/etc/sources.list" "$d/.sources-fetched"
    fi
}

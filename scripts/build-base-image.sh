#!/usr/bin/env bash
# Build the local Debian bookworm base image `reward-service-base:bookworm` without a registry.
#
# debootstrap (minbase) from the Debian mirror this machine's apt already uses, then
# `docker import`. The Dockerfiles default to official images (python:3.11-slim-bookworm)
# for anyone who can pull; here scripts pass --build-arg BASE_IMAGE=reward-service-base:bookworm.
#
#   scripts/build-base-image.sh            # skip when the image exists
#   scripts/build-base-image.sh --force    # rebuild
#   scripts/build-base-image.sh --print-mirror   # show the mirrors it would use, build nothing
# Env: BASE_IMAGE (tag), DEBIAN_SUITE (bookworm), DEBIAN_MIRROR (override the detected mirror),
#      APT_ETC (/etc/apt: where the sources are read).
set -euo pipefail

image=${BASE_IMAGE:-reward-service-base:bookworm}
suite=${DEBIAN_SUITE:-bookworm}
apt_etc=${APT_ETC:-/etc/apt}
force=0
print_mirror=0
for arg in "$@"; do
    case $arg in
        --force) force=1 ;;
        --print-mirror) print_mirror=1 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "build-base-image: unknown argument $arg" >&2; exit 2 ;;
    esac
done

# The mirror (and security mirror) this machine's apt uses, from one-line sources.list
# files and deb822 *.sources files alike. Prints "main URI" and "security URI" lines.
apt_mirrors() {
    local files=()
    [ -f "$apt_etc/sources.list" ] && files+=("$apt_etc/sources.list")
    for f in "$apt_etc"/sources.list.d/*.list "$apt_etc"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    awk -v suite="$suite" '
        function emit(uri, suites,   n, i, s) {
            n = split(suites, s, /[ \t]+/)
            for (i = 1; i <= n; i++) {
                if (s[i] == suite && !main) { print "main " uri; main = 1 }
                if (s[i] == suite "-security" && !sec) { print "security " uri; sec = 1 }
            }
        }
        function flush() {
            if (types ~ /(^|[ \t])deb($|[ \t])/ && uris != "") emit(uris, suites)
            uris = ""; suites = ""; types = ""
        }
        FNR == 1 { flush() }
        /^[ \t]*#/ { next }
        # one-line format: deb [options] URI suite components...
        /^[ \t]*deb[ \t]/ {
            line = $0; sub(/\[[^]]*\]/, "", line); split(line, f, /[ \t]+/)
            i = (f[1] == "" ? 2 : 1); emit(f[i + 1], f[i + 2]); next
        }
        # deb822 format: stanzas separated by blank lines
        /^Types:/ { types = $0 }
        /^URIs:/ { uris = $2 }
        /^Suites:/ { suites = $0; sub(/^Suites:[ \t]*/, "", suites) }
        /^[ \t]*$/ { flush() }
        END { flush() }
    ' "${files[@]}"
}

mirrors=$(apt_mirrors)
mirror=${DEBIAN_MIRROR:-$(awk '$1 == "main" { print $2; exit }' <<<"$mirrors")}
security=$(awk '$1 == "security" { print $2; exit }' <<<"$mirrors")
if [ -z "$mirror" ]; then
    echo "build-base-image: no '$suite' mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR" >&2
    exit 1
fi
if [ "$print_mirror" -eq 1 ]; then
    echo "main $mirror"
    if [ -n "$security" ]; then echo "security $security"; fi
    exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
"$here/docker-up.sh" >/dev/null

if [ "$force" -eq 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
    echo "build-base-image: $image exists (use --force to rebuild)"
    exit 0
fi

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v debootstrap >/dev/null 2>&1 || [ ! -e /usr/share/keyrings/debian-archive-keyring.gpg ]; then
    export DEBIAN_FRONTEND=noninteractive
    sudo_ apt-get update -qq
    sudo_ apt-get install -y -qq --no-install-recommends debootstrap debian-archive-keyring >/dev/null
fi

echo "build-base-image: debootstrap $suite from $mirror" >&2

root=$(mktemp -d /var/tmp/rs-base.XXXXXX)
cleanup() { sudo_ rm -rf "$root"; }
trap cleanup EXIT

start=$(date +%s)
sudo_ debootstrap --variant=minbase --components=main \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

# apt inside the image uses the same mirrors as this machine.
{
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    if [ -n "$security" ]; then echo "deb $security $suite-security main"; fi
} | sudo_ tee "$root/etc/apt/sources.list" >/dev/null
# Keep the image small and apt quiet, like the official slim images do.
sudo_ rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    | sudo_ tee "$root/etc/apt/apt.conf.d/90-reward-service" >/dev/null

sudo_ tar --numeric-owner -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap --variant=minbase $suite $mirror" \
    - "$image" >/dev/null
echo "build-base-image: $image built in $(( $(date +%s) - start ))s"

#!/usr/bin/env bash
# Make a Docker engine available on this machine; safe to run twice.
#
# Installs Debian's docker.io and docker-compose (v1.29) when they are missing, starts
# dockerd in the background when `docker info` does not answer (no systemd needed: CI
# containers and fresh VMs often have none), waits for it, and prints the versions.
#
#   scripts/docker-up.sh            # install if needed, start if needed
#   DOCKERD_LOG=/tmp/dockerd.log scripts/docker-up.sh
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/dockerd.log}
wait_s=${DOCKERD_WAIT_S:-60}

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
    echo "docker-up: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    sudo_ apt-get update -qq
    sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        sudo_ systemctl start docker || true
    fi
fi
if ! docker info >/dev/null 2>&1; then
    echo "docker-up: starting dockerd in the background (log: $log)" >&2
    sudo_ mkdir -p "$(dirname "$log")"
    # setsid: dockerd must outlive this script and the shell that ran it.
    sudo_ setsid dockerd >>"$log" 2>&1 </dev/null &
    for _ in $(seq "$wait_s"); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
fi
if ! docker info >/dev/null 2>&1; then
    echo "docker-up: dockerd did not answer within ${wait_s}s; last lines of $log:" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
fi

docker version --format 'docker engine {{.Server.Version}} (client {{.Client.Version}})'
if command -v docker-compose >/dev/null 2>&1; then
    echo "docker-compose $(docker-compose version --short)"
elif docker compose version >/dev/null 2>&1; then
    echo "docker compose $(docker compose version --short)"
fi

#!/usr/bin/env bash
# Stand-ins for the third-party images of docker-compose.yml, for machines without a registry.
#
# Builds, from the local Debian base (scripts/build-base-image.sh), images with Debian's
# own packages that behave like the official ones as compose uses them:
#   reward-service-local/redis:bookworm       Debian redis-server (redis-cli for the healthcheck)
#   reward-service-local/prometheus:bookworm  Debian prometheus (wget for the healthcheck)
# Grafana is not packaged by Debian, so there is no grafana stand-in: bring up the other
# services by name (see deploy/README.md). Prints the variables that select these images:
#   eval "$(deploy/local-images.sh)"
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
base=${BASE_IMAGE:-reward-service-base:bookworm}
force=0
[ "${1:-}" = "--force" ] && force=1

"$here/../scripts/build-base-image.sh" >&2

build() {  # build TAG < Dockerfile
    local tag=$1
    if [ "$force" -eq 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
        echo "local-images: $tag exists" >&2
        cat >/dev/null
        return
    fi
    echo "local-images: building $tag" >&2
    docker build -q --build-arg "BASE_IMAGE=$base" -t "$tag" - >&2
}

build reward-service-local/redis:bookworm <<'DOCKERFILE'
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
DOCKERFILE

build reward-service-local/prometheus:bookworm <<'DOCKERFILE'
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown prometheus:prometheus /prometheus
USER prometheus
WORKDIR /prometheus
EXPOSE 9090
# The official image's layout: /bin/prometheus, config under /etc/prometheus.
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
DOCKERFILE

echo "export REDIS_IMAGE=reward-service-local/redis:bookworm"
echo "export PROMETHEUS_IMAGE=reward-service-local/prometheus:bookworm"
echo "export BASE_IMAGE=$base"

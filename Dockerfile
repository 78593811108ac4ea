# The service image: the HTTP API (`reward-service serve`) and the queue worker
# (`reward-service worker`) from one image. Candidates never run here: in compose the
# worker starts hardened sandbox containers (sandbox_images/python) on the Docker engine.
#
#   docker build -t reward-service:latest .
#   docker build --build-arg BASE_IMAGE=reward-service-base:bookworm -t reward-service:latest .
#
# Behind a TLS-intercepting proxy, pass its CA so pip can reach PyPI (build stage only):
#   --build-arg EXTRA_CA_PEM="$(cat /usr/local/share/ca-certificates/*.crt)"
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------- build: a virtualenv
FROM ${BASE_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# The official image has python3 with venv; the debootstrap base has no python at all.
RUN if ! python3 -c "import ensurepip, venv" 2>/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
 && python3 -m venv /opt/venv
ARG EXTRA_CA_PEM=""
RUN if [ -n "$EXTRA_CA_PEM" ]; then \
        printf '%s\n' "$EXTRA_CA_PEM" > /tmp/extra-ca.pem \
        && cat /etc/ssl/certs/ca-certificates.crt /tmp/extra-ca.pem > /tmp/ca-bundle.pem; \
    fi
WORKDIR /src
# Dependencies first (cached while only the code changes), then the package itself.
COPY pyproject.toml README.md* ./
RUN if [ -f /tmp/ca-bundle.pem ]; then export PIP_CERT=/tmp/ca-bundle.pem; fi \
 && /opt/venv/bin/python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(d['project']['dependencies']))" > /tmp/requirements.txt \
 && /opt/venv/bin/pip install -q -r /tmp/requirements.txt
COPY reward_service ./reward_service
RUN if [ -f /tmp/ca-bundle.pem ]; then export PIP_CERT=/tmp/ca-bundle.pem; fi \
 && /opt/venv/bin/pip install -q --no-deps . \
 && /opt/venv/bin/reward-service --help >/dev/null

# ---------------------------------------------------------------- service
FROM ${BASE_IMAGE} AS service
ENV DEBIAN_FRONTEND=noninteractive
RUN if ! command -v python3 >/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends python3 \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
 && useradd --uid 10000 --user-group --create-home --home-dir /home/reward --shell /usr/sbin/nologin reward
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REWARD_DATA_DIR=/home/reward/data
USER 10000:10000
WORKDIR /home/reward
EXPOSE 8000
ENTRYPOINT ["reward-service"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

#!/usr/bin/env bash
# Install everything reward-service needs on Debian/Ubuntu: system packages, then the
# package itself (editable, with dev tools). Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
# python3-sortedcontainers: LeetCode problems import it in their setup code (sandbox interpreter)
# qemu-user: the qemu meter (QEMU user mode + the counting plugin, built at first use)
for pkg in bubblewrap valgrind qemu-user python3 python3-dev python3-sortedcontainers gcc redis-server util-linux; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing system packages: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "reward-service needs Python >= 3.11 (set PYTHON=...)" >&2
    exit 1
fi
"$PY" -m pip install -q --disable-pip-version-check -e '.[dev]'

# The TRL integration test trains a tiny model with TRL on CPU. torch is large: installed
# once (skipped when importable), CPU-only where a CPU wheel is at hand (pip's find-links),
# and skippable only on purpose with REWARD_SKIP_TORCH=1 (the TRL test is then skipped too).
if [ "${REWARD_SKIP_TORCH:-0}" != 1 ]; then
    if ! "$PY" -c 'import torch, trl, accelerate' >/dev/null 2>&1; then
        "$PY" -c 'import torch' >/dev/null 2>&1 \
            || "$PY" -m pip install -q --disable-pip-version-check --no-index torch 2>/dev/null \
            || "$PY" -m pip install -q --disable-pip-version-check torch
        "$PY" -m pip install -q --disable-pip-version-check -e '.[trl]'
    fi
fi

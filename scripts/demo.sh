#!/usr/bin/env bash
# Set up, then score the bundled sample batch (real MBPP+ problems, real model solutions)
# on the embedded defaults: no Redis, no Docker. Prints one line of rewards per group.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec "${PYTHON:-python3}" -m reward_service.cli score --sample --out results.jsonl "$@"

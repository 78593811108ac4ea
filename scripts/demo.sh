#!/usr/bin/env bash
# Set up, then start the service on its embedded defaults (no Redis, no Docker: an
# in-process queue and local workers), POST the bundled sample batch (real MBPP+ problems,
# real model solutions) and print one line of rewards per group.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec "${PYTHON:-python3}" -m reward_service.cli demo "$@"

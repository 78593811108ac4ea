#!/usr/bin/env bash
# Set up, then run the whole test suite: ruff, mypy (strict) on the package, pytest.
# The tests start their own Redis and uvicorn servers; Docker tests start dockerd when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
PY="${PYTHON:-python3}"
if [ "${REWARD_SKIP_DOCKER:-0}" != 1 ]; then
    bash scripts/docker-up.sh || echo "warning: Docker could not be started; docker tests will fail" >&2
fi
echo "== ruff"
"$PY" -m ruff check reward_service tests bench
echo "== mypy --strict reward_service"
"$PY" -m mypy reward_service
echo "== pytest"
"$PY" -m pytest -q "$@"

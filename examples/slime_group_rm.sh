#!/usr/bin/env bash
# slime with the service as a group reward: each sample's label is a problem id (or an
# inline problem as JSON); the whole group is scored in one request.
set -euo pipefail
python examples/prepare_data.py data   # data/mbpp_rs.jsonl: prompt (chat) and problem_id
export REWARD_SERVICE_URL=${REWARD_SERVICE_URL:-http://localhost:8000}
python train.py \
    --hf-checkpoint Qwen/Qwen2.5-Coder-1.5B-Instruct \
    --prompt-data data/mbpp_rs.jsonl --input-key prompt --label-key problem_id \
    --n-samples-per-prompt 16 \
    --custom-rm-path reward_service.integrations.slime.group_rm --group-rm

#!/usr/bin/env bash
# OpenRLHF (0.11) with the service as its remote reward: labels are problem ids (or inline
# problems as JSON); n must equal --rollout.n_samples_per_prompt; add &token=... when the
# service requires tokens (OpenRLHF sends no header).
set -euo pipefail
python examples/prepare_data.py data   # data/mbpp_rs.jsonl: prompt (chat) and problem_id
URL=${REWARD_SERVICE_URL:-http://localhost:8000}
N=16
python -m openrlhf.cli.train_ppo_ray \
    --pretrain Qwen/Qwen2.5-Coder-1.5B-Instruct \
    --prompt_data data/mbpp_rs.jsonl --input_key prompt --label_key problem_id --apply_chat_template \
    --rollout.n_samples_per_prompt "$N" \
    --reward.remote_url "$URL/v1/compat/openrlhf?n=$N&run=${RUN_ID:-$(date +%s)}" \
    --advantage_estimator group_norm

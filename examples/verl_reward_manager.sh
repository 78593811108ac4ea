#!/usr/bin/env bash
# verl (0.9) PPO/GRPO with the service as a group-aware reward manager. The parquet's
# reward_model.ground_truth holds each row's problem id (or an inline problem as JSON):
# examples/prepare_data.py writes one from the bundled sample problems.
set -euo pipefail
URL=${REWARD_SERVICE_URL:-http://localhost:8000}
MANAGER=$(python -c 'import reward_service.integrations.verl as m; print(m.__file__)')
python examples/prepare_data.py data
python -m verl.trainer.main_ppo \
    algorithm.adv_estimator=grpo \
    data.train_files=data/mbpp_rs.parquet data.val_files=data/mbpp_rs.parquet \
    data.train_batch_size=64 \
    actor_rollout_ref.model.path=Qwen/Qwen2.5-Coder-1.5B-Instruct \
    actor_rollout_ref.rollout.n=16 \
    reward.reward_manager.source=importlib \
    reward.reward_manager.name=ServiceRewardManager \
    reward.reward_manager.module.path="$MANAGER" \
    +reward.reward_service.url="$URL" \
    trainer.total_epochs=1

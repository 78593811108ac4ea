"""GRPO with TRL, rewarded by the service. The dataset names each row's problem in the
column ``problem_id`` (registered with examples/register_problems.py).

    accelerate launch --num_processes 2 examples/trl_grpo.py --url http://localhost:8000 \
        --model Qwen/Qwen2.5-Coder-0.5B-Instruct
"""

import argparse
import json
from pathlib import Path

from datasets import Dataset
from trl import GRPOConfig, GRPOTrainer

import reward_service
from reward_service.integrations.trl import ServiceReward

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--token")
parser.add_argument("--model", default="Qwen/Qwen2.5-Coder-0.5B-Instruct")
parser.add_argument("--num-generations", type=int, default=8)
args = parser.parse_args()

sample = Path(reward_service.__file__).parent / "data" / "sample_problems.jsonl"
problems = [json.loads(line) for line in sample.read_text().splitlines() if line.strip()]
dataset = Dataset.from_list([
    {"prompt": [{"role": "user", "content": f"{p['prompt']}\nAnswer with one ```python block."}], "problem_id": p["id"]}
    for p in problems
])

reward = ServiceReward(args.url, token=args.token, num_generations=args.num_generations, problem_column="problem_id")
trainer = GRPOTrainer(
    model=args.model,
    reward_funcs=[reward],
    args=GRPOConfig(output_dir="grpo-out", num_generations=args.num_generations, per_device_train_batch_size=4,
                    max_completion_length=512, logging_steps=1),
    train_dataset=dataset,
)
trainer.train()

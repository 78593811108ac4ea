"""Training data from the bundled sample problems, naming each problem by id:
data/mbpp_rs.parquet for verl (reward_model.ground_truth = id) and data/mbpp_rs.jsonl for
OpenRLHF and slime ({"prompt", "problem_id"}). python examples/prepare_data.py [data]"""

import json
import sys
from pathlib import Path

import reward_service

out = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
out.mkdir(parents=True, exist_ok=True)
sample = Path(reward_service.__file__).parent / "data" / "sample_problems.jsonl"
problems = [json.loads(line) for line in sample.read_text().splitlines() if line.strip()]
ask = "\nAnswer with one ```python block."
with (out / "mbpp_rs.jsonl").open("w") as f:
    for p in problems:
        f.write(json.dumps({"prompt": [{"role": "user", "content": p["prompt"] + ask}], "problem_id": p["id"]}) + "\n")
try:
    import pandas as pd
except ImportError:
    sys.exit("pandas is needed for the verl parquet")
pd.DataFrame([
    {"data_source": "reward_service", "prompt": [{"role": "user", "content": p["prompt"] + ask}],
     "reward_model": {"style": "rule", "ground_truth": p["id"]}, "extra_info": {"problem_id": p["id"]}}
    for p in problems
]).to_parquet(out / "mbpp_rs.parquet")

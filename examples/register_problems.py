"""Register problems with the service (here: the bundled MBPP+ sample), so datasets can
name them by id. Run once: python examples/register_problems.py http://localhost:8000 [token]"""

import sys
from pathlib import Path

import reward_service
from reward_service import load_problems
from reward_service.client import RewardClient

url, token = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
problems = load_problems(Path(reward_service.__file__).parent / "data" / "sample_problems.jsonl")
with RewardClient(url, token=token) as client:
    for problem in problems:
        print(client.put_problem(problem).model_dump_json())

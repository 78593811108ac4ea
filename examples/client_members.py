"""The client: one group sent as two halves from two threads (as two trainer processes
would), assembled by the service. python examples/client_members.py http://localhost:8000"""

import sys
from concurrent.futures import ThreadPoolExecutor

from reward_service.client import RewardClient
from reward_service.problem import Problem

URL = sys.argv[1]
FAST = "```python\ndef sumto(n):\n    return n * (n + 1) // 2\n```"
SLOW = "```python\ndef sumto(n):\n    return sum(range(n + 1))\n```"
PROBLEM = {"id": "demo/sumto", "entry_point": "sumto", "reference": "def sumto(n):\n    return n * (n + 1) // 2\n",
           "tests": [{"args": [3]}, {"args": [10]}], "performance": {"inputs": [{"args": [3000]}]}}

with RewardClient(URL) as client, ThreadPoolExecutor(2) as pool:
    problem = Problem.model_validate(PROBLEM)
    halves = [[(0, FAST), (1, "no code")], [(2, SLOW), (3, FAST)]]
    for reply in pool.map(lambda half: client.group_members("demo/step-0/group-0", 4, half, problem=problem), halves):
        for result in reply.results:
            print(result.index, result.verdict.value, result.reward, "partial" if reply.partial else "complete")

"""OpenRLHF's remote reward protocol, the verl reward manager and slime's group-rm function,
against a live embedded service.

verl (0.9.1) and OpenRLHF (0.11.2) do not install here without a GPU stack (verl needs ray
and pins transformers<5.11, below TRL's; OpenRLHF needs deepspeed, vllm and ray), so their
objects and payloads are built exactly as their source builds them:

* OpenRLHF 0.11.2 ``openrlhf/utils/agent.py`` (``SingleTurnAgentExecutor.execute`` and
  ``_fetch_rewards_via_http``): one POST per sample, ``{"query": [decode(prompt + response
  tokens)], "prompts": [prompt], "labels": [label]}``; the reply's ``rewards``, ``scores``
  and each ``extra_logs`` value become ``torch.tensor([value])``
  (``openrlhf/trainer/ppo_utils/samples_generator.py``).
* verl 0.9.1 ``verl/experimental/agent_loop/agent_loop.py`` builds the one-sample
  ``DataProto`` (batch ``prompts``, ``responses``, ``attention_mask`` over prompt and
  response; non-tensor fields of the dataset row, ``uid`` among them) and calls
  ``reward_loop_worker.compute_score(data)`` → ``reward_manager.run_single(data)``, read as
  in ``reward_manager/naive.py``.
* slime 624b824: ``await rm(args, samples)`` with ``Sample`` objects (``response``,
  ``label``, ``metadata``, ``group_index``).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from reward_service.integrations import slime, verl
from reward_service.verdict import Verdict

from ..service import problems as p
from ..service.conftest import AUTH, TOKEN, free_port

ROOT = Path(__file__).parent.parent.parent
PROMPT = "<|user|>Write sumto(n).<|assistant|>"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[str]:
    port = free_port()
    path = os.pathsep.join(x for x in [str(ROOT), os.environ.get("PYTHONPATH", "")] if x)
    env = {**os.environ, "PYTHONPATH": path, "REWARD_DATA_DIR": str(data_dir), "REWARD_API__TOKENS": json.dumps([TOKEN]),
           "REWARD_API__OPENRLHF_DEADLINE_S": "4"}  # fmt: skip
    log = (tmp_path_factory.mktemp("adapters") / "api.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "reward_service.service", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        assert httpx.put(url + "/v1/problems/t/sumto", json=p.sumto("t/sumto"), headers=AUTH).status_code in (200, 201)
        # Measured once up front, so the OpenRLHF deadline (4 s here) is about the group, not the sandbox.
        warm = {"groups": [{"problem_id": "t/sumto", "responses": [p.FAST, p.SLOW, p.MEDIUM, p.WRONG]},
                           {"problem": p.sumto("t/inline-openrlhf"), "responses": [p.FAST, p.SLOW]}]}  # fmt: skip
        assert httpx.post(url + "/v1/rewards", json=warm, headers=AUTH, timeout=120).status_code == 200
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def one_request(url: str, responses: list[str]) -> list[tuple[str, float | None]]:
    body = {"groups": [{"problem_id": "t/sumto", "responses": responses}]}
    reply = httpx.post(url + "/v1/rewards", json=body, headers=AUTH, timeout=120)
    assert reply.status_code == 200, reply.text
    return [(r["verdict"], r["reward"]) for r in reply.json()["groups"][0]["results"]]


def openrlhf_post(url: str, response: str, label: str, n: int, prompt: str = PROMPT, run: str = "") -> dict[str, Any]:
    payload = {"query": [prompt + response], "prompts": [prompt], "labels": [label]}  # as _fetch_rewards_via_http
    reply = httpx.post(f"{url}/v1/compat/openrlhf?n={n}&token={TOKEN}&run={run}", json=payload, timeout=180)
    reply.raise_for_status()
    info: dict[str, Any] = reply.json()
    # As SingleTurnAgentExecutor and samples_generator read it: scalars, numbers only.
    assert isinstance(info["rewards"], float) and isinstance(info["scores"], float)
    assert all(isinstance(v, float) for v in info["extra_logs"].values())
    return info


def test_openrlhf_groups_by_prompt_and_label(service: str) -> None:
    group = [p.FAST, p.SLOW, p.WRONG, p.NO_CODE]
    with ThreadPoolExecutor(4) as pool:
        infos = list(pool.map(lambda r: openrlhf_post(service, r, "t/sumto", 4), group))
    want = dict(zip(group, one_request(service, group), strict=True))
    for response, info in zip(group, infos, strict=True):
        verdict, reward = want[response]
        assert info["rewards"] == reward
        assert info["scores"] == (1.0 if verdict == "passed" else 0.0)
        assert info["extra_logs"]["verdict"] == float(list(Verdict).index(Verdict(verdict)))
        assert info["extra_logs"]["partial"] == 0.0
    assert infos[0]["extra_logs"]["instructions"] > 0 and infos[0]["extra_logs"]["passed"] == 1.0


def test_openrlhf_counts_groups_per_run(service: str) -> None:
    # An integration review: arrivals were counted per (prompt, label) for a day, so one
    # leftover sample of an earlier run (or an evaluation pass with another n) made every
    # later group of the prompt straddle two: [MEDIUM, FAST] got 2.0 and 1.0, reversed.
    prompt = "<|user|>per run<|assistant|>"
    with ThreadPoolExecutor(3) as pool:
        pool.submit(openrlhf_post, service, p.SLOW, "t/sumto", 2, prompt, "run-a")  # a leftover of run a
        time.sleep(0.5)
        infos = list(pool.map(lambda r: openrlhf_post(service, r, "t/sumto", 2, prompt, "run-b"), [p.MEDIUM, p.FAST]))
    want = [reward for _, reward in one_request(service, [p.MEDIUM, p.FAST])]
    assert [i["rewards"] for i in infos] == want and all(i["extra_logs"]["partial"] == 0.0 for i in infos)


def test_openrlhf_incomplete_group_answers_by_the_deadline(service: str) -> None:
    inline = json.dumps(p.sumto("t/inline-openrlhf"))
    start = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        infos = list(pool.map(lambda r: openrlhf_post(service, r, inline, 4, prompt="other prompt"), [p.FAST, p.SLOW]))
    assert time.monotonic() - start < 30
    assert [i["extra_logs"]["partial"] for i in infos] == [1.0, 1.0]
    assert sorted(i["rewards"] for i in infos) == [1.0, 2.0]  # normalised over the two present
    unauthorised = httpx.post(f"{service}/v1/compat/openrlhf?n=2", json={"query": ["x"], "prompts": [""], "labels": ["t/sumto"]})
    assert unauthorised.status_code == 401


@dataclass
class Item:
    """verl.protocol.DataProtoItem: one row's tensors and its non-tensor fields."""

    batch: dict[str, Any]
    non_tensor_batch: dict[str, Any]


class Proto:
    """verl.protocol.DataProto as run_single uses it: data[-1:] is a DataProto, data[0] an item."""

    def __init__(self, items: list[Item], meta_info: dict[str, Any] | None = None) -> None:
        self.items = items
        self.meta_info = meta_info or {}

    def __getitem__(self, key: int | slice) -> Any:
        return Proto(self.items[key], self.meta_info) if isinstance(key, slice) else self.items[key]

    def __len__(self) -> int:
        return len(self.items)


class Config(dict[str, Any]):
    """An OmegaConf DictConfig's access: attributes and .get()."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


class Tokenizer:
    """A tokenizer over a fixed list of whole responses (ids are positions); pad is 0."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = ["<pad>", *texts]

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        return "".join(self.texts[int(i)] for i in ids if int(i) != 0)


torch = pytest.importorskip("torch") if os.environ.get("REWARD_SKIP_TORCH") == "1" else __import__("torch")


def sample(tokenizer: Tokenizer, response: str, uid: str, ground_truth: str) -> Proto:
    prompt = torch.tensor([0, 0, 7])  # left-padded prompt ids
    responses = torch.tensor([tokenizer.texts.index(response), 0, 0])  # right-padded response ids
    attention = torch.tensor([0, 0, 1, 1, 0, 0])
    item = Item(
        batch={"prompts": prompt, "responses": responses, "attention_mask": attention},
        non_tensor_batch={"data_source": "mbpp", "uid": uid, "reward_model": {"ground_truth": ground_truth},
                          "extra_info": {"index": 0}},
    )  # fmt: skip
    return Proto([item])


def test_verl_manager_groups_by_uid(service: str) -> None:
    group = [p.FAST, p.MEDIUM, p.WRONG]
    tokenizer = Tokenizer(group)
    config = Config(reward=Config(reward_service=Config(url=service, token=TOKEN)),
                    actor_rollout_ref=Config(rollout=Config(n=3)))  # fmt: skip
    manager = verl.ServiceRewardManager(config, tokenizer, None)

    async def run() -> list[dict[str, Any]]:
        try:
            return list(await asyncio.gather(*(manager.run_single(sample(tokenizer, r, "uid-1", "t/sumto")) for r in group)))
        finally:
            await manager.aclose()

    outs = asyncio.run(run())
    want = one_request(service, group)
    assert [o["reward_score"] for o in outs] == [r for _, r in want]
    assert all(set(o["reward_extra_info"]) == set(verl.EXTRA_KEYS) for o in outs)
    assert [o["reward_extra_info"]["verdict"] for o in outs] == [v for v, _ in want]
    alone = verl.compute_score("mbpp", p.WRONG, "t/sumto", {}, url=service, token=TOKEN)
    assert alone["score"] == 0.0 and alone["verdict"] == "wrong_answer" and set(alone) == {"score", *verl.EXTRA_KEYS}


@dataclass
class Sample:
    """slime.utils.types.Sample, the fields a reward function reads."""

    prompt: str
    response: str
    label: str
    group_index: int
    metadata: dict[str, Any] = field(default_factory=dict)
    remove_sample: bool = False  # slime leaves such a sample out of the loss


def test_slime_group_rm(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SERVICE_URL", service)
    monkeypatch.setenv("REWARD_SERVICE_TOKEN", TOKEN)
    group = [p.FAST, p.SLOW, p.NO_ENTITY]
    samples = [Sample(PROMPT, r, "t/sumto", 0) for r in group]

    async def run() -> list[float]:
        try:
            return await slime.group_rm(None, samples)
        finally:
            await slime.aclose()

    rewards = asyncio.run(run())
    assert rewards == [r for _, r in one_request(service, group)]
    assert samples[0].metadata["reward_service"]["passed"] is True


def test_slime_masks_a_null_and_gives_it_the_groups_mean(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # An integration review: a null (not the model's fault) reached slime as 0.0, unmasked,
    # though slime masks a sample with remove_sample.
    monkeypatch.setenv("REWARD_SERVICE_URL", service)
    monkeypatch.setenv("REWARD_SERVICE_TOKEN", TOKEN)
    broken = json.dumps({**p.sumto("t/slime-broken"), "reference": "def sumto(n):\n    raise ValueError\n",
                         "tests": [{"args": [3]}]})
    samples = [Sample(PROMPT, r, broken, 0) for r in (p.FAST, p.SLOW)]

    async def run() -> list[float]:
        try:
            return await slime.group_rm(None, samples)
        finally:
            await slime.aclose()

    assert asyncio.run(run()) == [0.0, 0.0]  # nothing of the group scored: no mean to give
    assert all(s.remove_sample for s in samples)
    assert samples[0].metadata["reward_service"]["sandbox_error"] is True


def test_verl_validation_groups_have_val_kwargs_n_members(service: str) -> None:
    # An integration review: verl's validation samples val_kwargs.n responses a prompt (default
    # 1) under fresh uids, and each waited for a group of rollout.n (the deadline, ~10 min).
    tokenizer = Tokenizer([p.FAST])
    config = Config(reward=Config(reward_service=Config(url=service, token=TOKEN, round_digits=1)),
                    actor_rollout_ref=Config(rollout=Config(n=3, val_kwargs=Config(n=1))))  # fmt: skip
    manager = verl.ServiceRewardManager(config, tokenizer, None)
    data = sample(tokenizer, p.FAST, "val-uid-1", "t/sumto")
    data.meta_info = {"validate": True}

    async def run() -> dict[str, Any]:
        try:
            return await asyncio.wait_for(manager.run_single(data), 60)
        finally:
            await manager.aclose()

    out = asyncio.run(run())
    assert out["reward_score"] == 1.0 and out["reward_extra_info"]["partial"] is False


def test_openrlhf_rounds_when_asked(service: str) -> None:
    prompt = "<|user|>rounded<|assistant|>"
    url = f"{service}/v1/compat/openrlhf?n=3&token={TOKEN}&run=round&round=1"
    group = [p.SLOW, p.MEDIUM, p.FAST]

    def post(r: str) -> float:
        body = {"query": [prompt + r], "prompts": [prompt], "labels": ["t/sumto"]}
        return float(httpx.post(url, json=body, timeout=180).json()["rewards"])

    with ThreadPoolExecutor(3) as pool:
        rewards = list(pool.map(post, group))
    exact = [reward for _, reward in one_request(service, group)]
    assert any(r != round(r, 1) for r in exact), exact  # something to round
    assert rewards == [round(r, 1) for r in exact]


def test_the_access_log_holds_no_token(service: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    # An integration review: OpenRLHF sends no header, so its token rides in the query, and
    # uvicorn's access log wrote it out whole.
    body = {"query": [PROMPT + p.FAST], "prompts": [PROMPT], "labels": ["t/sumto"]}
    assert httpx.post(f"{service}/v1/compat/openrlhf?n=1&token={TOKEN}&run=log", json=body, timeout=180).status_code == 200
    log = max(tmp_path_factory.getbasetemp().glob("adapters*/api.log"), key=lambda path: path.stat().st_mtime)
    text = log.read_text()
    assert "/v1/compat/openrlhf?n=1&token=***&run=log" in text and TOKEN not in text

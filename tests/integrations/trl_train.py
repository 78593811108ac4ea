"""Run by tests/integrations/test_trl.py (not a test module): ``build DIR`` makes a tiny
random model and a tokenizer whose words are whole answers (so a random policy writes
varied code), ``train DIR URL OUT`` runs GRPOTrainer with ServiceReward under accelerate,
recording each row's group key, completion and reward in OUT/rank-<i>.jsonl."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ANSWERS = [
    "\n```python\ndef sumto(n):\n    return n * (n + 1) // 2\n```\n",
    "\n```python\ndef sumto(n):\n    return sum(range(n + 1))\n```\n",
    "\n```python\ndef sumto(n):\n    t = 0\n    for i in range(n + 1):\n        t += i\n    return t\n```\n",
    "\n```python\ndef sumto(n):\n    return n * n\n```\n",
    "\nI do not know.\n",
]


def build(directory: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[EOS]": 2, "write": 3, "sumto": 4, "please": 5}
    for answer in ANSWERS:
        vocab[answer] = len(vocab)
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]")
    tokenizer.save_pretrained(directory)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64,
                         pad_token_id=0, eos_token_id=2, bos_token_id=None)  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(directory)


def train(directory: Path, url: str, out: Path, token: str) -> None:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from reward_service.integrations.common import completion_text
    from reward_service.integrations.trl import ServiceReward

    class Recording(ServiceReward):
        async def __call__(self, prompts: list[Any], completions: list[Any], **kw: Any) -> list[float | None]:
            call, step = self.calls, kw["trainer_state"].global_step
            metrics: list[str] = []
            kw["log_metric"] = lambda name, value, _m=kw["log_metric"]: (metrics.append(name), _m(name, value))
            rewards = await super().__call__(prompts, completions, **kw)
            rank = trainer.accelerator.process_index
            log = logs.setdefault(rank, (out / f"rank-{rank}.jsonl").open("a"))
            for (key, index), completion, reward in zip(self.keys(len(completions), step, call, rank), completions, rewards,
                                                        strict=True):  # fmt: skip
                log.write(json.dumps({"key": key, "index": index, "completion": completion_text(completion),
                                      "reward": reward, "rows": len(completions), "rank": rank}) + "\n")  # fmt: skip
            log.write(json.dumps({"metrics": sorted(set(metrics))}) + "\n")
            log.flush()
            return rewards

    logs: dict[int, Any] = {}
    model = AutoModelForCausalLM.from_pretrained(directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    dataset = Dataset.from_dict({"prompt": ["write sumto please"] * 16, "problem_id": ["t/sumto"] * 16})
    args = GRPOConfig(
        output_dir=str(out / "trainer"), per_device_train_batch_size=6, steps_per_generation=1, num_generations=4,
        max_completion_length=6, max_steps=2, use_cpu=True, report_to=[], logging_steps=1, save_strategy="no",
        learning_rate=1e-3, seed=0, dataloader_num_workers=0,
    )  # fmt: skip
    reward = Recording(url, num_generations=4, token=token, run_id="test-run", deadline_s=120)
    trainer = GRPOTrainer(model=model, processing_class=tokenizer, reward_funcs=[reward], args=args, train_dataset=dataset)
    trainer.train()
    for log in logs.values():
        log.close()


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(Path(sys.argv[2]))
    else:
        train(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), sys.argv[5])

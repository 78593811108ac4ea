"""Training files the usual trainers read directly (JSONL, one record a line).

``trl``: plain strings.
    SFT ``{"prompt", "completion"}``; DPO ``{"prompt", "chosen", "rejected"}`` (TRL's standard format).
    ``datasets.load_dataset("json", data_files="dpo.jsonl", split="train")`` then ``DPOTrainer(train_dataset=...)``.
``messages``: conversational.
    SFT ``{"messages": [user, assistant]}``; DPO ``{"prompt": [user], "chosen": [assistant], "rejected": [assistant]}``
    (TRL applies the model's chat template). Loaded the same way, for ``SFTTrainer``/``DPOTrainer``.
``alpaca``: LlamaFactory's alpaca style.
    SFT ``{"instruction", "input", "output"}``; DPO ``{"instruction", "input", "chosen", "rejected"}``.
    In ``dataset_info.json``: ``{"stage1": {"file_name": "dpo.jsonl", "ranking": true}}`` (drop ``ranking`` for SFT).
``sharegpt``: LlamaFactory's sharegpt style.
    SFT ``{"conversations": [{"from": "human"}, {"from": "gpt"}]}``; DPO ``{"conversations": [human],
    "chosen": {"from": "gpt"}, "rejected": {"from": "gpt"}}``. In ``dataset_info.json``:
    ``{"stage1": {"file_name": "dpo.jsonl", "formatting": "sharegpt", "ranking": true}}``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .dpo import DPOPair
from .sft import SFTExample

__all__ = ["Format", "sft_record", "dpo_record", "write_jsonl"]


class Format(str, enum.Enum):
    trl = "trl"  # prompt/completion and prompt/chosen/rejected strings
    messages = "messages"  # conversational role/content lists (TRL)
    alpaca = "alpaca"  # LlamaFactory alpaca
    sharegpt = "sharegpt"  # LlamaFactory sharegpt


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def _assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def sft_record(example: SFTExample, fmt: Format) -> dict[str, Any]:
    if fmt is Format.trl:
        return {"prompt": example.prompt, "completion": example.response}
    if fmt is Format.messages:
        return {"messages": [_user(example.prompt), _assistant(example.response)]}
    if fmt is Format.alpaca:
        return {"instruction": example.prompt, "input": "", "output": example.response}
    return {"conversations": [{"from": "human", "value": example.prompt}, {"from": "gpt", "value": example.response}]}


def dpo_record(pair: DPOPair, fmt: Format) -> dict[str, Any]:
    if fmt is Format.trl:
        return {"prompt": pair.prompt, "chosen": pair.chosen, "rejected": pair.rejected}
    if fmt is Format.messages:
        return {"prompt": [_user(pair.prompt)], "chosen": [_assistant(pair.chosen)], "rejected": [_assistant(pair.rejected)]}
    if fmt is Format.alpaca:
        return {"instruction": pair.prompt, "input": "", "chosen": pair.chosen, "rejected": pair.rejected}
    return {"conversations": [{"from": "human", "value": pair.prompt}],
            "chosen": {"from": "gpt", "value": pair.chosen}, "rejected": {"from": "gpt", "value": pair.rejected}}


def write_jsonl(items: Sequence[SFTExample] | Sequence[DPOPair], fmt: Format, path: str | Path) -> int:
    """Write ``items`` in ``fmt``; returns the number of records."""
    records: Iterable[dict[str, Any]] = (
        sft_record(i, fmt) if isinstance(i, SFTExample) else dpo_record(i, fmt) for i in items
    )
    n = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n

"""The training files load with the library trainers read them with (datasets; TRL and LlamaFactory use it)."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from reward_service.training import Format, build_dpo, build_sft, write_jsonl

from .conftest import Pool

SFT_COLUMNS = {
    Format.trl: {"prompt", "completion"},
    Format.messages: {"messages"},
    Format.alpaca: {"instruction", "input", "output"},
    Format.sharegpt: {"conversations"},
}
DPO_COLUMNS = {
    Format.trl: {"prompt", "chosen", "rejected"},
    Format.messages: {"prompt", "chosen", "rejected"},
    Format.alpaca: {"instruction", "input", "chosen", "rejected"},
    Format.sharegpt: {"conversations", "chosen", "rejected"},
}


def _load(path: Path, cache: Path) -> object:
    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


@pytest.mark.parametrize("fmt", list(Format))
def test_files_load_with_datasets(fmt: Format, pool: Pool, tmp_path: Path) -> None:
    examples, pairs = build_sft(pool.rows), build_dpo(pool.rows)
    sft_path, dpo_path = tmp_path / "sft.jsonl", tmp_path / "dpo.jsonl"
    assert write_jsonl(examples, fmt, sft_path) == len(examples)
    assert write_jsonl(pairs, fmt, dpo_path) == len(pairs)
    sft = _load(sft_path, tmp_path / "cache")
    dpo = _load(dpo_path, tmp_path / "cache")
    assert set(sft.column_names) == SFT_COLUMNS[fmt] and sft.num_rows == len(examples)  # type: ignore[attr-defined]
    assert set(dpo.column_names) == DPO_COLUMNS[fmt] and dpo.num_rows == len(pairs)  # type: ignore[attr-defined]
    first = dpo[0]  # type: ignore[index]
    if fmt is Format.messages:
        assert first["prompt"][0]["role"] == "user" and first["chosen"][0]["role"] == "assistant"
        assert first["chosen"][0]["content"] == pairs[0].chosen
        assert sft[0]["messages"][1]["content"] == examples[0].response  # type: ignore[index]
    elif fmt is Format.sharegpt:
        assert first["conversations"][0]["from"] == "human" and first["chosen"]["value"] == pairs[0].chosen
    elif fmt is Format.alpaca:
        assert first["instruction"] == pairs[0].prompt and first["rejected"] == pairs[0].rejected
    else:
        assert first["prompt"] == pairs[0].prompt and first["chosen"] == pairs[0].chosen

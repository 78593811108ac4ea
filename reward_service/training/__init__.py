"""Stage 1 of the paper and its metrics: scored sample pools, SFT and DPO sets, pass@k, DPS_norm, Beyond."""

from __future__ import annotations

from .dedupe import representatives
from .dpo import MIN_RATIO, DPOPair, PairKind, build_dpo, correctness_pairs, efficiency_pairs
from .formats import Format, dpo_record, sft_record, write_jsonl
from .metrics import EvalReport, TaskMetrics, beyond, dps_norm, evaluate, pass_at_k, reference_counts
from .pool import PoolSummary, ScoredRow, read_pool, rows_by_problem, score_pool
from .sft import SFTExample, build_sft

__all__ = [
    "DPOPair",
    "EvalReport",
    "Format",
    "MIN_RATIO",
    "PairKind",
    "PoolSummary",
    "SFTExample",
    "ScoredRow",
    "TaskMetrics",
    "beyond",
    "build_dpo",
    "build_sft",
    "correctness_pairs",
    "dpo_record",
    "dps_norm",
    "efficiency_pairs",
    "evaluate",
    "pass_at_k",
    "read_pool",
    "reference_counts",
    "representatives",
    "rows_by_problem",
    "score_pool",
    "sft_record",
    "write_jsonl",
]

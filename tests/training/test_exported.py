"""The stage-1 package exports what we meant."""

import reward_service.training as training


def test_exported_members() -> None:
    assert set(training.__all__) == {
        "DPOPair", "EvalReport", "Format", "MIN_RATIO", "PairKind", "PoolSummary", "SFTExample", "ScoredRow",
        "TaskMetrics", "beyond", "build_dpo", "build_sft", "correctness_pairs", "dpo_record", "dps_norm",
        "efficiency_pairs", "evaluate", "pass_at_k", "read_pool", "reference_counts", "representatives",
        "rows_by_problem", "score_pool", "sft_record", "write_jsonl",
    }
    for name in training.__all__:
        assert hasattr(training, name), name

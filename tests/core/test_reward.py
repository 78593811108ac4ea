import math

import pytest

from reward_service.reward import aggregate_counts, apply_rounding, efficiency_rewards, reward_for, score_of
from reward_service.verdict import Verdict


def test_score_is_negative_log() -> None:
    assert score_of(1) == 0.0
    assert score_of(1000) == pytest.approx(-math.log(1000))
    assert score_of(0) == 0.0  # clamped


def test_two_candidates_ten_times_apart() -> None:
    # G = {-ln 1e6, -ln 1e7}: spread ln 10 = 2.30 > 1, so S_max = 2.
    assert efficiency_rewards([score_of(10**7), score_of(10**6)]) == pytest.approx([1.0, 2.0])


def test_narrow_spread_caps_s_max() -> None:
    # counts 1000 and 1500: spread ln 1.5 = 0.405, S_max = 1.405
    r = efficiency_rewards([score_of(1500), score_of(1000)])
    assert r[0] == pytest.approx(1.0)
    assert r[1] == pytest.approx(1 + math.log(1.5))


def test_middle_candidate_is_linear_in_c() -> None:
    counts = [10**6, 10**5, 10**4]
    cs = [score_of(n) for n in counts]
    r = efficiency_rewards(cs)
    # spread ln 100 = 4.6 -> S_max 2; middle is halfway in C
    assert r == pytest.approx([1.0, 1.5, 2.0])


def test_single_or_equal_candidates_get_one() -> None:
    assert efficiency_rewards([score_of(123)]) == [1.0]
    assert efficiency_rewards([score_of(5), score_of(5), score_of(5)]) == [1.0, 1.0, 1.0]
    assert efficiency_rewards([]) == []


def test_group_with_every_verdict() -> None:
    verdicts = [Verdict.passed, Verdict.format_error, Verdict.no_entity, Verdict.wrong_answer,
                Verdict.runtime_error, Verdict.timeout, Verdict.memory_exceeded, Verdict.sandbox_error,
                Verdict.passed]
    counts: list[int | None] = [10**7, None, None, None, None, None, None, None, 10**6]
    assert reward_for(verdicts, counts) == pytest.approx([1.0, -1.5, -0.5, 0.0, 0.0, 0.0, 0.0, None, 2.0])


def test_sandbox_error_is_never_zero() -> None:
    assert reward_for([Verdict.sandbox_error], [None]) == [None]


def test_rounding_and_aggregation() -> None:
    assert apply_rounding(1.23456, 2) == 1.23
    assert apply_rounding(None, 2) is None
    assert apply_rounding(1.23456, None) == 1.23456
    assert aggregate_counts([1, 2, 3]) == 6
    assert aggregate_counts([1, 2, 3], "max") == 3
    assert aggregate_counts([1, 2, 4], "mean") == 2
    with pytest.raises(ValueError):
        aggregate_counts([])


def test_a_null_stands_in_as_its_groups_mean_for_trainers_that_cannot_mask() -> None:
    from reward_service.reward import stand_in_reward

    assert stand_in_reward(1.5, 1.2) == 1.5
    assert stand_in_reward(None, 1.2) == 1.2  # zero advantage over the group's baseline
    assert stand_in_reward(None, None) == 0.0
    assert stand_in_reward(-1.5, None) == -1.5

"""Verdicts: the typed outcome of scoring one response, and the fixed rewards of failures."""

from __future__ import annotations

import enum

__all__ = ["Verdict", "FIXED_REWARDS"]


class Verdict(str, enum.Enum):
    """What happened to one response.

    ``sandbox_error`` and ``invalid_problem`` are not the model's fault: their reward is
    ``None`` so the trainer can mask them, never 0.0 (see :attr:`masked`).
    """

    passed = "passed"  # passed every test; reward from the efficiency score in [1, 2]
    wrong_answer = "wrong_answer"  # ran, returned a wrong output for some test
    runtime_error = "runtime_error"  # raised, exited early, broke the sandbox rules
    timeout = "timeout"  # hit the CPU or wall-clock limit
    memory_exceeded = "memory_exceeded"  # hit the memory limit
    no_entity = "no_entity"  # code does not define the entry point (or does not parse)
    format_error = "format_error"  # no fenced code block in the response
    sandbox_error = "sandbox_error"  # infrastructure failure: reward null
    invalid_problem = "invalid_problem"  # the problem's reference or own code fails, or its comparison: reward null

    @property
    def is_test_error(self) -> bool:
        """The paper's "test error" class: the code ran but failed a test."""
        return self in _TEST_ERRORS

    @property
    def is_infrastructure(self) -> bool:
        return self is Verdict.sandbox_error

    @property
    def masked(self) -> bool:
        """Not the model's fault (reward null): the trainer masks it."""
        return self is Verdict.sandbox_error or self is Verdict.invalid_problem


_TEST_ERRORS = frozenset(
    {Verdict.wrong_answer, Verdict.runtime_error, Verdict.timeout, Verdict.memory_exceeded}
)

#: The paper's rewards for failures. ``passed`` is scored by the group; masked ones are None.
FIXED_REWARDS: dict[Verdict, float | None] = {
    Verdict.format_error: -1.5,
    Verdict.no_entity: -0.5,
    Verdict.wrong_answer: 0.0,
    Verdict.runtime_error: 0.0,
    Verdict.timeout: 0.0,
    Verdict.memory_exceeded: 0.0,
    Verdict.sandbox_error: None,
    Verdict.invalid_problem: None,
}

"""reward-service: rewards for RL on code, for correctness and instruction-count efficiency."""

from __future__ import annotations

from .errors import RewardServiceError
from .pipeline import assemble_group
from .problem import Problem, load_problems
from .results import GroupResult, Measurement, ResponseResult, ScoreOptions
from .reward import efficiency_rewards, reward_for
from .settings import Settings, get_settings
from .verdict import Verdict

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``Scorer`` is imported when first asked for: it brings the sandbox, which the API
    process (it only plans and assembles) never needs."""
    if name == "Scorer":
        from .scoring import Scorer

        return Scorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Problem",
    "load_problems",
    "Scorer",
    "assemble_group",
    "ScoreOptions",
    "GroupResult",
    "ResponseResult",
    "Measurement",
    "Verdict",
    "Settings",
    "get_settings",
    "RewardServiceError",
    "efficiency_rewards",
    "reward_for",
    "__version__",
]

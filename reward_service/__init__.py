"""reward-service: rewards for RL on code, for correctness and instruction-count efficiency."""

from __future__ import annotations

from .errors import RewardServiceError
from .problem import Problem, load_problems
from .results import GroupResult, Measurement, ResponseResult, ScoreOptions
from .reward import efficiency_rewards, reward_for
from .scoring import Scorer, assemble_group
from .settings import Settings, get_settings
from .verdict import Verdict

__version__ = "0.1.0"

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

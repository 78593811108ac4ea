"""Public data sets as problems: MBPP+, LeetCodeDataset, and EvalPerf's performance tasks.

The data live outside the repository, in ``shared/data`` (see :mod:`.paths`).
"""

from __future__ import annotations

from .calibrate import DEFAULT_TARGET, Calibration, calibrate
from .evalperf import (
    EvalPerfTask,
    Solution,
    evalperf_problems,
    load_evalperf,
    perf_solutions,
)
from .generators import GENERATOR_DIR, GENERATORS, PerfGenerator, generator_for, load_generator, write_scale
from .leetcode import (
    NODE_ENCODER,
    leetcode_conversion_counts,
    load_leetcode,
    load_leetcode_responses,
)
from .mbppplus import load_mbppplus, mbppplus_inputs, to_source
from .paths import data_dir, data_file

__all__ = [
    "Calibration",
    "DEFAULT_TARGET",
    "EvalPerfTask",
    "GENERATOR_DIR",
    "GENERATORS",
    "NODE_ENCODER",
    "PerfGenerator",
    "Solution",
    "calibrate",
    "data_dir",
    "data_file",
    "evalperf_problems",
    "generator_for",
    "leetcode_conversion_counts",
    "load_evalperf",
    "load_generator",
    "load_leetcode",
    "load_leetcode_responses",
    "load_mbppplus",
    "mbppplus_inputs",
    "perf_solutions",
    "to_source",
    "write_scale",
]

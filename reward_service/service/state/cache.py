"""The result cache: one Measurement per (problem version, normalised code, options, meter, image).

Identical programs, within a batch or across requests and trainers, share one measurement.
The task id is a hash of everything the measurement depends on, so a changed problem (new
version), another meter backend or another sandbox image never reuses a stale result.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ...meter.identity import environment_tag
from ...results import Measurement
from . import keys
from .store import Store

__all__ = ["ResultCache", "environment_tag", "result_ttl_s", "parse_result"]


@functools.lru_cache(maxsize=4096)
def parse_result(raw: str) -> Measurement:
    """A stored result, parsed once per process: every waiter of a group reads the same
    results (each of a group's members reads all of them). Shared: treat it as read-only."""
    return Measurement.model_validate_json(raw)


def result_ttl_s(measurement: Measurement) -> int:
    """How long a result is kept: infrastructure failures and invalid problems only long
    enough for waiters, so that a later request measures again instead of inheriting a
    sandbox_error (or an invalid_problem a larger limit would cure)."""
    return keys.FAILED_RESULT_TTL_S if measurement.verdict.masked else keys.RESULT_TTL_S


class ResultCache:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get_many(self, task_keys: Sequence[str]) -> list[Measurement | None]:
        raw = self.store.mget([keys.result(k) for k in task_keys])
        return [parse_result(v) if v is not None else None for v in raw]

    def put(self, task: str, measurement: Measurement) -> None:
        """Store a result (workers store theirs with the ack: :meth:`TaskQueue.complete`)."""
        self.store.set(keys.result(task), measurement.model_dump_json(), ttl_s=result_ttl_s(measurement))

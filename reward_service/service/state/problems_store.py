"""Registered problems, by id and by content version.

``PUT /v1/problems/{id}`` stores the problem under its version (a content hash) and points
the id at it. A changed problem gets a new version, and since result-cache keys include
the version it never reuses results measured for the old one. Workers fetch problems by
version, so a task queued before the change still runs on the problem it was planned for.
Versions no longer pointed at expire after a week (queued tasks may still need them).

Parsed problems are kept in process by version (immutable). :meth:`ProblemStore.recall`
also gives, without a round trip, the version this process last saw under an id; the id
may have moved on since, so a caller that uses it has the version checked where it writes
(see :mod:`..queue.admission`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ...errors import UnknownProblem
from ...problem import Problem
from . import keys
from .store import Store

__all__ = ["ProblemStore"]

_LOCAL_CACHE = 512  # problems kept parsed in process (immutable by version)


class ProblemStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._parsed: OrderedDict[str, Problem] = OrderedDict()
        self._seen: OrderedDict[str, str] = OrderedDict()  # id -> version last seen here
        self._lock = threading.Lock()

    def _remember(self, problem: Problem, problem_id: str | None = None) -> Problem:
        with self._lock:
            self._parsed[problem.version] = problem
            self._parsed.move_to_end(problem.version)
            while len(self._parsed) > _LOCAL_CACHE:
                self._parsed.popitem(last=False)
            if problem_id is not None:
                self._seen[problem_id] = problem.version
                self._seen.move_to_end(problem_id)
                while len(self._seen) > _LOCAL_CACHE:
                    self._seen.popitem(last=False)
        return problem

    def recall(self, problem_id: str) -> Problem | None:
        """The problem this process last saw under ``problem_id`` (no round trip), if any. Not
        authoritative: check its version where it matters (:meth:`current`)."""
        with self._lock:
            version = self._seen.get(problem_id)
            return self._parsed.get(version) if version is not None else None

    def forget(self, problem_id: str) -> None:
        """Drop what :meth:`recall` knows of ``problem_id`` (it was found stale)."""
        with self._lock:
            self._seen.pop(problem_id, None)

    def current(self, problem_id: str, version: str) -> bool:
        """Whether ``problem_id`` names ``version`` now (one round trip)."""
        return self.version_of(problem_id) == version

    def put(self, problem: Problem) -> tuple[str, bool]:
        """Register (or replace) a problem; returns (version, created)."""
        version = problem.version
        previous = self.store.get(keys.problem_id(problem.id))
        self.store.set(keys.problem_version(version), problem.model_dump_json())
        self.store.set(keys.problem_id(problem.id), version)
        if previous and previous != version:
            self.store.expire(keys.problem_version(previous), keys.PROBLEM_VERSION_TTL_S)
        self._remember(problem, problem.id)
        return version, previous is None

    def put_inline(self, problem: Problem) -> str:
        """Keep an inline problem by version for the workers, without registering its id."""
        version = problem.version
        key = keys.problem_version(version)
        # A registered version has no expiry; never add one to it.
        if self.store.set(key, problem.model_dump_json(), ttl_s=keys.PROBLEM_VERSION_TTL_S, nx=True):
            self._remember(problem)
        return version

    def version_of(self, problem_id: str) -> str | None:
        return self.store.get(keys.problem_id(problem_id))

    def get(self, problem_id: str) -> Problem:
        version = self.version_of(problem_id)
        if version is None:
            raise UnknownProblem(f"no problem registered as {problem_id!r}", problem_id=problem_id)
        problem = self.by_version(version)
        self._remember(problem, problem_id)
        return problem

    def by_version(self, version: str) -> Problem:
        with self._lock:
            cached = self._parsed.get(version)
        if cached is not None:
            return cached
        raw = self.store.get(keys.problem_version(version))
        if raw is None:
            raise UnknownProblem(f"problem version {version!r} is gone", version=version)
        return self._remember(Problem.model_validate_json(raw))

    def delete(self, problem_id: str) -> bool:
        version = self.version_of(problem_id)
        self.forget(problem_id)
        if version is None:
            return False
        self.store.delete(keys.problem_id(problem_id))
        self.store.expire(keys.problem_version(version), keys.PROBLEM_VERSION_TTL_S)
        return True

    def ids(self) -> list[str]:
        prefix = keys.problem_id("")
        return sorted(k[len(prefix) :] for k in self.store.scan(prefix))

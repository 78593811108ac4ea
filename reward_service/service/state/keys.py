"""Every Redis key the service uses: its type, its expiry, and why.

All keys share the ``rs:`` prefix so one Redis can host other applications and
``redis-cli --scan --pattern 'rs:*'`` shows everything the service owns.

=============================  ======  ===========================  ==========================================
key                            type    expiry                       why
=============================  ======  ===========================  ==========================================
``rs:tasks``                   stream  none (entries XDEL'd on ack)  The work queue: one entry per unique
                                                                     (problem version, code, meter, image),
                                                                     fields ``key`` (task id) and ``task``.
                                                                     Read by the consumer group ``workers``;
                                                                     acknowledged entries are deleted, so
                                                                     XLEN is the queued + running backlog.
``rs:dead``                    stream  none, MAXLEN ~10 000         Dead letters: tasks that failed
                                                                     ``max_attempts`` times, with the last error,
                                                                     kept for operators (capped, not expired).
``rs:attempts:{task}``         hash    ``ATTEMPTS_TTL_S`` (1 day)   ``count`` and ``error`` of one task across
                                                                     deliveries and reclaims; expires so that a
                                                                     task asked for again tomorrow starts afresh.
``rs:inflight:{task}``         string  ``INFLIGHT_TTL_S`` (6 h)     Set NX by whoever enqueues a task, so
                                                                     duplicates across requests enqueue once.
                                                                     Deleted when the result is written. Expires
                                                                     so that a task lost with its marker (a crash
                                                                     inside Redis's fsync window) is re-enqueued
                                                                     by a waiter that finds neither.
``rs:result:{task}``           string  ``RESULT_TTL_S`` (7 days),   The Measurement (JSON). The task id hashes
                                       sandbox_error:               problem version, normalised code, measure
                                       ``FAILED_RESULT_TTL_S`` (1h) flag, aggregation, meter backend and sandbox
                                                                     image, so a changed problem never reuses an
                                                                     old result. Infrastructure failures are kept
                                                                     only long enough for waiters to see them;
                                                                     the next request retries.
``rs:problem:id:{id}``         string  none                         The current version of a registered
                                                                     problem. Deleted by DELETE /v1/problems/{id}.
``rs:problem:v:{version}``     string  none while registered;       The problem's JSON by content version:
                                       ``PROBLEM_VERSION_TTL_S``    workers fetch problems by version, so a
                                       (7 days) once replaced,      task queued before a change still runs on
                                       deleted or inline            the version it was planned against.
``rs:job:{id}``                string  ``JOB_TTL_S`` (7 days)       An asynchronous job: state, plan and, once
                                                                     finished, its results. Expires so that
                                                                     finished jobs nobody fetched do not pile up.
``rs:job:{id}:state``          string  ``JOB_TTL_S`` (7 days)       The job's state alone: workers check it for
                                                                     every task (to skip cancelled work), and
                                                                     the job itself may be megabytes.
``rs:worker:{name}``           string  3 x heartbeat period         A worker's heartbeat (host, pid, slots,
                                                                     busy, sandbox readiness). Its expiry *is*
                                                                     the liveness signal: a dead worker's key
                                                                     vanishes without anyone cleaning up.
``rs:done``                    pubsub  none (a channel, not kept)  Task ids as their results are written (in
                                                                     the same transaction): wakes the requests
                                                                     waiting for them. A missed message only
                                                                     delays a waiter to its next cache read.
``rs:group:{key}``             hash    the latest member's deadline  A group assembled across requests (POST
                                       + ``GROUP_GRACE_S`` (10 min)  /v1/groups/members): field ``meta`` (size,
                                                                     problem version, options) and ``m:{index}``
                                                                     per member (response digest, task or known
                                                                     verdict); ``id:{member id}`` and ``next``
                                                                     for members numbered by the service. Every
                                                                     join pushes the expiry out,
                                                                     so a group that never completes is cleaned
                                                                     up after its last caller's deadline, and a
                                                                     trainer's retry within the grace still finds
                                                                     its members (and gets the same reward).
``rs:ocount:{hash}``           string  ``GROUP_COUNTER_TTL_S`` (1 d) OpenRLHF arrival counter per (prompt, label):
                                                                     its value assigns each sample a group and an
                                                                     index (OpenRLHF sends no group id).
``rs:stats``                   hash    none                         Cluster-wide counters (measured,
                                                                     reclaimed, dead_lettered, sandbox_errors)
                                                                     that outlive any one worker process; the
                                                                     API exports them on /metrics.
=============================  ======  ===========================  ==========================================
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "PREFIX",
    "TASKS",
    "DEAD",
    "GROUP",
    "STATS",
    "DONE",
    "DEAD_MAXLEN",
    "ATTEMPTS_TTL_S",
    "INFLIGHT_TTL_S",
    "RESULT_TTL_S",
    "FAILED_RESULT_TTL_S",
    "PROBLEM_VERSION_TTL_S",
    "JOB_TTL_S",
    "HEARTBEAT_TTL_FACTOR",
    "GROUP_GRACE_S",
    "GROUP_COUNTER_TTL_S",
    "group",
    "group_notice",
    "arrivals",
    "attempts",
    "inflight",
    "result",
    "problem_id",
    "problem_version",
    "job",
    "job_state",
    "worker",
    "WORKER_PATTERN",
]

PREFIX: Final = "rs:"
TASKS: Final = "rs:tasks"
DEAD: Final = "rs:dead"
GROUP: Final = "workers"  # the consumer group on TASKS
STATS: Final = "rs:stats"
DONE: Final = "rs:done"  # pub/sub channel of completed task ids

DEAD_MAXLEN: Final = 10_000
ATTEMPTS_TTL_S: Final = 24 * 3600
INFLIGHT_TTL_S: Final = 6 * 3600
RESULT_TTL_S: Final = 7 * 24 * 3600
FAILED_RESULT_TTL_S: Final = 3600
PROBLEM_VERSION_TTL_S: Final = 7 * 24 * 3600
JOB_TTL_S: Final = 7 * 24 * 3600
HEARTBEAT_TTL_FACTOR: Final = 3.0
GROUP_GRACE_S: Final = 600
GROUP_COUNTER_TTL_S: Final = 24 * 3600
WORKER_PATTERN: Final = "rs:worker:"


def attempts(task: str) -> str:
    return f"rs:attempts:{task}"


def inflight(task: str) -> str:
    return f"rs:inflight:{task}"


def result(task: str) -> str:
    return f"rs:result:{task}"


def problem_id(pid: str) -> str:
    return f"rs:problem:id:{pid}"


def problem_version(version: str) -> str:
    return f"rs:problem:v:{version}"


def job(job_id: str) -> str:
    return f"rs:job:{job_id}"


def job_state(job_id: str) -> str:
    return f"rs:job:{job_id}:state"


def worker(name: str) -> str:
    return f"rs:worker:{name}"


def group(group_key: str) -> str:
    return f"rs:group:{group_key}"


def group_notice(group_key: str) -> str:
    """The message on ``rs:done`` when a member joins (task ids are hex, so never collide)."""
    return f"g:{group_key}"


def arrivals(digest: str) -> str:
    return f"rs:ocount:{digest}"

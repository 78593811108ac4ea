"""Prometheus metrics (prometheus-client) of the API and of the workers.

Process-local metrics are module-level collectors. When ``PROMETHEUS_MULTIPROC_DIR`` is
set (several uvicorn processes behind one port), ``/metrics`` aggregates every process's
files with ``MultiProcessCollector``. Cluster-wide figures (queue depth, oldest task age,
live workers and their busy slots, and the counters workers keep in Redis) are read from
the store at scrape time by :class:`ClusterCollector`, so the API's ``/metrics`` alone
describes the whole cluster.

Names (the Grafana dashboard queries these):

API process
    reward_http_requests_total{method,route,status}          counter
    reward_http_request_duration_seconds{method,route}       histogram
      (method: an HTTP method or "other"; route: the route template or "unmatched": no
      client-chosen value becomes a label)
    reward_candidates_scored_total{verdict}                  counter (responses answered, once each,
                                                             by every route: count_scored)
    reward_cache_lookups_total{outcome="hit"|"miss"}         counter (unique codes)
    reward_tasks_enqueued_total                              counter
Cluster (scrape time)
    reward_queue_depth                                       gauge (queued + running tasks)
    reward_queue_oldest_task_age_seconds                     gauge
    reward_workers_live                                      gauge
    reward_worker_slots / reward_worker_slots_busy           gauges (utilisation = busy / slots)
    reward_cluster_measurements_total                        counter
    reward_cluster_sandbox_errors_total                      counter
    reward_cluster_tasks_reclaimed_total                     counter
    reward_cluster_tasks_dead_lettered_total                 counter
Worker process (its own ``--metrics-port``, or the API's /metrics in embedded mode)
    reward_worker_measurements_total{verdict}                counter
    reward_worker_sandbox_seconds                            histogram
    reward_worker_instructions                               histogram (N of passing code)
    reward_worker_busy_seconds_total                         counter (rate / slots = utilisation)
    reward_worker_sandbox_errors_total                       counter
    reward_worker_tasks_reclaimed_total                      counter
    reward_worker_tasks_dead_lettered_total                  counter
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from ..verdict import Verdict
from .queue.heartbeat import live_workers
from .queue.task_queue import TaskQueue
from .state import keys
from .state.store import Store

__all__ = [
    "HTTP_REQUESTS",
    "HTTP_LATENCY",
    "CANDIDATES",
    "count_scored",
    "CACHE_LOOKUPS",
    "TASKS_ENQUEUED",
    "WORKER_MEASUREMENTS",
    "WORKER_SANDBOX_SECONDS",
    "WORKER_INSTRUCTIONS",
    "WORKER_BUSY_SECONDS",
    "WORKER_SANDBOX_ERRORS",
    "WORKER_RECLAIMED",
    "WORKER_DEAD_LETTERED",
    "STAT_FIELDS",
    "ClusterCollector",
    "render",
    "CONTENT_TYPE_LATEST",
]

HTTP_REQUESTS = Counter("reward_http_requests", "HTTP requests answered.", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "reward_http_request_duration_seconds",
    "HTTP request latency.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
CANDIDATES = Counter("reward_candidates_scored", "Responses answered, by verdict.", ["verdict"])
CACHE_LOOKUPS = Counter("reward_cache_lookups", "Result-cache lookups of unique codes.", ["outcome"])
TASKS_ENQUEUED = Counter("reward_tasks_enqueued", "Tasks added to the queue.")


def count_scored(verdicts: Iterable[Verdict]) -> None:
    """Count answered responses in CANDIDATES: call it once per response a client is given."""
    for verdict in verdicts:
        CANDIDATES.labels(verdict.value).inc()

WORKER_MEASUREMENTS = Counter("reward_worker_measurements", "Codes measured by this worker.", ["verdict"])
WORKER_SANDBOX_SECONDS = Histogram(
    "reward_worker_sandbox_seconds",
    "Wall time of scoring one code (tests plus metered runs).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320, 640),
)
WORKER_INSTRUCTIONS = Histogram(
    "reward_worker_instructions",
    "Instruction count N of passing code.",
    buckets=tuple(10.0**e for e in range(4, 14)),
)
WORKER_BUSY_SECONDS = Counter("reward_worker_busy_seconds", "Slot-seconds spent running tasks.")
WORKER_SANDBOX_ERRORS = Counter("reward_worker_sandbox_errors", "Measurements that ended in sandbox_error.")
WORKER_RECLAIMED = Counter("reward_worker_tasks_reclaimed", "Tasks this worker took over from dead workers.")
WORKER_DEAD_LETTERED = Counter("reward_worker_tasks_dead_lettered", "Tasks this worker gave up on.")

#: Fields of the ``rs:stats`` hash, exported as reward_cluster_<field>_total.
STAT_FIELDS = ("measurements", "sandbox_errors", "tasks_reclaimed", "tasks_dead_lettered")


class ClusterCollector(Collector):
    """Reads cluster-wide figures from the store when scraped."""

    def __init__(self, store: Store, queue: TaskQueue) -> None:
        self.store = store
        self.queue = queue

    def collect(self) -> Iterator[Metric]:
        try:
            depth = self.queue.depth()
            oldest = self.queue.oldest_age_s()
            workers = live_workers(self.store)
            stats = self.store.hcounters(keys.STATS)
        except Exception:  # noqa: BLE001 - a scrape during an outage shows no cluster figures
            return
        yield GaugeMetricFamily("reward_queue_depth", "Tasks queued or running.", value=depth)
        yield GaugeMetricFamily("reward_queue_oldest_task_age_seconds", "Age of the oldest unfinished task.", value=oldest or 0.0)
        yield GaugeMetricFamily("reward_workers_live", "Workers with a live heartbeat.", value=len(workers))
        slots = sum(w.slots for w in workers)
        yield GaugeMetricFamily("reward_worker_slots", "Task slots of live workers.", value=slots)
        yield GaugeMetricFamily("reward_worker_slots_busy", "Slots running a task.", value=sum(w.busy for w in workers))
        for field in STAT_FIELDS:
            yield CounterMetricFamily(
                f"reward_cluster_{field}", f"Cluster-wide {field.replace('_', ' ')}.", value=stats.get(field, 0)
            )


def render(extra: Collector | None) -> tuple[bytes, str]:
    """The /metrics body: this process (or all processes, in multiprocess mode) plus ``extra``."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY.collect))
    if extra is not None:
        registry.register(extra)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward(Collector):
    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()

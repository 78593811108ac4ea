"""The HTTP service and its distributed workers.

``create_app(settings)`` builds the FastAPI app; ``Worker`` runs tasks from the queue;
``serve``/``worker`` are the command-line entry points (see :mod:`.cli_commands`).
"""

from __future__ import annotations

from .app import create_app
from .backend import Backend, open_backend
from .cli_commands import serve, worker
from .queue.task_queue import LocalTaskQueue, RedisTaskQueue, Task, TaskQueue
from .queue.worker import Worker
from .state.jobs import Job, JobState

__all__ = [
    "create_app",
    "Backend",
    "open_backend",
    "serve",
    "worker",
    "Job",
    "JobState",
    "Task",
    "TaskQueue",
    "RedisTaskQueue",
    "LocalTaskQueue",
    "Worker",
]

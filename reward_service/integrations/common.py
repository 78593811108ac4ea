"""What the trainer adapters share: turning a dataset's problem field into a request's
``problem_id`` or inline ``problem``, and the text of a completion."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..client import RewardOptions
from ..problem import Problem

__all__ = ["problem_fields", "completion_text", "round_options"]


def round_options(digits: Any) -> RewardOptions | None:
    """The options of the paper's "GRPO with Round" for ``digits`` (a config value or an
    environment variable's text), or None when it is not set."""
    return RewardOptions(round_digits=int(digits)) if digits not in (None, "") else None


def problem_fields(value: Any) -> dict[str, Any]:
    """``{"problem_id": ...}`` for a string id, ``{"problem": Problem}`` for an inline problem
    (a mapping, a Problem, or a JSON object as a string)."""
    if isinstance(value, Problem):
        return {"problem": value}
    if isinstance(value, Mapping):
        return {"problem": Problem.model_validate(dict(value))}
    if isinstance(value, str):
        if value.lstrip().startswith("{"):
            return {"problem": Problem.model_validate(json.loads(value))}
        return {"problem_id": value}
    raise TypeError(f"a problem is an id, a mapping or a JSON object, not {type(value).__name__}")


def completion_text(completion: Any) -> str:
    """A standard completion (a string) or a conversational one (a list of messages: the
    assistant messages' contents, joined)."""
    if isinstance(completion, str):
        return completion
    parts = []
    for message in completion:
        if isinstance(message, Mapping) and message.get("role", "assistant") == "assistant":
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):  # content blocks: [{"type": "text", "text": ...}]
                parts.extend(str(b.get("text", "")) for b in content if isinstance(b, Mapping))
    return "\n".join(parts)


"""Adapters for RL trainers: TRL (:mod:`.trl`), verl (:mod:`.verl`), OpenRLHF (:mod:`.openrlhf`,
an endpoint of the service) and slime (:mod:`.slime`). Each imports only what it needs, so
importing one never requires the others' trainer to be installed."""

from __future__ import annotations

__all__: list[str] = []

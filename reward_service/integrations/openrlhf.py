"""OpenRLHF: the service speaks its remote reward protocol itself.

    --reward.remote_url http://rewards:8000/v1/compat/openrlhf?n=<--rollout.n_samples_per_prompt>

(OpenRLHF sends no Authorization header: with API tokens set, add ``&token=<token>`` to
the URL). Labels name a registered problem
(its id) or carry an inline problem as JSON. See
:mod:`reward_service.service.http.routes_compat` for grouping, deadline and the reply;
``extra_logs.verdict`` is a code from :data:`VERDICT_CODES`.
"""

from __future__ import annotations

from ..service.http.routes_compat import VERDICT_CODES, response_text

__all__ = ["VERDICT_CODES", "response_text"]

"""RFC 9457 problem+json answers for the app's pages and API.

The one ``problem()`` is :func:`webhooks.problems.problem` (the webhooks share it and
may not import ``bridge``); this name stays the door for ``bridge.web`` modules.
"""
from __future__ import annotations

from webhooks.problems import problem

__all__ = ["problem"]

"""Comments pulled from the sites, and the moderation log (the inbox side)."""
from __future__ import annotations


class CommentsQueries:
    """Queries of the sync and moderation services live here."""

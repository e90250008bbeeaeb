"""Social items, their media and their publications (the curation side)."""
from __future__ import annotations


class ItemsQueries:
    """Queries of the intake and curation services live here."""

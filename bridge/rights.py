"""Per-site rights: the one place that answers "which sites may this actor see, and
act on".

:func:`visible_sites` turns a user row into the ``allowed`` sites (the web's
``access.allowed_sites`` and the notifications service ask it). Every decision
that changes what is on a site (approve, edit, retract, consent, publish, bulk,
moderation) asks here, in the service layer, so pages, the API and
bulk actions cannot differ. ``allowed`` is always passed explicitly: ``ALL_SITES``
(admins, unrestricted editors) or the list of site ids the actor may act on — there
is no default that silently means "everything".
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

#: the ``allowed`` value of an actor who may act on every site
ALL_SITES = None


def visible_sites(user: dict) -> list[str] | None:
    """Site ids a user row may see and act on; ``ALL_SITES`` for admins and unrestricted
    editors (whose ``sites`` is NULL)."""
    if user["role"] == "admin" or user["sites"] is None:
        return ALL_SITES
    return list(user["sites"])


def forbidden(sites: Iterable[str], allowed: list[str] | None) -> list[str]:
    """The sites among ``sites`` the actor may not act on (sorted, no duplicates)."""
    if allowed is ALL_SITES:
        return []
    return sorted(set(sites) - set(allowed))


def may_act_on_all(sites: Iterable[str], allowed: list[str] | None) -> bool:
    return not forbidden(sites, allowed)


def may_see_any(sites: Iterable[str], allowed: list[str] | None) -> bool:
    """An actor sees something meant for at least one of their sites."""
    return allowed is ALL_SITES or bool(set(sites) & set(allowed))


def item_sites(store: Store, item: dict) -> set[str]:
    """Every site a decision about ``item`` can reach: the sites it is meant for and
    every site it is (or is being put) on — unpublished rows no longer count."""
    pubs = store.item_publications([item["id"]])[item["id"]]
    return {p["site_id"] for p in pubs if p["state"] != "unpublished"} | set(item["target_sites"] or [])


def visible_sources(sources: list[dict], allowed: list[str] | None) -> list[str]:
    """Ids of the configured sources an actor may know of: those targeting one of their
    sites (a restricted editor must not learn of a source that only feeds another site)."""
    return [s["id"] for s in sources if may_see_any(s.get("targets") or [], allowed)]

"""The one shape in which services refuse a request, and the refusals they share.

Curation, moderation, stories and invitations all turn "this decision cannot be
made" into an HTTP answer in the web layer and a message in the CLI; one base
class carries the status, a short title and the detail that says what to do
instead. "Not yours", "no such thing" and "not possible now" mean the same in
every service, so they are defined here once and every service raises these.
"""
from __future__ import annotations

from typing import Any

from .translations import N_


class ServiceError(Exception):
    """A request a service refuses; ``status`` maps it onto HTTP for the web layer.

    ``field``/``value`` name the bad input (for problem+json ``errors``);
    ``current`` is the row as it is now, when the refusal is about its state
    (a comment that changed since the editor saw it). A subclass sets its status and
    title as class keywords (``class Gone(ServiceError, status=410, title=…)``) or attributes."""

    status = 400
    title = N_("Invalid input")

    def __init_subclass__(cls, *, status: int | None = None, title: str | None = None, **kw: Any):
        super().__init_subclass__(**kw)
        cls.status = status or cls.status
        cls.title = title or cls.title

    def __init__(self, detail: str, *, field: str | None = None, value: Any = None, current: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.value = value
        self.current = current


class InvalidInput(ServiceError, status=400, title=N_("Invalid input")):
    """The request itself is wrong; ``field`` says which part."""


class NotAllowed(ServiceError, status=403, title=N_("Not allowed for these sites")):
    """The actor may not act on (one of) the sites this touches (``bridge/rights.py`` said no)."""


class NotFound(ServiceError, status=404, title=N_("Not found")):
    """No such thing (or none the actor may see: the same answer, so nothing leaks)."""


class Conflict(ServiceError, status=409, title=N_("Not possible in its current state")):
    """Not possible in the thing's current state (changed meanwhile, or decided already)."""

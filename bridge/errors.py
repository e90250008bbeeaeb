"""The one shape in which services refuse a request.

Curation and moderation both turn "this decision cannot be made" into an HTTP
answer in the web layer and a message in the CLI; one base class carries the
status, a short title and the detail that says what to do instead.
"""
from __future__ import annotations


class ServiceError(Exception):
    """A request a service refuses; ``status`` maps it onto HTTP for the web layer."""

    status = 400
    title = "Invalid input"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

"""The cms-bridge connector plugin (``connectors/wordpress/``) as the adapter sees it.

The plugin adds two REST routes under ``cms-bridge/v1`` (connectors/wordpress/includes/Rest.php),
authenticated with the site's application password like every REST call:

* ``GET /cms-bridge/v1/status`` — version, whether its events are set up, its queue;
* ``GET /cms-bridge/v1/comments/changes?since=CURSOR`` — comments changed after CURSOR in REST's
  comment shape (deleted ones with ``status: "deleted"``), ``next`` and ``more``.

WordPress itself keeps no modification date for comments, so without the plugin a sync must
re-read comments to see moderation done in wp-admin; with it, "what changed?" is one request.
A site without the plugin answers ``404 rest_no_route``: :meth:`PluginClient.status` returns
None and the caller keeps polling. Both transports' sites can use it when their password is an
application password (XML-RPC also takes the login password, which REST refuses).

Bodies are decoded tolerantly: a PHP notice or a BOM around the JSON (shared hosts, chatty
plugins) does not hide an answer that is there.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import requests

from ..base import AdapterError, AuthError, NotFound, PermissionDenied, RemoteError, TemporaryRemoteError
from ..types import RemoteComment
from ..words import N_, Words
from .common import comment_from_row
from .connection import WordPressConnection
from .responses import NO_JSON, decode_json

NAMESPACE = "cms-bridge/v1"
DELETED = "deleted"


@dataclass
class PluginStatus:
    version: str
    events_configured: bool
    unsent: int = 0
    last_error: str | None = None
    last_contact: dict | None = None


@dataclass
class Change:
    """One entry of the changes route: a comment as it is now, or a deletion."""

    remote_id: str
    modified: str  # the plugin's 16-digit microsecond stamp
    status: str  # a CommentStatus value, or "deleted"
    comment: RemoteComment | None = None  # None for a deletion


@dataclass
class ChangesPage:
    changes: list[Change] = field(default_factory=list)
    next: str = ""
    more: bool = False


def change_from_plugin(row: dict) -> Change:
    if row.get("status") == DELETED:
        return Change(remote_id=str(row["id"]), modified=str(row.get("modified") or ""), status=DELETED)
    comment = comment_from_row(row)  # the plugin answers in REST's comment shape
    return Change(remote_id=comment.remote_id, modified=str(row.get("modified") or ""),
                  status=comment.status.value, comment=comment)


class PluginClient:
    """The plugin's routes on one site, with the adapter's credentials and timeout."""

    def __init__(self, connection: WordPressConnection):
        self.connection = connection
        self.pretty: bool | None = None  # /wp-json/… or ?rest_route=…, found on first use

    def _url(self, route: str, pretty: bool) -> str:
        base = self.connection.base_url
        return f"{base}/wp-json/{NAMESPACE}{route}" if pretty else f"{base}/?rest_route=/{NAMESPACE}{route}"

    def _get(self, route: str, params: dict | None = None):
        """GET a plugin route; None when the site has no such route (the plugin is not active)."""
        for pretty in ([self.pretty] if self.pretty is not None else [True, False]):
            response = self.connection.request("GET", self._url(route, pretty), params=params)
            body = decode_json(response.text)
            body = None if body is NO_JSON else body
            code = body.get("code") if isinstance(body, dict) else None
            if response.status_code == 404 and code != "rest_no_route" and body is None:
                continue  # the web server's own 404: /wp-json/ is not routed here; try ?rest_route=
            self.pretty = pretty
            if response.status_code == 404:
                return None
            return self._checked(response, body, route)
        return None

    def _checked(self, response: requests.Response, body, route: str):
        status = response.status_code
        where = f"WordPress {NAMESPACE}{route}: {status}"
        message = (body.get("message") if isinstance(body, dict) else "") or ""
        # the site's own message (WordPress says it in the site's language) is a value
        said = Words(N_("WordPress %(route)s: %(status)s %(message)s"), route=f"{NAMESPACE}{route}", status=status,
                     message=message) if message else where
        if status == 401:
            raise AuthError(said, hint=N_("the plugin's routes need the site's application "
                                          "password (REST refuses the login password)"))
        if status == 403:
            raise PermissionDenied(said,
                                   hint=N_("the WordPress account needs the moderate_comments capability (Editor)"))
        if status >= 500:
            raise TemporaryRemoteError(said, hint=N_("the site failed; the bridge retries later"))
        if status != 200 or not isinstance(body, dict):
            raise RemoteError(Words(N_("%(request)s: not the plugin's JSON answer (%(reason)s)"), request=where,
                                    reason=message or response.reason))
        return body

    def status(self) -> PluginStatus | None:
        """The plugin's status, or None when it is not installed and active on the site."""
        try:
            body = self._get("/status")
        except NotFound:
            return None
        if body is None:
            return None
        queue = body.get("queue") or {}
        return PluginStatus(version=str(body.get("version") or ""),
                            events_configured=bool(body.get("events_configured")),
                            unsent=int(queue.get("unsent") or 0), last_error=queue.get("last_error"),
                            last_contact=body.get("last_contact"))

    def changes(self, since: str, per_page: int = 100) -> ChangesPage | None:
        """One page of changes after ``since`` ("" = from the start); None without the plugin."""
        body = self._get("/comments/changes", {"since": since, "per_page": per_page})
        if body is None:
            return None
        try:
            changes = [change_from_plugin(r) for r in body.get("changes") or []]
        except (KeyError, TypeError, ValueError, AdapterError) as exc:
            raise RemoteError(Words(N_("the plugin's changes answer cannot be read: %(reason)s"),
                                    reason=str(exc))) from None
        return ChangesPage(changes=changes, next=str(body.get("next") or since), more=bool(body.get("more")))

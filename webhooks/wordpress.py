"""``POST /webhooks/wordpress/<site_id>``: comment events from the WordPress connector plugin.

The plugin (connectors/wordpress/) queues an event in the WordPress database for every comment
change and sends it signed with Standard Webhooks (the same scheme and verification as the social
webhooks, :mod:`webhooks.signatures`), with the secret the site's ``webhook_secret_env`` names.
It retries until it gets a 2xx, so an event can arrive twice (the ``webhook-id`` gets the first
answer again, nothing is applied twice) or late (the bridge drops an event older than what it
already applied, by the plugin's per-change stamp).

The body (``type`` one of :data:`EVENT_TYPES` or ``ping``)::

    {"type": "comment.created", "timestamp": "2026-12-02T10:00:00Z",
     "data": {"comment": {<REST's comment fields in edit context, content.raw, + "modified",
                          "meta": {"_cms_bridge_held_because": [{"code": "max_links", "detail": "3 of 2"}]}>},
              "previous_status": "hold" | null, "origin": "site" | "cms-bridge",
              "modified": "1764669600000000", "site_url": "…", "plugin_version": "0.2.0"}}

``meta._cms_bridge_held_because`` (plugin 0.2.0): why WordPress held the comment when it arrived
(:class:`adapters.types.HoldReason`); older plugins send no ``meta``.

Answers: 202 applied (``{"status": "accepted", "applied": …}``), 200 ``pong`` for a ping,
the first answer again for a redelivered ``webhook-id``; 400 field errors; 401 bad signature;
404 unknown site or a site without ``webhook_secret_env``; 413; 415.

Like :mod:`webhooks.routes` this never imports ``bridge``: the bridge provides a
:class:`WordPressEvents` as ``current_app.extensions["bridge"].wordpress_plugin``.
"""
from __future__ import annotations

from typing import Any, Protocol

from flask import current_app
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .problems import problem
from .routes import Answer, WebhookSource, bp, receive_signed

EVENT_TYPES = ("comment.created", "comment.edited", "comment.status_changed", "comment.trashed",
               "comment.untrashed", "comment.spammed", "comment.unspammed", "comment.deleted")
STATUSES = ("approved", "hold", "spam", "trash", "post-trashed", "deleted")
STAMP = r"^\d{16}$"
HELD_META = "_cms_bridge_held_because"  # the plugin's meta key (connectors/wordpress/includes/HoldReasons.php)


class WordPressEvents(Protocol):
    """What the bridge provides to this route."""

    def webhook_site(self, site_id: str) -> WebhookSource | None:
        """The WordPress site with its signing secret ("" if none is configured); None if unknown."""

    def replayed_event(self, site_id: str, delivery_id: str) -> Answer | None:
        """The answer given the first time this ``webhook-id`` was delivered, if it was."""

    def accept_event(self, site_id: str, delivery_id: str, event: dict[str, Any]) -> Answer:
        """Apply a validated event (and record the delivery) in one transaction."""


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="is not one of: " + ", ".join(choices))


class HoldReasonSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=50))
    detail = fields.String(load_default="", validate=validate.Length(max=200))


class CommentMetaSchema(Schema):
    """The plugin's comment meta, as REST shows it: why WordPress held the comment
    (connectors/wordpress/includes/HoldReasons.php; read by adapters.wordpress.common.held_because)."""

    class Meta:
        unknown = EXCLUDE

    held_because = fields.List(fields.Nested(HoldReasonSchema), data_key=HELD_META, load_default=list,
                               validate=validate.Length(max=50))

    @post_load
    def _as_rest(self, data, **kwargs):
        return {HELD_META: data["held_because"]}


class CommentSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, error="must be a comment id ≥ 1"))
    post = fields.Integer(load_default=0)
    parent = fields.Integer(load_default=0)
    author = fields.Integer(load_default=0)
    author_name = fields.String(load_default="", validate=validate.Length(max=1000))
    author_email = fields.String(load_default="", validate=validate.Length(max=1000))
    author_url = fields.String(load_default="", validate=validate.Length(max=2000))
    author_ip = fields.String(load_default="", validate=validate.Length(max=100))
    date_gmt = fields.String(load_default="")
    content = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(max=100_000)),
                          load_default=dict)
    link = fields.String(load_default="", validate=validate.Length(max=2000))
    status = fields.String(required=True, validate=_one_of(STATUSES))
    type = fields.String(load_default="comment", validate=validate.Length(max=50))
    meta = fields.Nested(CommentMetaSchema, load_default=dict)

    @validates_schema
    def _date(self, data, **kwargs):
        if data.get("status") != "deleted" and not data.get("date_gmt"):
            raise ValidationError("is required (the comment's GMT date, e.g. 2026-12-02T10:00:00)", "date_gmt")


class DataSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    comment = fields.Nested(CommentSchema, required=True)
    previous_status = fields.String(load_default=None, allow_none=True)
    origin = fields.String(load_default="site", validate=_one_of(("site", "cms-bridge")))
    modified = fields.String(required=True, validate=validate.Regexp(
        STAMP, error="must be the plugin's 16-digit microsecond stamp, e.g. 1764669600000000"))
    plugin_version = fields.String(load_default="")


class EventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=_one_of((*EVENT_TYPES, "ping")))
    timestamp = fields.String(load_default="")
    data = fields.Dict(required=True)


_EVENT, _DATA = EventSchema(), DataSchema()


def load_event(data) -> dict:
    """A validated event, or ValidationError whose messages name each bad field (``data.comment.id``)."""
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["the body must be a JSON object"]})
    event = _EVENT.load(data)
    if event["type"] != "ping":
        try:
            event["data"] = _DATA.load(event["data"])
        except ValidationError as exc:
            raise ValidationError({"data": exc.messages}) from None
    return event


def _events() -> WordPressEvents:
    return current_app.extensions["bridge"].wordpress_plugin


@bp.post("/wordpress/<site_id>")
def wordpress(site_id: str):
    events = _events()
    site = events.webhook_site(site_id)
    if site is None:
        return problem(404, "Unknown site", f"there is no WordPress site {site_id!r} in this cms-bridge "
                        "(the plugin's webhook URL must end in the site's id from `cms-bridge sites list`)")
    if not site.secret:
        return problem(404, "Events not set up", f"site {site_id!r} has no webhook_secret_env in cms-bridge's "
                        "configuration, so its events cannot be verified; set it to the variable holding the "
                        "secret entered in the plugin")
    return receive_signed(site, replayed=events.replayed_event, load=load_event, accept=events.accept_event,
                          invalid="Invalid event")

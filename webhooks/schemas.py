"""Payload schemas of inbound webhooks (marshmallow); bad input → field errors by name.

The generic social payload (what Zapier/Make/n8n/IFTTT senders are set up to post)::

    {
      "external_id": "1234",                       # the sender's id of the post (required)
      "url": "https://social.example/@ann/1234",  # link to the original (required, http(s))
      "title": "…",                                # optional
      "text": "…",   "html": "<p>…</p>",           # at least one of text / html / media
      "author": {"name": "Ann", "url": "https://…"},
      "media": [{"url": "https://…/photo.jpg", "alt": "…"}],
      "published_at": "2026-11-27T10:00:00Z"       # optional, ISO 8601
    }

Unknown keys are ignored (senders add their own); text fields are bounded so one
payload cannot fill the database.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow.types import ErrorMessages

MAX_TEXT = 100_000
MAX_MEDIA = 20


def _http_url(value: str) -> None:
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError("must be an absolute http(s) URL")


def _str(required: bool = False, max_len: int = 2000, **kw) -> fields.String:
    messages: ErrorMessages = {"required": "is required", "invalid": "must be a string", "null": "must not be null"}
    return fields.String(required=required, validate=validate.Length(max=max_len, error=f"is longer than {max_len} "
                                                                     "characters"),
                         error_messages=messages, **kw)


class AuthorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _str(required=True, max_len=300)
    url = fields.String(load_default="", validate=_http_url, error_messages={"invalid": "must be a string"})


class MediaSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    url = fields.String(required=True, validate=_http_url,
                        error_messages={"required": "is required", "invalid": "must be a string"})
    alt = _str(max_len=2000, load_default="")


class SocialPayloadSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    external_id = _str(required=True, max_len=500)
    url = fields.String(required=True, validate=_http_url,
                        error_messages={"required": "is required", "invalid": "must be a string"})
    title = _str(max_len=1000, load_default="")
    text = _str(max_len=MAX_TEXT, load_default="")
    html = _str(max_len=MAX_TEXT, load_default="")
    author = fields.Nested(AuthorSchema, required=True,
                           error_messages={"required": "is required", "type": "must be an object"})
    media = fields.List(fields.Nested(MediaSchema), load_default=list,
                        validate=validate.Length(max=MAX_MEDIA, error=f"has more than {MAX_MEDIA} entries"),
                        error_messages={"invalid": "must be a list"})
    published_at = fields.AwareDateTime(load_default=None, default_timezone=None,
                                        error_messages={"invalid": "must be an ISO 8601 date-time with a "
                                                        "timezone, e.g. 2026-11-27T10:00:00Z"})

    @validates_schema
    def _content(self, data, **kwargs):
        if not (data.get("text") or "").strip() and not (data.get("html") or "").strip() and not data.get("media"):
            raise ValidationError("at least one of text, html or media is required", "text")
        if not (data.get("external_id") or "").strip():
            raise ValidationError("must not be empty", "external_id")


def load_social_payload(data) -> dict:
    """Validated payload, or ValidationError whose ``messages`` map field → errors."""
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["the body must be a JSON object"]})
    return _SCHEMA.load(data)


#: built once: building a schema deep-copies its fields, which cost more than the load
#: itself on the webhook hot path (loading with a shared instance is thread-safe)
_SCHEMA = SocialPayloadSchema()

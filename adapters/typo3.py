"""TYPO3 12.4 / 13.4 adapter: publish news, pull and moderate comments.

Two modes behind one CMSAdapter (see connectors/typo3/README.md):

* ``reaction`` — only the core EXT:reactions ``create-record`` reaction. Create-only and
  text-only: no uid comes back, nothing can be updated, no images, no comments. The bridge's
  own publication ledger is what prevents a second send; this adapter refuses to send an item
  that already has a ref.
* ``connector`` — the companion extension's reaction types (``bridge-upsert-news`` …), one
  reaction (URL + secret) per capability, following the JSON contract in its README.

What real TYPO3 instances (13.4.9 and 12.4.20) showed shapes every call: one complete JSON
object per request (EXT:reactions reads the body with one ``json_decode``, anything else is an
empty payload: https://github.com/TYPO3-CMS/reactions/blob/main/Classes/Http/ReactionHandler.php),
no trailing slash (``/typo3/reaction/<uuid>/`` is not the reaction route and answers 302 to the
backend login), never following redirects (3xx = configuration error), branching on status and
body (never on X-TYPO3-Reaction-Success), about 0.7 s per authenticated call (the secret is
checked against an argon2i hash), and lengths checked here instead of being truncated silently
there.
"""
from __future__ import annotations

import base64
import hashlib
import html
import ipaddress
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import nh3
import requests
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import story_html
from .base import (
    AdapterError,
    AuthError,
    CMSAdapter,
    ConfigurationError,
    Feature,
    NotFound,
    PermissionDenied,
    RateLimited,
    RemoteError,
    TemporaryRemoteError,
    Unreachable,
    Unsupported,
)
from .http import retry_after_seconds
from .types import (
    Anonymized,
    CommentStatus,
    ConnectionReport,
    HoldReason,
    ModerationAction,
    RemoteComment,
    RemoteRef,
    SocialItem,
    Story,
    SyncCursor,
)
from .words import N_, Words

NEWS_TABLE = "tx_news_domain_model_news"
CONTENT_TABLE = "tt_content"
CAPABILITIES = ("upsert_news", "unpublish", "list_comments", "moderate_comment", "reply", "erase_commenter")
#: what each connector reaction lets the bridge do
CONNECTOR_FEATURES: dict[str, tuple[Feature, ...]] = {
    "upsert_news": (Feature.PUBLISH, Feature.UPDATE, Feature.IMAGES),
    "unpublish": (Feature.UNPUBLISH,),
    "list_comments": (Feature.COMMENTS,),
    "moderate_comment": (Feature.MODERATE,),
    "reply": (Feature.REPLY,),
    "erase_commenter": (Feature.ERASE,),
}
CONNECTOR_TYPES = {
    "upsert_news": "bridge-upsert-news",
    "unpublish": "bridge-unpublish",
    "list_comments": "bridge-list-comments",
    "moderate_comment": "bridge-moderate-comment",
    "reply": "bridge-reply",
    "erase_commenter": "bridge-erase-commenter",
}
CONNECTOR_HINT = N_("install the cms-bridge TYPO3 connector (connectors/typo3) and switch the site to mode = "
                    "\"connector\"")
#: what to do instead, per feature reaction mode lacks (the default: install the connector)
REACTION_HINTS = {
    Feature.ERASE: Words(N_("reaction mode can neither read nor change comments: anonymise the person's comments in "
                            "the TYPO3 backend (Web > List, the comment records), or %(connector)s with a "
                            "bridge-erase-commenter reaction (connector 1.3.0)"), connector=Words(CONNECTOR_HINT)),
}
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ELLIPSIS = "…"
NON_BMP = re.compile("[\U00010000-\U0010ffff]")
NON_BMP_REPLACEMENT = "\ufffd"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
PROBE_KEY = "cms-bridge-probe-not-a-secret"
REPLY_KEY_VERSION = (1, 1, 0)  # the connector version whose bridge-reply honours "key"
FIELD_GUARD_VERSION = (1, 2, 0)  # refuses dropped fields (403), replaces images, reports not_writable
IMAGES_LIST_VERSION = (1, 3, 0)  # bridge-upsert-news takes "images" (every image, in order)
MAX_IMAGES = 20  # the connector's NewsUpsertRequest::MAX_IMAGES
ERASE_IDS_PER_CALL = 100  # the connector's CommenterErasure::MAX_IDS
ERASE_MAX_CALLS = 50  # an erasure of more than 50 × 200 comments is finished by running it again

# Column sizes (georgringer/news ext_tables.sql, TYPO3 core tt_content): varchar counts
# characters, *text counts bytes. Titles and author names are shortened deliberately;
# bodies that do not fit are refused (ContentTooLong) rather than cut mid-sentence.
TITLE_CHARS = 255
AUTHOR_BYTES = 255
TEXT_BYTES = 65535
MEDIUMTEXT_BYTES = 16777215


class ContentTooLong(AdapterError):
    """The item does not fit the target columns; TYPO3 would truncate it silently."""


class OutcomeUnknown(RemoteError):
    """A create-only reaction was sent but no answer says what happened (timeout, connection
    dropped, a proxy's 5xx): the record may exist. TYPO3's create-record makes a second record
    for the same payload (slug -1), so nothing resends this by itself; an admin looks first."""

    needs_attention = True


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the site: refused, DNS, connect timeout, TLS
    handshake. A connection dropped after the body went out (RemoteDisconnected) is not."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


OUTCOME_HINT = N_("look for the record in TYPO3 (Web > List, the news folder) before you retry the publication: "
                "the create-record reaction makes a second record if it is sent again")


# -- configuration ------------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validate_reaction_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(N_("must be an absolute http(s) URL"))
    if url.endswith("/"):
        raise ValidationError(N_("must not end with '/': TYPO3 redirects that to its login page"))
    if parts.query or parts.fragment:
        raise ValidationError(N_("must not carry a query or fragment; the secret goes into secret_env"))
    if not UUID_RE.match(parts.path.rsplit("/", 1)[-1]):
        raise ValidationError(N_("must end with the reaction's UUID, e.g. https://example.org/typo3/reaction/<uuid>"))


class EndpointSchema(Schema):
    """One reaction: its full URL as System > Reactions shows it, and the env var of its secret."""

    class Meta:
        unknown = RAISE

    url = fields.String(required=True, validate=_validate_reaction_url)
    secret_env = fields.String(required=True, validate=validate.Length(min=1))


class ConnectorSchema(Schema):
    """One reaction per capability; a capability left out is simply not granted."""

    class Meta:
        unknown = RAISE

    upsert_news = fields.Nested(EndpointSchema)
    unpublish = fields.Nested(EndpointSchema)
    list_comments = fields.Nested(EndpointSchema)
    moderate_comment = fields.Nested(EndpointSchema)
    reply = fields.Nested(EndpointSchema)
    erase_commenter = fields.Nested(EndpointSchema)


class Typo3SiteSchema(Schema):
    """The TYPO3-specific keys of a ``[[sites]]`` table (common keys are the bridge's)."""

    class Meta:
        unknown = RAISE

    mode = fields.String(load_default="reaction", validate=validate.OneOf(["reaction", "connector"]))
    table = fields.String(load_default=NEWS_TABLE, validate=validate.OneOf([NEWS_TABLE, CONTENT_TABLE]))
    replace_non_bmp = fields.Boolean(load_default=False)
    timeout = fields.Float(load_default=10.0, validate=validate.Range(min=2.0, max=120.0))
    max_concurrency = fields.Integer(load_default=2, validate=validate.Range(min=1, max=8))
    import_source = fields.String(load_default="cms-bridge", validate=validate.Length(min=1, max=100))
    unpublish = fields.String(load_default="hide", validate=validate.OneOf(["hide", "delete"]))
    reply_author_name = fields.String(load_default="", validate=validate.Length(max=100))
    reply_author_email = fields.String(load_default="", validate=lambda v: v == "" or validate.Email()(v))
    allow_insecure_http = fields.Boolean(load_default=False)
    reaction = fields.Nested(EndpointSchema)
    connector = fields.Nested(ConnectorSchema)

    @validates_schema
    def _mode_has_endpoints(self, data, **kwargs):
        if data.get("mode", "reaction") == "reaction" and "reaction" not in data:
            raise ValidationError(N_("reaction mode needs [sites.reaction] url and secret_env"), "reaction")
        if data.get("mode") == "connector" and not data.get("connector"):
            raise ValidationError(N_("connector mode needs at least one [sites.connector.<capability>]"), "connector")
        urls = [data["reaction"]["url"]] if "reaction" in data else []
        urls += [endpoint["url"] for endpoint in (data.get("connector") or {}).values()]
        for url in urls:
            parts = urlsplit(url)
            insecure = parts.scheme == "http" and not _is_loopback(parts.hostname or "")
            if insecure and not data.get("allow_insecure_http"):
                raise ValidationError(Words(N_("%(url)s: the secret would travel in clear text; use https "
                                               "(or allow_insecure_http = true on a trusted network)"), url=url),
                                      "reaction")


# -- HTTP ----------------------------------------------------------------------------------------

class _Endpoint:
    def __init__(self, name: str, url: str, secret: str, secret_env: str):
        self.name, self.url, self.secret, self.secret_env = name, url, secret, secret_env


class _Transport:
    """POSTs one JSON object to a reaction and turns every failure into the error family.

    At most ``max_concurrency`` calls per site run at once: each authenticated call costs the
    site ~0.7 s and 64 MiB (measured on TYPO3 13.4.9, 2 cores): the secret is checked against
    its argon2i hash (m = 64 MiB, t = 16) on every call, ``$reaction->isSecretValid()`` in
    https://github.com/TYPO3-CMS/reactions/blob/main/Classes/Http/Middleware/ReactionResolver.php.
    """

    def __init__(self, timeout: float, max_concurrency: int):
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "cms-bridge-typo3"})
        self.slots = threading.BoundedSemaphore(max_concurrency)

    def post(self, endpoint: _Endpoint, payload: dict, *, create_only: bool = False,
             secret: str | None = None) -> tuple[int, dict, requests.Response]:
        key = endpoint.secret if secret is None else secret
        if not key:
            raise ConfigurationError(Words(N_("The secret for %(reaction)s is empty"), reaction=endpoint.name),
                                     hint=Words(N_("set the environment variable %(variable)s"),
                                                variable=endpoint.secret_env))
        try:
            with self.slots:
                response = self.session.post(
                    endpoint.url, json=payload, headers={"x-api-key": key},
                    timeout=(min(5.0, self.timeout), self.timeout), allow_redirects=False)
        except requests.ConnectTimeout as exc:
            raise Unreachable(Words(N_("%(url)s did not accept a connection in time"), url=endpoint.url)) from exc
        except requests.ReadTimeout as exc:
            if create_only:
                raise OutcomeUnknown(
                    Words(N_("%(url)s did not answer within %(seconds)s s; the record may have been created"),
                          url=endpoint.url, seconds=f"{self.timeout:g}"),
                    hint=Words(N_("%(outcome)s; raise timeout if the site is slow"), outcome=Words(OUTCOME_HINT))
                ) from exc
            raise Unreachable(Words(N_("%(url)s did not answer within %(seconds)s s"), url=endpoint.url,
                                    seconds=f"{self.timeout:g}"),
                              hint=N_("each call costs TYPO3 about 1 s; raise timeout if the site is slow")) from exc
        except requests.RequestException as exc:
            if create_only and not _never_connected(exc):
                raise OutcomeUnknown(Words(N_("%(url)s dropped the connection after the request was sent; the "
                                              "record may have been created"), url=endpoint.url),
                                     hint=OUTCOME_HINT) from exc
            raise Unreachable(Words(N_("%(url)s is unreachable: %(reason)s"), url=endpoint.url,
                                    reason=exc.__class__.__name__)) from exc
        if create_only and response.status_code >= 500 and not (
                response.status_code == 503 and response.headers.get("Retry-After")):
            raise OutcomeUnknown(Words(N_("%(url)s answered HTTP %(status)s after the request was sent; the record "
                                          "may have been created"), url=endpoint.url, status=response.status_code),
                                 hint=OUTCOME_HINT)
        try:
            body = response.json()
        except ValueError:
            body = {}
        return response.status_code, body if isinstance(body, dict) else {}, response

    def close(self) -> None:
        self.session.close()


def _explain_failure(endpoint: _Endpoint, status: int, body: dict, response: requests.Response,
                     payload: dict | None = None) -> AdapterError:
    """Map a non-success answer to the error family. The core's answers come from EXT:reactions'
    middleware (https://github.com/TYPO3-CMS/reactions/blob/main/Classes/Http/Middleware/ReactionResolver.php:
    400 "Invalid information", 404 "No reaction found for given identifier", 401 "Invalid secret given"),
    its handler (https://github.com/TYPO3-CMS/reactions/blob/main/Classes/Http/ReactionHandler.php: 404 "No
    reaction found for given reaction type") and the create-record reaction
    (https://github.com/TYPO3-CMS/reactions/blob/main/Classes/Reaction/CreateRecordReaction.php: 400 for a
    missing table or fields, or a record DataHandler did not create); the connector's, from its ``code``
    (connectors/typo3/README.md)."""
    message = str(body.get("error") or "")
    code = str(body.get("code") or "")
    where = Words(N_("%(name)s reaction %(url)s"), name=endpoint.name, url=endpoint.url)
    for explain in (_http_failure, _missing_failure, _refusal_failure, _connector_failure, _request_failure):
        error = explain(endpoint, where, status, code, message, body, response, payload)
        if error is not None:
            return error
    return RemoteError(Words(N_("%(where)s answered HTTP %(status)s: %(reason)s"), where=where, status=status,
                             reason=message or response.text[:200]))


def _http_failure(endpoint: _Endpoint, where: str, status: int, code: str, message: str, body: dict,
                  response: requests.Response, payload: dict | None) -> AdapterError | None:
    """What the status alone says: a redirect, a rate limit, a server failure, a wrong secret."""
    if 300 <= status < 400:
        return ConfigurationError(
            Words(N_("%(where)s answered %(status)s (redirect to %(location)s)"), where=where, status=status,
                  location=response.headers.get("Location", "?")),
            hint=N_("paste the reaction URL exactly as System > Reactions shows it, without a trailing slash; "
                    "redirects are never followed"))
    if status == 429 or (status == 503 and response.headers.get("Retry-After")):
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return RateLimited(Words(N_("%(where)s is rate limited (%(status)s)"), where=where, status=status),
                           retry_after=wait)
    if status >= 500:
        return TemporaryRemoteError(Words(N_("%(where)s failed with HTTP %(status)s"), where=where, status=status))
    if status == 401:
        return AuthError(Words(N_("%(where)s refused the secret (%(reason)s)"), where=where,
                               reason=message or "Invalid secret given"),
                         hint=Words(N_("re-paste the reaction's secret into %(variable)s; TYPO3 shows it only once, "
                                       "so create a new one in System > Reactions if it is lost"),
                                    variable=endpoint.secret_env))
    return None


def _missing_failure(endpoint: _Endpoint, where: str, status: int, code: str, message: str, body: dict,
                     response: requests.Response, payload: dict | None) -> AdapterError | None:
    """404: the record is gone (connector), or the reaction or its type is (core)."""
    if status != 404:
        return None
    if code == "record_not_found":
        return NotFound(message or N_("the record is gone"))
    if message == "No reaction found for given reaction type":
        return ConfigurationError(Words(N_("%(where)s: its reaction type is not available on the site"), where=where),
                                  hint=N_("the cms-bridge connector extension is not installed or not active"))
    return ConfigurationError(Words(N_("%(where)s: no reaction found (%(reason)s)"), where=where,
                                    reason=message or "HTTP 404"),
                              hint=N_("check the URL; the reaction may be deleted, disabled or past its end time"))


def _refusal_failure(endpoint: _Endpoint, where: str, status: int, code: str, message: str, body: dict,
                     response: requests.Response, payload: dict | None) -> AdapterError | None:
    """403 / ``forbidden``: the service user may not; 409 / ``unsupported``: the connector cannot."""
    if status == 403 or code == "forbidden":
        if isinstance(body.get("details"), dict) and body["details"]:
            # connector ≥ 1.2.0 refuses, before writing, what DataHandler would drop without an error
            # (fields its group does not grant, or no right to store images); details: field → the grant to add
            details = {str(k): str(v) for k, v in body["details"].items()}
            return PermissionDenied(Words(N_("%(where)s: %(reason)s (refused: %(fields)s)"), where=where,
                                          reason=message or "forbidden", fields=", ".join(details)),
                                    hint="; ".join(f"{field}: {fix}" for field, fix in details.items()))
        return PermissionDenied(Words(N_("%(where)s: %(reason)s"), where=where, reason=message or "forbidden"),
                                hint=N_("enable the service user and grant its group the tables of the README"))
    if status == 409 or code == "unsupported":
        return Unsupported(Words(N_("%(where)s: %(reason)s"), where=where, reason=message))
    return None


def _connector_failure(endpoint: _Endpoint, where: str, status: int, code: str, message: str, body: dict,
                       response: requests.Response, payload: dict | None) -> AdapterError | None:
    """The connector's own codes for content it would not or could not store."""
    if code == "too_long":
        details = body.get("details") or {}
        return ContentTooLong(Words(N_("%(where)s: %(reason)s"), where=where, reason=message),
                              hint=", ".join(f"{k}: {v}" for k, v in details.items()))
    if code == "record_not_saved":
        log = str((body.get("details") or {}).get("messages", ""))
        if "Incorrect string value" in log:
            return ConfigurationError(Words(N_("%(where)s: TYPO3's tables cannot store emoji (utf8mb3)"), where=where),
                                      hint=N_("set replace_non_bmp = true for this site, or convert its tables to "
                                              "utf8mb4"))
        return PermissionDenied(Words(N_("%(where)s: DataHandler refused: %(reason)s"), where=where,
                                      reason=log or message),
                                hint=N_("grant the service user's group the tables, fields and pages of the README"))
    return None


def _request_failure(endpoint: _Endpoint, where: str, status: int, code: str, message: str, body: dict,
                     response: requests.Response, payload: dict | None) -> AdapterError | None:
    """400 from the core (its words, see :func:`_explain_failure`), or the connector's
    ``invalid_payload``."""
    if status == 400:
        if message == "Invalid information":
            return ConfigurationError(Words(N_("%(where)s: TYPO3 says 'Invalid information'"), where=where),
                                      hint=Words(N_("the secret in %(variable)s is empty or the URL does not end "
                                                    "with the reaction's UUID"), variable=endpoint.secret_env))
        if message in ('Invalid argument "table_name"', "No fields given."):
            return ConfigurationError(Words(N_("%(where)s: %(reason)s"), where=where, reason=message),
                                      hint=N_("edit the reaction: choose the news or content table and map its "
                                              "fields (see connectors/typo3/README.md, reaction mode)"))
        if message == "Record could not be created":
            emoji = payload is not None and any(NON_BMP.search(v) for v in payload.values() if isinstance(v, str))
            user = N_("the backend user the reaction impersonates is disabled — enable it in System > Backend "
                      "Users (DataHandler creates users disabled) — or its group lacks Tables (modify) for the "
                      "reaction's table or DB mount of its storage page: grant them")
            hint = Words(user)
            if emoji:
                hint = Words(N_("%(emoji)s; or %(user)s"), user=Words(user), emoji=Words(N_(
                    "the text contains emoji and the tables are utf8mb3: set replace_non_bmp = true")))
            return ConfigurationError(Words(N_("%(where)s: TYPO3 says 'Record could not be created'"), where=where),
                                      hint=hint)
        if code == "invalid_payload":
            return RemoteError(Words(N_("%(where)s refused the request: %(reason)s"), where=where, reason=message),
                               hint=N_("the connector extension and cms-bridge disagree on the contract; update both"))
    return None


# -- text preparation ----------------------------------------------------------------------------

def _shorten_chars(text: str, limit: int) -> str:
    """Cut on a word boundary and mark the cut with an ellipsis, so nothing is lost silently."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _shorten_bytes(text: str, limit: int) -> str:
    if len(text.encode("utf-8")) <= limit:
        return text
    budget = limit - len(ELLIPSIS.encode("utf-8"))
    return text.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip() + ELLIPSIS


def _attribution_html(item: SocialItem) -> str:
    author = html.escape(item.author_name.strip())
    if item.author_url.startswith(("https://", "http://")) and author:
        author = f'<a href="{html.escape(item.author_url)}" rel="noopener">{author}</a>'
    label = f"on {html.escape(item.network)}" if item.network else ""
    if item.url.startswith(("https://", "http://")):
        label = f'<a href="{html.escape(item.url)}" rel="noopener">{label or "original post"}</a>'
    parts = [p for p in (author, label) if p]
    return f'<p class="cms-bridge-attribution">Source: {" ".join(parts)}</p>' if parts else ""


def _unix(moment: datetime | None) -> int:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version(value) -> tuple[int, ...]:
    """"1.10.2" → (1, 10, 2); anything unreadable counts as (0,)."""
    try:
        return tuple(int(part) for part in str(value).split("."))
    except ValueError:
        return (0,)


def _create_reaction(capability: str) -> Words:
    return Words(N_("create that reaction in TYPO3 and add [sites.connector.%(capability)s]"), capability=capability)


def _shown_version(body: dict) -> Words | str:
    """The connector's version as the probe reported it, or the word "older" (before versions were reported)."""
    return str(body.get("connector_version") or "") or Words(N_("older"))


def _probe_problems(capability: str, body: dict) -> list[str]:
    """The probe's problems, with the fields the service user may not write (connector ≥ 1.2.0:
    ``fields.not_writable``, "table:field") said once, in one sentence naming the grant to add."""
    fields_: dict = body["fields"] if isinstance(body.get("fields"), dict) else {}
    names = [str(n) for n in fields_.get("not_writable") or []]
    problems = [str(p) for p in body.get("problems") or [] if not any(n in str(p) for n in names)]
    if names:
        grants = ", ".join(f'"{n.replace(".", ":", 1) if ":" not in n else n}"' for n in names)
        problems.append(Words(N_("%(reaction)s: the service user may not write %(fields)s — TYPO3 would drop them "
                                 "without an error, so cms-bridge's writes that carry them are refused: add %(grants)s "
                                 "to its group's \"Allowed excludefields\" (TYPO3 13.4: \"Allowed fields\")."),
                              reaction=CONNECTOR_TYPES[capability], fields=", ".join(names), grants=grants))
    return problems


def _parse_iso(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


# -- the adapter ---------------------------------------------------------------------------------

class Typo3Adapter(CMSAdapter):
    """A TYPO3 site in reaction mode or connector mode (see the module docstring)."""

    kind = "typo3"
    config_schema = Typo3SiteSchema
    COMMON_KEYS = ("id", "kind", "url", "name")

    def __init__(self, site: dict, secrets: dict[str, str]):
        super().__init__(site, secrets)
        self.options = Typo3SiteSchema().load({k: v for k, v in site.items() if k not in self.COMMON_KEYS})
        self.mode = self.options["mode"]
        self.transport = _Transport(self.options["timeout"], self.options["max_concurrency"])
        self.endpoints: dict[str, _Endpoint] = {}
        if "reaction" in self.options:
            self.endpoints["reaction"] = self._endpoint("reaction", self.options["reaction"], "reaction.secret")
        for name, endpoint in (self.options.get("connector") or {}).items():
            self.endpoints[name] = self._endpoint(name, endpoint, f"connector.{name}.secret")
        self._sent_items: set[str] = set()  # reaction mode: never send the same item twice from here
        self._connector_versions: dict[str, tuple[int, ...]] = {}  # capability -> its probe's connector_version

    @property
    def features(self) -> frozenset[Feature]:
        """Reaction mode can only create (text-only); connector mode can do what the
        configured reactions grant, one reaction per capability."""
        if self.mode == "reaction":
            return frozenset({Feature.PUBLISH})
        return frozenset(f for name in self.endpoints for f in CONNECTOR_FEATURES.get(name, ()))

    def unsupported(self, feature: Feature | str, hint: str = "") -> Unsupported:
        """Reaction mode lacks everything but publish; a connector site lacks what it grants no reaction for."""
        feature = Feature(feature)
        if self.mode == "reaction":
            return Unsupported(Words(N_("TYPO3 site %(site)r uses reaction mode, which only creates records "
                                        "(no %(feature)s)"), site=self.site.get("id", "?"),
                                     feature=Words(feature.value)),
                               hint=hint or REACTION_HINTS.get(feature, CONNECTOR_HINT))
        capability = next((c for c, fs in CONNECTOR_FEATURES.items() if feature in fs), None)
        return Unsupported(Words(N_("TYPO3 site %(site)r grants no %(reaction)s reaction (no %(feature)s)"),
                                 site=self.site.get("id", "?"),
                                 reaction=CONNECTOR_TYPES.get(capability or "", "matching"),
                                 feature=Words(feature.value)),
                           hint=hint or (_create_reaction(capability) if capability else ""))

    def _endpoint(self, name: str, config: dict, secret_key: str) -> _Endpoint:
        return _Endpoint(name, config["url"], self.secrets.get(secret_key, ""), config["secret_env"])

    # -- shared plumbing ---------------------------------------------------------------------------
    def _needs_connector(self, what: str) -> Unsupported:
        return Unsupported(Words(N_("%(what)s needs connector mode; this site uses reaction mode (create-only, "
                                    "text-only)"), what=what), hint=CONNECTOR_HINT)

    def _call(self, capability: str, payload: dict, *, expect: tuple[int, ...] = (200,)) -> dict:
        if self.mode != "connector":
            raise self._needs_connector(capability.replace("_", " "))
        endpoint = self.endpoints.get(capability)
        if endpoint is None:
            raise Unsupported(Words(N_("This site grants no %(reaction)s reaction"),
                                    reaction=CONNECTOR_TYPES[capability]),
                              hint=_create_reaction(capability))
        status, body, response = self.transport.post(endpoint, payload)
        if status in expect and body.get("success") is True:
            return body
        if 200 <= status < 300:
            raise RemoteError(Words(N_("%(url)s answered %(status)s without success: %(reason)s"), url=endpoint.url,
                                    status=status, reason=response.text[:200]))
        raise _explain_failure(endpoint, status, body, response, payload)

    def _clean_text(self, value: str) -> str:
        return NON_BMP.sub(NON_BMP_REPLACEMENT, value) if self.options["replace_non_bmp"] else value

    def _clean_payload(self, payload):
        if isinstance(payload, str):
            return self._clean_text(payload)
        if isinstance(payload, dict):
            return {k: self._clean_payload(v) for k, v in payload.items()}
        return payload

    def _require_fits(self, values: dict[str, tuple[str, int]]) -> None:
        too_long = {name: (len(text.encode("utf-8")), limit) for name, (text, limit) in values.items()
                    if len(text.encode("utf-8")) > limit}
        if too_long:
            detail = ", ".join(f"{n}: {size} bytes > {limit}" for n, (size, limit) in too_long.items())
            raise ContentTooLong(Words(N_("The item does not fit the TYPO3 columns (%(columns)s)"), columns=detail),
                                 hint=N_("shorten the item; TYPO3 would otherwise cut it silently"))

    # -- check -------------------------------------------------------------------------------------
    def check(self) -> ConnectionReport:
        if self.mode == "reaction":
            return self._check_reaction()
        return self._check_connector()

    def _check_reaction(self) -> ConnectionReport:
        report = ConnectionReport(ok=False, kind=self.kind, transport="reaction",
                                  capabilities={"publish": False, "update": False, "images": False,
                                                "comments": False, "moderate": False, "reply": False})
        endpoint = self.endpoints["reaction"]
        if not endpoint.secret:
            report.problems.append(Words(N_("The secret is missing: set the environment variable %(variable)s."),
                                         variable=endpoint.secret_env))
        # A valid secret cannot be tested without creating a record, so probe with a wrong one:
        # 401 proves the URL names an enabled reaction (the key is checked after the lookup).
        try:
            status, body, response = self.transport.post(endpoint, {}, secret=PROBE_KEY)
        except AdapterError as error:
            report.problems.append(error.describe())
            return report
        if status == 401:
            report.ok = not report.problems
            report.capabilities["publish"] = report.ok
            report.notes.append(N_("The reaction exists and is enabled; its secret is verified by the first publish "
                                   "(checking it would create a record)."))
        else:
            report.problems.append(_explain_failure(endpoint, status, body, response).describe())
        report.notes.append(Words(N_("Reaction mode is create-only and text-only: updates, images, unpublishing and "
                                     "comments need connector mode — %(connector)s."), connector=Words(CONNECTOR_HINT)))
        if self.options["table"] == NEWS_TABLE:
            report.notes.append(N_("News' teaser and author are excluded fields: unless the group of the user the "
                                   "reaction impersonates grants \"tx_news_domain_model_news:teaser\" and "
                                   "\"tx_news_domain_model_news:author\" (Allowed excludefields), TYPO3 stores them "
                                   "empty and still answers 201 — this cannot be checked without creating a record."))
        return report

    def _check_connector(self) -> ConnectionReport:
        report = ConnectionReport(ok=True, kind=self.kind, transport="connector")
        working: dict[str, dict] = {}
        for capability in CAPABILITIES:
            endpoint = self.endpoints.get(capability)
            if endpoint is None:
                report.notes.append(Words(N_("No %(reaction)s reaction configured: that capability is off."),
                                          reaction=CONNECTOR_TYPES[capability]))
                continue
            try:
                body = self._call(capability, {"probe": True})
            except AdapterError as error:
                report.problems.append(error.describe())
                continue
            if body.get("type") != CONNECTOR_TYPES[capability]:
                report.problems.append(Words(N_("%(url)s is a %(type)r reaction, but is configured as %(capability)s: "
                                                "swap the URLs in [sites.connector]."), url=endpoint.url,
                                             type=body.get("type"), capability=capability))
                continue
            self._connector_versions[capability] = _version(body.get("connector_version"))
            problems = _probe_problems(capability, body)
            report.problems.extend(problems)
            if capability == "upsert_news" and _version(body.get("connector_version")) < FIELD_GUARD_VERSION:
                report.notes.append(Words(N_("The connector on the site is %(version)s: before 1.2.0 it reports "
                                             "success when TYPO3 drops fields the service user may not write (teaser, "
                                             "author), and every resent image adds another reference; update "
                                             "connectors/typo3 on the site."), version=_shown_version(body)))
            if capability == "upsert_news" and _version(body.get("connector_version")) < IMAGES_LIST_VERSION:
                report.notes.append(Words(N_("The connector on the site is %(version)s: before 1.3.0 a news record "
                                             "takes one image, so a story shows only its first image; update "
                                             "connectors/typo3 on the site."), version=_shown_version(body)))
            if capability == "reply" and _version(body.get("connector_version")) < REPLY_KEY_VERSION:
                report.notes.append(Words(N_("The connector on the site is %(version)s: replies are not idempotent "
                                             "before 1.1.0 (a retry after a lost answer can post twice); update "
                                             "connectors/typo3 on the site."), version=_shown_version(body)))
            if not problems:
                working[capability] = body
            report.version = report.version or str(body.get("typo3_version", ""))
        sources: list = next((b["comment_sources"] for b in working.values() if b.get("comment_sources")), [])
        if "list_comments" in working and not sources:
            report.problems.append(N_("Neither pw_comments nor EXT:blog is installed: there are no comments to read."))
        report.capabilities = {
            "publish": "upsert_news" in working, "update": "upsert_news" in working,
            "images": "upsert_news" in working, "unpublish": "unpublish" in working,
            "comments": "list_comments" in working and bool(sources),
            "moderate": "moderate_comment" in working, "reply": "reply" in working,
            "erase": "erase_commenter" in working,
        }
        if sources:
            report.notes.append("Comment sources: " + ", ".join(sources))
        report.ok = not report.problems
        return report

    # -- publish -------------------------------------------------------------------------------------
    def publish(self, item: SocialItem, existing_ref: RemoteRef | None) -> RemoteRef:
        self.require_key(item)
        if self.mode == "reaction":
            return self._publish_reaction(item, existing_ref)
        return self._publish_connector(item)

    def _publish_reaction(self, item: SocialItem, existing_ref: RemoteRef | None) -> RemoteRef:
        if existing_ref is not None or item.id in self._sent_items:
            raise Unsupported(Words(N_("Item %(item)s was already sent to this site; reaction mode cannot update "
                                       "records"), item=item.id),
                              hint=Words(N_("updates need connector mode: %(connector)s"),
                                         connector=Words(CONNECTOR_HINT)))
        body_html = nh3.clean(item.html)
        credit = _attribution_html(item)
        payload = {
            "title": _shorten_chars(item.title.strip() or item.text[:80], TITLE_CHARS),
            "teaser": item.excerpt,
            "html": body_html + ("\n" + credit if credit else ""),
            "text": item.text,
            "datetime": _unix(item.published_at),
            "author": _shorten_bytes(item.author_name, AUTHOR_BYTES),
            "source_url": item.url,
            "network": item.network,
            "item_id": item.id,
        }
        payload = self._clean_payload(payload)
        self._require_fits({"teaser": (payload["teaser"], TEXT_BYTES), "html": (payload["html"], MEDIUMTEXT_BYTES),
                            "text": (payload["text"], MEDIUMTEXT_BYTES), "source_url": (payload["source_url"],
                                                                                       TEXT_BYTES)})
        endpoint = self.endpoints["reaction"]
        status, body, response = self.transport.post(endpoint, payload, create_only=True)
        if status == 201 and body.get("success") is True:
            self._sent_items.add(item.id)
            return RemoteRef(remote_id=f"reaction:{item.id}", extra={"mode": "reaction",
                                                                     "table": self.options["table"]})
        if 200 <= status < 300:
            raise RemoteError(f"{endpoint.url} answered {status} but not {{\"success\":true}}: {response.text[:200]}")
        raise _explain_failure(endpoint, status, body, response, payload)

    def _publish_connector(self, item: SocialItem) -> RemoteRef:
        images = self._image_payloads(item)
        payload = {
            "import_source": self.options["import_source"],
            "import_id": item.key,
            "title": _shorten_chars(item.title.strip() or item.text[:80], TITLE_CHARS),
            "teaser": item.excerpt,
            "bodytext": nh3.clean(item.html),
            "datetime": _unix(item.published_at),
            "author": _shorten_bytes(item.author_name, AUTHOR_BYTES),
            "externalurl": item.url if item.url.startswith(("https://", "http://")) else "",
            "attribution": {"author_name": item.author_name, "author_url": item.author_url,
                            "network": item.network, "source_url": item.url},
        }
        payload = self._clean_payload(payload)
        if self.connector_version("upsert_news") >= IMAGES_LIST_VERSION:
            payload["images"] = images  # README "bridge-upsert-news", 1.3.0: every image, in order
        else:
            payload["image"] = images[0] if images else None  # older connectors take one image
        self._require_fits({"teaser": (payload["teaser"], TEXT_BYTES),
                            "bodytext": (payload["bodytext"], MEDIUMTEXT_BYTES - 4096)})
        body = self._call("upsert_news", payload, expect=(200, 201))
        image_info = body.get("image") or {}
        extra = {"mode": "connector", "import_source": payload["import_source"], "import_id": item.key,
                 "action": body.get("action")}
        if isinstance(body.get("images"), list):
            extra["file_uids"] = [int(i["file_uid"]) for i in body["images"]]
        return RemoteRef(remote_id=f"news:{int(body['uid'])}", url=str(body.get("url") or ""),
                         media_id=str(image_info["file_uid"]) if image_info else None,
                         media_sha256=image_info.get("sha256") if image_info else None, extra=extra)

    def connector_version(self, capability: str) -> tuple[int, ...]:
        """The connector version behind one reaction, from its probe (``connector_version``): read
        by :meth:`check`, else probed once per adapter (a probe writes nothing); (0,) if unreadable."""
        if capability not in self._connector_versions:
            body = self._call(capability, {"probe": True})
            self._connector_versions[capability] = _version(body.get("connector_version"))
        return self._connector_versions[capability]

    # stories (issue 14): one news record whose bodytext is the story (adapters/story_html.py)
    def publish_story(self, story: Story, existing_ref: RemoteRef | None) -> RemoteRef:
        """Connector mode only: reaction mode cannot update a record, so a story (updated
        whenever an item joins) is refused there. Every image of the story, in story order, is
        one of the record's references (connector ≥ 1.3.0, "images"); an older connector takes
        one image, the story's first (``check`` says so)."""
        if self.mode != "connector":
            raise self.unsupported(Feature.UPDATE, Words(N_("a story is updated in place as items join; %(connector)s"),
                                                         connector=Words(CONNECTOR_HINT)))
        self.require_key(story)
        images = [m for e in story.entries for m in e.item.media if m.kind == "image" and m.local_path]
        intro = story.intro.strip()
        item = SocialItem(id=f"story-{story.id}", title=story.title, html=story_html.render(story), text=intro,
                          url="", excerpt=intro[:280], media=images, key=story.key,
                          published_at=story.published_at)
        return self._publish_connector(item)

    def _image_payloads(self, item: SocialItem) -> list[dict]:
        """The images the bridge has stored locally, in order, sent inline (the site fetches nothing)."""
        images = []
        for media in item.media:
            if media.kind != "image" or not media.local_path:
                continue
            data = Path(media.local_path).read_bytes()
            if len(data) > MAX_IMAGE_BYTES:
                raise ContentTooLong(Words(N_("The image of item %(item)s has %(bytes)s bytes; the connector takes "
                                              "at most %(max_bytes)s"), item=item.id, bytes=len(data),
                                           max_bytes=MAX_IMAGE_BYTES))
            images.append({"content_type": media.content_type or "image/jpeg",
                           "sha256": hashlib.sha256(data).hexdigest(),
                           "content_base64": base64.b64encode(data).decode("ascii"),
                           "alt": self._clean_text(media.alt)})
        if len(images) > MAX_IMAGES:
            raise ContentTooLong(Words(N_("Item %(item)s has %(images)s images; a TYPO3 news record takes at most "
                                          "%(max_images)s from cms-bridge"), item=item.id, images=len(images),
                                       max_images=MAX_IMAGES), hint=N_("leave some images out of the story"))
        return images

    def unpublish(self, ref: RemoteRef) -> None:
        if self.mode != "connector" or ref.remote_id.startswith("reaction:"):
            raise self._needs_connector("Unpublishing")
        uid = int(ref.remote_id.split(":", 1)[1]) if ref.remote_id.startswith("news:") else 0
        self._call("unpublish", {"uid": uid, "import_source": ref.extra.get("import_source", ""),
                                 "import_id": ref.extra.get("import_id", ""), "mode": self.options["unpublish"]})

    # -- comments ------------------------------------------------------------------------------------
    def fetch_comments(self, cursor: SyncCursor, limit: int = 100) -> tuple[list[RemoteComment], SyncCursor]:
        if self.mode != "connector":
            raise self._needs_connector("Reading comments")
        after = None
        if cursor.after_id:
            after = {"changed": _parse_iso(cursor.after_date) if cursor.after_date else 0, "id": cursor.after_id}
        body = self._call("list_comments", {"after": after, "limit": max(1, min(limit, 200))})
        comments = [self._comment(c) for c in body.get("comments", [])]
        nxt = body.get("next")
        if not comments or not nxt:
            return comments, cursor
        return comments, SyncCursor(after_date=_iso(int(nxt["changed"])), after_id=str(nxt["id"]))

    def fetch_comments_by_id(self, ids: list[str]) -> list[RemoteComment]:
        if self.mode != "connector":
            raise self._needs_connector("Reading comments")
        found: list[RemoteComment] = []
        for start in range(0, len(ids), 100):
            body = self._call("list_comments", {"ids": list(ids[start:start + 100])})
            found.extend(self._comment(c) for c in body.get("comments", []))
        return found

    def moderate(self, comment_id: str, action: ModerationAction) -> CommentStatus | None:
        if self.mode != "connector":
            raise self._needs_connector("Moderation")
        body = self._call("moderate_comment", {"id": comment_id, "action": ModerationAction(action).value})
        return CommentStatus(body["status"]) if body.get("status") else None

    def reply(self, parent: RemoteComment, text: str, *, key: str | None = None) -> RemoteComment:
        """``key`` goes to the connector (README "bridge-reply", connector ≥ 1.1.0), which keeps it
        in its reply ledger: a reply already posted with that key to the same parent comes back
        (200, ``"created": false``) instead of being posted again. A connector older than 1.1.0
        ignores the key (``check`` says so), so a retry there can post twice."""
        if self.mode != "connector":
            raise self._needs_connector("Replying")
        name = self.options["reply_author_name"] or self.site.get("name") or "Site team"
        payload = {"parent_id": parent.remote_id, "message": text.strip(), "author_name": name[:100],
                   "author_email": self.options["reply_author_email"]}
        payload = self._clean_payload(payload)
        if key is not None:
            payload["key"] = str(key)
        body = self._call("reply", payload, expect=(200, 201))
        return self._comment(body["comment"])

    def anonymize_commenter(self, email: str, remote_ids: list[str]) -> Anonymized:
        """README "bridge-erase-commenter" (connector ≥ 1.3.0): the connector anonymises every comment
        written with ``email`` and the comments ``remote_ids`` through DataHandler (name "Anonymous",
        e-mail, URL and the visitor's ids emptied, the text kept), at most 200 per source and call; it
        says ``more`` until none is left. A comment already gone from the site counts as done."""
        if self.mode != "connector":
            raise self.unsupported(Feature.ERASE)
        result = Anonymized()
        pending = list(dict.fromkeys(remote_ids))
        calls = 0
        more = bool(email)
        while (pending or more) and calls < ERASE_MAX_CALLS:
            chunk, pending = pending[:ERASE_IDS_PER_CALL], pending[ERASE_IDS_PER_CALL:]
            try:
                body = self._call("erase_commenter", {"email": email, "ids": chunk})
            except AdapterError as exc:
                result.failed.update({remote: str(exc) for remote in [*chunk, *pending]})
                return result
            calls += 1
            result.done.extend(r for r in [*body.get("anonymised", []), *body.get("missing", [])]
                               if r not in result.done)
            more = bool(email) and body.get("more") is True
        if more:
            result.notes.append(Words(N_("more than %(rounds)s rounds of comments: run the same erase again"),
                                      rounds=ERASE_MAX_CALLS))
        if result.done:
            result.notes.append(N_("comments by logged-in website users that carry no e-mail address are found only "
                                   "by the ids cms-bridge holds"))
        return result

    @staticmethod
    def _comment(c: dict) -> RemoteComment:
        """Connector comment object (README "Comment object") → RemoteComment."""
        target = c.get("target") or {}
        message = str(c.get("message") or "")
        return RemoteComment(
            remote_id=str(c["id"]),
            post_id=f"{target.get('type', 'page')}:{target.get('uid', 0)}",
            status=CommentStatus(c["status"]),
            date_gmt=datetime.fromtimestamp(int(c.get("created") or 0), UTC),
            content_html=html.escape(message).replace("\n", "<br>\n"),
            author_name=str(c.get("author_name") or ""),
            author_url=str(c.get("author_url") or ""),
            author_email=str(c.get("author_email") or ""),
            parent_id=c.get("parent_id"),
            post_title=str(target.get("title") or ""),
            post_url=str(target.get("url") or ""),
            user_id=c.get("user_id"),
            held_because=HoldReason.list_from(c.get("held_because")),  # connector 1.4.0: pw_comments' AI verdict
        )

    def close(self) -> None:
        self.transport.close()

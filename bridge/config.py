"""config.toml → validated settings.

Every mistake is reported, each on its own line, as ``key.path: value problem``
(``sites[1].url: 'htp:/x' is not an http(s) URL``) so an admin can fix the whole
file in one go. Secrets never live in the file: a key ending in ``_env`` names an
environment variable, and a variable that is not set is a config error.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import urlsplit

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema
from marshmallow.types import ErrorMessages

from adapters import registry
from adapters.words import N_, Words
from webhooks.problems import field_errors, format_path

DEFAULT_CONFIG_NAMES = ("config.toml",)
ENV_CONFIG = "CMS_BRIDGE_CONFIG"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str], path: str | None = None):
        self.problems = problems
        self.path = path
        where = f" in {path}" if path else ""
        super().__init__(f"{len(problems)} problem(s){where}:\n" + "\n".join(f"  {p}" for p in problems))


# -- field helpers ---------------------------------------------------------
# Messages start with "is"/"must" so they read after the offending value.
def _msgs(kind: str) -> ErrorMessages:
    """Marshmallow's messages in our words; ``kind`` is an ``N_`` phrase ("an integer")."""
    said = Words(kind)
    return {"required": Words(N_("is missing: %(kind)s expected"), kind=said),
            "invalid": Words(N_("is not %(kind)s"), kind=said),
            "null": Words(N_("must not be empty: %(kind)s expected"), kind=said)}


def Str(**kw: Any) -> fields.String:
    return fields.String(error_messages=_msgs(N_("a string")), **kw)


def Int(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, error_messages=_msgs(N_("an integer")), **kw)


def Float(**kw: Any) -> fields.Float:
    return fields.Float(error_messages=_msgs(N_("a number")), **kw)


def Bool(**kw: Any) -> fields.Boolean:
    return fields.Boolean(truthy={True}, falsy={False}, error_messages=_msgs(N_("true or false")), **kw)


def StrList(**kw: Any) -> fields.List:
    return fields.List(Str(), error_messages=_msgs(N_("a list of strings")), **kw)


def one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error=Words(N_("is not one of: %(choices)s"), choices=", ".join(map(str, choices))))


def http_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(N_("is not an http(s) URL (write it like https://www.example.org)"))


def registered_site_kind(value: str) -> None:
    """A kind in the adapter registry as it is now, not as it was at import: a kind
    registered later (``registry.register_cms_adapter``) is valid too."""
    one_of(registry.cms_kinds())(value)


def identifier(value: str) -> None:
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise ValidationError(N_("is not a valid id: use letters, digits, '-' and '_' only"))


def network_or_address(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValidationError(N_("is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)")) from None


def Url(**kw: Any) -> fields.String:
    return Str(validate=http_url, **kw)


# -- the sections, as typed settings -----------------------------------------
# Each ``[section]`` of config.toml becomes one of these frozen objects; its defaults are the
# ``load_default`` of its schema below (the one place they are written), so callers read
# ``config.sync.lock_seconds`` and never repeat a default.
@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    host: str
    port: int
    workers: int
    threads: int
    secret_key_env: str
    secret_key_file: str
    database: str
    media_dir: str
    public_url: str
    max_body_bytes: int
    behind_proxy: bool
    access_log: bool
    log_format: str
    metrics_token_env: str


@dataclass(frozen=True, kw_only=True)
class SecuritySettings:
    login_max_failures: int
    login_lockout_seconds: int
    session_hours: int
    commenter_salt_env: str


@dataclass(frozen=True, kw_only=True)
class OutboxSettings:
    max_attempts: int
    base_delay: float
    max_delay: float
    lease_seconds: float


@dataclass(frozen=True, kw_only=True)
class MediaSettings:
    max_bytes: int
    timeout: float
    allow_private: list[str]


@dataclass(frozen=True, kw_only=True)
class SyncSettings:
    lock_seconds: int
    reconcile_batch: int
    reconcile_budget: int


@dataclass(frozen=True, kw_only=True)
class PrivacySettings:
    retention_days: int


@dataclass(frozen=True, kw_only=True)
class ContributionsSettings:
    organisation: str
    max_file_bytes: int
    max_files: int
    max_pixels: int
    per_invitation_per_hour: int
    per_client_per_hour: int
    ffmpeg: str


@dataclass(frozen=True, kw_only=True)
class NotificationsSettings:
    smtp_host: str
    smtp_port: int
    username: str
    password_env: str
    starttls: bool
    from_: str
    timeout: float


class SectionSchema(Schema):
    """A ``[section]`` table: unknown keys are mistakes, and loading gives its ``settings`` object."""

    settings: ClassVar[type]

    class Meta:
        unknown = RAISE

    @post_load
    def _settings(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.settings(**data)


# -- schemas ---------------------------------------------------------------
class ServerSchema(SectionSchema):
    settings = ServerSettings

    host = Str(load_default="127.0.0.1")
    port = Int(load_default=8000, validate=validate.Range(1, 65535, error=N_("is not a port number (1-65535)")))
    workers = Int(load_default=3, validate=validate.Range(1, 64, error=N_("must be between 1 and 64")))
    threads = Int(load_default=1, validate=validate.Range(1, 64, error=N_("must be between 1 and 64")))
    secret_key_env = Str(load_default="CMS_BRIDGE_SECRET_KEY")
    secret_key_file = Str(load_default="")  # default: beside the database
    database = Str(load_default="var/cms-bridge.db")
    media_dir = Str(load_default="var/media")
    public_url = Url(load_default="")
    max_body_bytes = Int(load_default=1024 * 1024, validate=validate.Range(1024, error=N_("must be at least 1024")))
    behind_proxy = Bool(load_default=False)
    access_log = Bool(load_default=True)
    log_format = Str(load_default="text",
                     validate=validate.OneOf(["text", "json"], error=N_('must be "text" or "json"')))
    metrics_token_env = Str(load_default="CMS_BRIDGE_METRICS_TOKEN")


class SecuritySchema(SectionSchema):
    settings = SecuritySettings

    login_max_failures = Int(load_default=5, validate=validate.Range(1, error=N_("must be at least 1")))
    login_lockout_seconds = Int(load_default=30, validate=validate.Range(1, error=N_("must be at least 1")))
    session_hours = Int(load_default=12, validate=validate.Range(1, error=N_("must be at least 1")))
    commenter_salt_env = Str(load_default="")


class OutboxSchema(SectionSchema):
    settings = OutboxSettings

    max_attempts = Int(load_default=8, validate=validate.Range(1, 100, error=N_("must be between 1 and 100")))
    base_delay = Float(load_default=30.0, validate=validate.Range(0, error=N_("must not be negative")))
    max_delay = Float(load_default=6 * 3600.0, validate=validate.Range(0, error=N_("must not be negative")))
    lease_seconds = Float(load_default=300.0, validate=validate.Range(1, error=N_("must be at least 1")))


class MediaSchema(SectionSchema):
    settings = MediaSettings

    max_bytes = Int(load_default=15 * 1024 * 1024, validate=validate.Range(1024, error=N_("must be at least 1024")))
    timeout = Float(load_default=15.0, validate=validate.Range(0.1, error=N_("must be at least 0.1")))
    #: private/loopback destinations the SSRF guard lets through (tests: ["127.0.0.1"])
    allow_private = StrList(load_default=list)

    @validates_schema
    def _check_networks(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, dict[int, Any]] = {}
        for i, value in enumerate(data.get("allow_private", [])):
            try:
                network_or_address(value)
            except ValidationError as exc:
                errors.setdefault("allow_private", {})[i] = exc.messages
        if errors:
            raise ValidationError(errors)


class SyncSchema(SectionSchema):
    settings = SyncSettings

    lock_seconds = Int(load_default=900, validate=validate.Range(10, error=N_("must be at least 10")))
    reconcile_batch = Int(load_default=100, validate=validate.Range(1, 100, error=N_("must be between 1 and 100")))
    #: requests per sync and site for the rolling reconcile of decided comments (0: off)
    reconcile_budget = Int(load_default=10, validate=validate.Range(0, 1000, error=N_("must be between 0 and 1000")))


class PrivacySchema(SectionSchema):
    settings = PrivacySettings

    #: decided comments older than this many days lose their text (0: keep)
    retention_days = Int(load_default=0, validate=validate.Range(0, error=N_("must be 0 (keep) or a number of days")))


class ContributionsSchema(SectionSchema):
    """The public contribution pages (bridge/contributions.py): upload limits and rate limits."""

    settings = ContributionsSettings

    organisation = Str(load_default="")  # named on the page and in the default consent text
    max_file_bytes = Int(load_default=50 * 1024 * 1024,
                         validate=validate.Range(1024, error=N_("must be at least 1024")))
    max_files = Int(load_default=6, validate=validate.Range(1, 20, error=N_("must be between 1 and 20")))
    max_pixels = Int(load_default=50_000_000, validate=validate.Range(10_000, error=N_("must be at least 10000")))
    per_invitation_per_hour = Int(load_default=60, validate=validate.Range(1, error=N_("must be at least 1")))
    per_client_per_hour = Int(load_default=10, validate=validate.Range(1, error=N_("must be at least 1")))
    ffmpeg = Str(load_default="ffmpeg")  # makes videos' poster frames (a name on PATH or a path; "" = never)


class NotificationsSchema(SectionSchema):
    """The SMTP server notifications go out through (chat webhooks are per user)."""

    settings = NotificationsSettings

    smtp_host = Str(load_default="")  # empty: no e-mail notifications
    smtp_port = Int(load_default=25, validate=validate.Range(1, 65535, error=N_("is not a port number (1-65535)")))
    username = Str(load_default="")
    password_env = Str(load_default="")
    starttls = Bool(load_default=False)
    from_ = Str(data_key="from", load_default="cms-bridge@localhost",
                validate=validate.Email(error=N_("is not an e-mail address (write it like bridge@example.org)")))
    timeout = Float(load_default=20.0, validate=validate.Range(0.5, 600, error=N_("must be between 0.5 and 600")))


class SiteCommonSchema(Schema):
    """Keys every site has; the rest belongs to the kind's adapter schema."""

    class Meta:
        unknown = INCLUDE

    id = Str(required=True, validate=identifier)
    kind = Str(required=True, validate=registered_site_kind)
    url = Url(required=True)
    name = Str(load_default="")
    timeout = Float(load_default=20.0, validate=validate.Range(0.5, 600, error=N_("must be between 0.5 and 600")))


#: the most links an item may carry before it is flagged, when its source says nothing
DEFAULT_MAX_LINKS = 3


class RulesSchema(Schema):
    """A source's ``[sources.rules]``: words and phrases (matched whole, case-insensitively)
    and a link limit. The source form in the UI and ``sources add`` are checked by this too."""

    class Meta:
        unknown = RAISE

    banned = StrList(load_default=list)
    suspect = StrList(load_default=list)
    max_links = fields.Integer(
        strict=True, load_default=DEFAULT_MAX_LINKS,
        error_messages=_msgs(N_("a whole number (the most links an item may carry, e.g. 3)")),
        validate=validate.Range(0, error=N_("must not be negative (0: an item with any link is flagged)")))


class SourceSchema(Schema):
    class Meta:
        unknown = RAISE

    id = Str(required=True, validate=identifier)
    kind = Str(required=True, validate=one_of(["feed", "webhook"]))
    name = Str(load_default="")
    url = Url(load_default="")
    secret_env = Str(load_default="")
    network = Str(load_default="")
    interval = Int(load_default=900, validate=validate.Range(60, error=N_("must be at least 60 seconds")))
    trusted = Bool(load_default=False)
    require_consent = Bool(load_default=False)
    targets = StrList(load_default=list)
    rules = fields.Nested(RulesSchema, load_default=dict)

    @validates_schema
    def _kind_keys(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("kind") == "feed" and not data.get("url"):
            raise ValidationError(N_("is missing: a feed source needs the feed's http(s) URL"), "url")
        if data.get("kind") == "webhook" and not data.get("secret_env"):
            raise ValidationError(
                N_("is missing: a webhook source needs the name of the environment variable holding its "
                   "signing secret (run `cms-bridge sources secret ID` to make one)"), "secret_env")


#: the ``[section]`` tables, each by its schema (the order their problems are listed in)
SECTIONS: dict[str, type[SectionSchema]] = {
    "server": ServerSchema, "security": SecuritySchema, "outbox": OutboxSchema, "media": MediaSchema,
    "sync": SyncSchema, "privacy": PrivacySchema, "contributions": ContributionsSchema,
    "notifications": NotificationsSchema,
}


class TopSchema(Schema):
    class Meta:
        unknown = RAISE

    server = fields.Raw(load_default=dict)
    security = fields.Raw(load_default=dict)
    outbox = fields.Raw(load_default=dict)
    media = fields.Raw(load_default=dict)
    sync = fields.Raw(load_default=dict)
    privacy = fields.Raw(load_default=dict)
    contributions = fields.Raw(load_default=dict)
    notifications = fields.Raw(load_default=dict)
    sites = fields.List(fields.Raw(), load_default=list, error_messages=_msgs(N_("a list of [[sites]] tables")))
    sources = fields.List(fields.Raw(), load_default=list, error_messages=_msgs(N_("a list of [[sources]] tables")))


# -- the result ------------------------------------------------------------
@dataclass
class Config:
    path: str | None
    server: ServerSettings
    security: SecuritySettings
    outbox: OutboxSettings
    media: MediaSettings
    sync: SyncSettings
    privacy: PrivacySettings
    contributions: ContributionsSettings
    notifications: NotificationsSettings
    #: the ``[[sites]]`` / ``[[sources]]`` tables as loaded: a site's keys depend on its kind's adapter
    sites: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    #: ("site"|"source", id) -> {dotted key path without _env: secret value}
    secrets: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def site(self, site_id: str) -> dict | None:
        return next((s for s in self.sites if s["id"] == site_id), None)

    def source(self, source_id: str) -> dict | None:
        return next((s for s in self.sources if s["id"] == source_id), None)

    def site_secrets(self, site_id: str) -> dict[str, str]:
        return self.secrets.get(("site", site_id), {})

    def source_secrets(self, source_id: str) -> dict[str, str]:
        return self.secrets.get(("source", source_id), {})


# -- validation ------------------------------------------------------------
#: config files say "key" and "table" where the JSON API says "field"
UNKNOWN_KEY = N_("is not a known key (check its spelling and the table it is in)")


def _load(schema: Schema, data: Any, prefix: list, problems: list[str], raw_root: Any) -> Any:
    """What ``schema`` loads from ``data`` (a dict, or a section's settings), or ``{}`` after
    adding its mistakes to ``problems``."""
    if not isinstance(data, dict):
        problems.append(f"{format_path(prefix)}: " + Words(N_("%(value)r is not a table"), value=data))
        return {}
    try:
        return schema.load(data)
    except ValidationError as exc:
        problems.extend(map(str, field_errors(exc.messages, raw_root, prefix, root="config", unknown=UNKNOWN_KEY)))
        return {}


#: ``resolve(table, prefix)``: the secrets a table names by ``*_env`` keys (problems noted aside)
Resolver = Callable[[dict, list], dict[str, str]]


def _resolve_secrets(table: dict, prefix: list, problems: list[str], environ: Mapping[str, str],
                     trail: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in table.items():
        here = f"{trail}.{key}" if trail else key
        if isinstance(value, dict):
            found.update(_resolve_secrets(value, prefix + [key], problems, environ, here))
        elif key.endswith("_env") and isinstance(value, str) and value:
            secret = environ.get(value)
            if not secret:
                problems.append(
                    f"{format_path(prefix + [key])}: " + Words(N_(
                        "environment variable %(variable)r is not set "
                        "(export it before starting cms-bridge, or correct the variable's name)"), variable=value))
            else:
                found[here[: -len("_env")]] = secret
    return found


def _load_sites(top: dict, raw: dict, problems: list[str], resolve: Resolver) -> tuple[list[dict], dict]:
    """The ``[[sites]]`` tables, each by the common schema and its kind's own
    (``config_schema`` of the adapter class); ``resolve(table, prefix)`` reads its secrets."""
    sites: list[dict] = []
    secrets: dict[tuple[str, str], dict[str, str]] = {}
    seen: dict[str, int] = {}
    for i, site_raw in enumerate(top["sites"]):
        common = _load(SiteCommonSchema(), site_raw, ["sites", i], problems, raw)
        if not common:
            continue
        if common["id"] in seen:
            problems.append(f"sites[{i}].id: " + Words(N_("%(site_id)r is already used by %(other)s; "
                                                            "every site needs its own id"),
                                                         site_id=common["id"], other=f"sites[{seen[common['id']]}]"))
            continue
        seen[common["id"]] = i
        adapter_cls = registry.get_cms_adapter(common["kind"])
        extra = {k: v for k, v in common.items() if k not in SiteCommonSchema().fields}
        base = {k: v for k, v in common.items() if k in SiteCommonSchema().fields}
        schema_cls = getattr(adapter_cls, "config_schema", None)
        if schema_cls is not None:
            loaded = _load(schema_cls(), extra, ["sites", i], problems, raw)
            if not loaded and extra and problems:
                continue
            base.update(loaded)
        elif extra:
            for key in extra:
                problems.append(f"sites[{i}].{key}: " + Words(N_("is not a known key for a %(kind)s site"),
                                                                kind=common["kind"]))
            continue
        secrets[("site", base["id"])] = resolve(site_raw, ["sites", i])
        sites.append(base)
    return sites, secrets


def _load_sources(top: dict, raw: dict, problems: list[str], resolve: Resolver,
                  site_ids: set[str]) -> tuple[list[dict], dict]:
    """The ``[[sources]]`` tables; every target must be a configured site."""
    sources: list[dict] = []
    secrets: dict[tuple[str, str], dict[str, str]] = {}
    seen: dict[str, int] = {}
    for i, source_raw in enumerate(top["sources"]):
        source = _load(SourceSchema(), source_raw, ["sources", i], problems, raw)
        if not source:
            continue
        if source["id"] in seen:
            problems.append(f"sources[{i}].id: " + Words(N_("%(source_id)r is already used by %(other)s; "
                                                              "every source needs its own id"),
                                                           source_id=source["id"],
                                                           other=f"sources[{seen[source['id']]}]"))
            continue
        seen[source["id"]] = i
        for j, target in enumerate(source["targets"]):
            if target not in site_ids:
                problems.append(f"sources[{i}].targets[{j}]: " + Words(
                    N_("%(target)r is not the id of a configured site (known: %(site_ids)s)"),
                    target=target, site_ids=", ".join(sorted(site_ids)) or "none"))
        secrets[("source", source["id"])] = resolve(source_raw, ["sources", i])
        sources.append(source)
    return sources, secrets


def _server_paths(server: ServerSettings, path: str | None) -> ServerSettings:
    """Relative paths in ``[server]`` are relative to the config file (else the working directory)."""
    base_dir = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()

    def absolute(value: str) -> str:
        return os.path.normpath(os.path.join(base_dir, value)) if value and not os.path.isabs(value) else value

    database = absolute(server.database)
    key_file = absolute(server.secret_key_file) or os.path.join(os.path.dirname(database), "secret_key")
    return replace(server, database=database, media_dir=absolute(server.media_dir), secret_key_file=key_file)


def validate_config(raw: dict, *, path: str | None = None, environ: Mapping[str, str] | None = None,
                    require_secrets: bool = True) -> Config:
    """Validate a parsed TOML document; raise ConfigError listing every problem.

    ``require_secrets=False`` is for commands that never talk to a site or sender
    (making a webhook secret, managing users): an unset ``*_env`` variable is then
    no error, so an admin can run them before every secret is exported."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    secret_problems: list[str] = problems if require_secrets else []
    top = _load(TopSchema(), raw, [], problems, raw)
    if problems:
        raise ConfigError(problems, path)
    sections = {name: _load(schema(), top[name], [name], problems, raw) for name, schema in SECTIONS.items()}

    def resolve(table: dict, prefix: list) -> dict[str, str]:
        return _resolve_secrets(table, prefix, secret_problems, environ)

    secrets: dict[tuple[str, str], dict[str, str]] = {}
    if isinstance(top["notifications"], dict):
        secrets[("notifications", "smtp")] = resolve(top["notifications"], ["notifications"])
    sites, site_secrets = _load_sites(top, raw, problems, resolve)
    sources, source_secrets = _load_sources(top, raw, problems, resolve, {s["id"] for s in sites})
    if problems:
        raise ConfigError(problems, path)
    sections["server"] = _server_paths(sections["server"], path)
    return Config(path=path, **sections, sites=sites, sources=sources,
                  secrets={**secrets, **site_secrets, **source_secrets})


def find_config_path(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get(ENV_CONFIG):
        return os.environ[ENV_CONFIG]
    for name in DEFAULT_CONFIG_NAMES:
        if os.path.exists(name):
            return name
    return None


def load_config(path: str | None = None, *, environ: Mapping[str, str] | None = None,
                require_secrets: bool = True) -> Config:
    """Read and validate the config file (or defaults when there is none)."""
    path = find_config_path(path)
    if path is None:
        return validate_config({}, path=None, environ=environ)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError([Words(N_("%(path)s: no such file (give --config PATH or set %(variable)s)"), path=path,
                                 variable=ENV_CONFIG)], path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Words(N_("%(path)s: not valid TOML: %(reason)s"), path=path, reason=str(exc))],
                          path) from None
    except OSError as exc:
        raise ConfigError([Words(N_("%(path)s: cannot be read: %(reason)s"), path=path, reason=exc.strerror)],
                          path) from None
    return validate_config(raw, path=path, environ=environ, require_secrets=require_secrets)

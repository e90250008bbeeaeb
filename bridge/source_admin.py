"""Feed and webhook sources added in the web UI (or ``cms-bridge sources add``)
beside the ones in the config file.

Like managed sites (bridge/site_admin.py): stored as the very table a
``[[sources]]`` entry would be and validated by the config file's own schema, a
webhook source's signing secret sealed; sources from the file stay read-only.
A feed is fetched once on save (through the guarded fetcher, like every poll) and
is saved only if that works, so a typo in its address is shown inline rather than
as an error on the next poll. A webhook source left without a secret gets a new
one, shown once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.base import AdapterError

from .config import ConfigError, validate_config
from .managed import ManagedEntries, SiteInputError, Verdict, env_name

if TYPE_CHECKING:
    from .core import Bridge

SOURCE_KINDS = {"feed": "Feed (RSS, Atom, JSON Feed)", "webhook": "Webhook sender"}
FLAGS = ("trusted", "require_consent")


def _checked(value: object) -> bool:
    return value is True or str(value or "").strip().lower() in ("1", "on", "true", "yes")


def source_from_form(form: dict, keep: dict[str, str] | None = None) -> tuple[dict, dict[str, str]]:
    """A ``[[sources]]`` table and its secrets from the source form (or the CLI's
    options); ``targets`` is a list of site ids. A webhook secret left blank keeps
    the stored one (``keep``), or is made new by the service."""
    source_id = (form.get("id") or "").strip()
    kind = (form.get("kind") or "").strip()
    raw: dict[str, Any] = {"id": source_id, "kind": kind, "name": (form.get("name") or "").strip(),
           "network": (form.get("network") or "").strip(),
           "targets": [t.strip() for t in form.get("targets") or [] if t.strip()]}
    raw.update({flag: _checked(form.get(flag)) for flag in FLAGS})
    interval = str(form.get("interval") or "").strip()
    if interval:
        raw["interval"] = int(interval) if interval.isdigit() else interval  # the schema names a bad one
    secrets: dict[str, str] = {}
    if kind == "feed" and (form.get("url") or "").strip():  # none: the schema says a feed needs one
        raw["url"] = form["url"].strip()
    elif kind == "webhook":
        raw["secret_env"] = env_name(source_id, "secret", "SOURCE_")
        secrets[raw["secret_env"]] = (form.get("secret") or "").strip() or (keep or {}).get(raw["secret_env"], "")
    return raw, secrets


class SourceAdmin(ManagedEntries):
    table, noun = "managed_sources", "source"

    def __init__(self, bridge: Bridge):
        super().__init__(bridge)
        self.file_sources = list(bridge.config.sources)

    def generation(self):
        # a source's targets are checked against the sites: a site removed makes it a problem
        return self.store.managed_generation(self.table), self.store.managed_generation("managed_sites")

    def validated(self, raw: dict, secrets: dict[str, str]) -> tuple[dict, dict[str, str]]:
        """The config file's schema (targets checked against the sites there are now)."""
        try:
            config = validate_config({"sources": [{**raw, "targets": []}]}, environ=secrets)
        except ConfigError as exc:
            raise SiteInputError([p.replace("sources[0].", "", 1) for p in exc.problems]) from None
        site_ids = {s["id"] for s in self.bridge.config.sites}
        targets = list(raw.get("targets") or [])
        problems = [f"targets[{i}]: {t!r} is not the id of a connected site (known: "
                    f"{', '.join(sorted(site_ids)) or 'none'}); pick one of those or leave it out"
                    for i, t in enumerate(targets) if t not in site_ids]
        if problems:
            raise SiteInputError(problems)
        source = {**config.sources[0], "targets": targets}
        return source, config.source_secrets(raw["id"])

    def install(self, loaded: list[tuple[dict, dict[str, str]]]) -> None:
        config = self.bridge.config
        managed = [source for source, _ in loaded]
        for source, secrets in loaded:
            config.secrets[("source", source["id"])] = secrets
        config.sources[:] = self.file_sources + managed
        self.store.sync_sources(managed)

    def audit(self, entry_id: str, *, actor: str, action: str, detail: str = "") -> None:
        self.store.log_admin_change("", entry_id, actor=actor, action=action, detail=f"source {entry_id}: {detail}"
                                    if detail else f"source {entry_id}")

    def add(self, raw: dict, secrets: dict[str, str], *, actor: str, editing: bool = False) -> Verdict:
        """Validate (a feed: fetch it once) and save only a source that works. A new
        webhook secret, if one was made, is in ``Verdict.note`` (shown once)."""
        new_secret = ""
        if raw.get("kind") == "webhook" and not secrets.get(raw.get("secret_env", "")):
            from webhooks.signatures import generate_secret

            new_secret = secrets[raw["secret_env"]] = generate_secret()
        source, source_secrets = self.validated(raw, secrets)
        if any(s["id"] == source["id"] for s in self.file_sources):
            raise SiteInputError([f"id: {source['id']!r} is already a source from the config file; "
                                  "choose another id"])
        if editing and not self.is_managed(source["id"]):
            raise SiteInputError([f"id: {source['id']!r} is not a source added in the UI; add it instead"])
        detail = f"{source['kind']} {source.get('url') or ''}".strip()
        if source["kind"] == "feed":
            adapter = self.bridge.intake.source_adapter(source)
            try:
                items, _ = adapter.fetch({})
            except AdapterError as exc:
                return Verdict(False, source["id"], problems=[f"url: {exc.describe()}"])
            note = f"the feed answered with {len(items)} entr{'y' if len(items) == 1 else 'ies'}"
        else:
            note = new_secret
        self.persist(source["id"], raw, secrets, actor=actor, detail=detail)
        self.bridge.refresh_sites()
        return Verdict(True, source["id"], note=note)


def setup(bridge: Bridge) -> SourceAdmin:
    admin = SourceAdmin(bridge)
    admin.refresh()
    return admin

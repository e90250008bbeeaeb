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

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from adapters.base import AdapterError

from .config import ConfigError, validate_config
from .managed import ManagedEntries, SiteInputError, Verdict, env_name
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge

SOURCE_KINDS = {"feed": N_("Feed (RSS, Atom, JSON Feed)"), "webhook": N_("Webhook sender")}
FLAGS = ("trusted", "require_consent")
#: ``[sources.rules]`` word lists; the form's fields are named by their key path (``rules.banned``),
#: so a problem the schema names (``rules.banned[2]: …``) points at its field
RULE_LISTS = ("banned", "suspect")


def _checked(value: object) -> bool:
    return value is True or str(value or "").strip().lower() in ("1", "on", "true", "yes")


def _words(value: str | Iterable[object] | None) -> list[str]:
    """A textarea's words and phrases, one a line (or the CLI's repeated option), each
    with its spaces collapsed (a phrase matches across any whitespace anyway); blank
    lines and repeats dropped."""
    lines = value.splitlines() if isinstance(value, str) else list(value or [])
    words: list[str] = []
    for line in lines:
        word = " ".join(str(line).split())
        if word and word not in words:
            words.append(word)
    return words


def _rules_from_form(form: dict) -> dict:
    rules: dict = {key: _words(form.get(f"rules.{key}")) for key in RULE_LISTS}
    rules = {key: words for key, words in rules.items() if words}
    max_links = str(form.get("rules.max_links") or "").strip()
    if max_links:  # a bad one goes to the schema as it is, which names it
        rules["max_links"] = int(max_links) if re.fullmatch(r"-?\d+", max_links) else max_links
    return rules


def form_from_source(raw: dict) -> dict:
    """The source form's fields for a stored table (what an edit starts from): each
    rule list one word or phrase a line."""
    rules = raw.get("rules") or {}
    values = {key: value for key, value in raw.items() if key != "rules"}
    values.update({f"rules.{key}": "\n".join(rules.get(key) or []) for key in RULE_LISTS})
    if "max_links" in rules:
        values["rules.max_links"] = rules["max_links"]
    return values


def source_from_form(form: dict, keep: dict[str, str] | None = None) -> tuple[dict, dict[str, str]]:
    """A ``[[sources]]`` table and its secrets from the source form (or the CLI's
    options); ``targets`` is a list of site ids, ``rules.banned`` / ``rules.suspect``
    a textarea's lines or a list, ``rules.max_links`` a number. A webhook secret left
    blank keeps the stored one (``keep``), or is made new by the service."""
    source_id = (form.get("id") or "").strip()
    kind = (form.get("kind") or "").strip()
    raw: dict[str, Any] = {"id": source_id, "kind": kind, "name": (form.get("name") or "").strip(),
           "network": (form.get("network") or "").strip(),
           "targets": [t.strip() for t in form.get("targets") or [] if t.strip()]}
    raw.update({flag: _checked(form.get(flag)) for flag in FLAGS})
    interval = str(form.get("interval") or "").strip()
    if interval:
        raw["interval"] = int(interval) if interval.isdigit() else interval  # the schema names a bad one
    rules = _rules_from_form(form)
    if rules:
        raw["rules"] = rules
    secrets: dict[str, str] = {}
    if kind == "feed" and (form.get("url") or "").strip():  # none: the schema says a feed needs one
        raw["url"] = form["url"].strip()
    elif kind == "webhook":
        raw["secret_env"] = env_name(source_id, "secret", "SOURCE_")
        secrets[raw["secret_env"]] = (form.get("secret") or "").strip() or (keep or {}).get(raw["secret_env"], "")
    return raw, secrets


def changed_keys(before: dict, after: dict) -> list[str]:
    """The keys (``rules.*`` one each) a change gives new values, for the audit log: what
    changed, not the words themselves."""
    def flat(raw: dict) -> dict:
        rules = raw.get("rules") or {}
        return {**{k: v for k, v in raw.items() if k != "rules"}, **{f"rules.{k}": v for k, v in rules.items()}}
    old, new = flat(before), flat(after)
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


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
        problems = [f"targets[{i}]: " + Words(N_("%(target)r is not the id of a connected site (known: %(site_ids)s); "
                                                   "pick one of those or leave it out"),
                                                target=t, site_ids=", ".join(sorted(site_ids)) or "none")
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
        # the inbox's watch list is built anew from the sources' rules (it kept the words it was
        # first built with), and intake compiles them once per change as it does the file's
        self.bridge.intake.sources_changed()
        self.bridge.moderation.sources_changed()

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
            raise SiteInputError(["id: " + Words(N_("%(source_id)r is already a source from the config file; "
                                                     "choose another id"), source_id=source["id"])])
        if editing and not self.is_managed(source["id"]):
            raise SiteInputError(["id: " + Words(N_("%(source_id)r is not a source added in the UI; add it instead"),
                                                 source_id=source["id"])])
        before = self.row(source["id"])
        detail = f"{source['kind']} {source.get('url') or ''}".strip()
        if before is not None:
            changed = changed_keys(before["raw"], raw)
            if self.box.open(before["sealed"]) != secrets:
                changed.append("secret")
            detail += f"; changed: {', '.join(changed) or 'nothing'}"
        entries = None
        if source["kind"] == "feed":
            adapter = self.bridge.intake.source_adapter(source)
            try:
                items, _ = adapter.fetch({})
            except AdapterError as exc:
                return Verdict(False, source["id"], problems=[f"url: {exc.describe()}"])
            entries = len(items)
            note: str = Words(N_("the feed answered with %(entries)s entry") if entries == 1
                              else N_("the feed answered with %(entries)s entries"), entries=entries)
        else:
            note = new_secret
        self.persist(source["id"], raw, secrets, actor=actor, detail=detail)
        self.bridge.refresh_sites()
        return Verdict(True, source["id"], note=note, entries=entries)


def setup(bridge: Bridge) -> SourceAdmin:
    admin = SourceAdmin(bridge)
    admin.refresh()
    return admin

"""Sites connected from the web UI (or ``cms-bridge sites add``) beside the ones in
the config file.

A managed site is stored as the very table a ``[[sites]]`` entry would be, with
its ``*_env`` keys naming variables that only exist in its sealed credentials;
loading it runs the config file's own validation with those credentials as the
environment, so both kinds of site obey one schema. Sites from the file stay
read-only here. Every process (gunicorn workers, ``sync``) compares a generation
number in the database before it uses the site list, so a site added in one
worker is synced by the next ``cms-bridge sync`` without a restart. An edit that
leaves a secret blank keeps the stored one; the check runs on every save and a
site that fails it is not saved (the working settings stay).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters import registry
from adapters.base import AdapterError

from .config import ConfigError, validate_config
from .managed import ManagedEntries, SiteInputError, Verdict, env_name
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge

__all__ = ["KIND_FIELDS", "SiteAdmin", "SiteInputError", "Verdict", "table_from_form", "form_from_table"]

#: the TYPO3 connector's capabilities, one reaction each (connectors/typo3/README.md)
CONNECTOR_CAPABILITIES = ("upsert_news", "unpublish", "list_comments", "moderate_comment", "reply")

#: each capability as the form names it (English: the reaction type's words)
CAPABILITY_WORDS = {"upsert_news": N_("upsert news"), "unpublish": N_("unpublish"),
                    "list_comments": N_("list comments"), "moderate_comment": N_("moderate comment"),
                    "reply": N_("reply")}
#: what each kind (and TYPO3 mode) asks for in the form: (field, label, secret?); the labels are
#: Words, said in the reader's language by the page (``|say``) and in English elsewhere
KIND_FIELDS: dict[str, tuple[tuple[str, Words, bool], ...]] = {
    "wordpress": (("username", Words(N_("WordPress username")), False),
                  ("password", Words(N_("Application password")), True)),
    "typo3": (("reaction_url", Words(N_("Reaction URL (EXT:reactions, create-record)")), False),
              ("reaction_secret", Words(N_("Reaction secret")), True)),
    "typo3-connector": tuple(
        pair for cap in CONNECTOR_CAPABILITIES
        for pair in ((f"connector_{cap}_url", Words(N_("%(capability)s: reaction URL"),
                                                    capability=Words(CAPABILITY_WORDS[cap])), False),
                     (f"connector_{cap}_secret", Words(N_("%(capability)s: reaction secret"),
                                                       capability=Words(CAPABILITY_WORDS[cap])), True))),
}
KIND_TITLES = {"wordpress": "WordPress", "typo3": N_("TYPO3 (reaction)"), "typo3-connector": N_("TYPO3 (connector)")}


def _text(form: dict, key: str) -> str:
    return (form.get(key) or "").strip()


LABELS = {key: label for fields in KIND_FIELDS.values() for key, label, _ in fields}


def _secret(form: dict, key: str, env: str, keep: dict[str, str], secrets: dict[str, str], missing: list) -> None:
    """A secret from the form, or (left blank on an edit) the stored one."""
    secrets[env] = _text(form, key) or keep.get(env, "")
    if not secrets[env]:
        missing.append(Words(N_("%(label)s: is missing (paste it from the site; it is stored encrypted)"),
                             label=LABELS[key]))


def table_from_form(form: dict, keep: dict[str, str] | None = None) -> tuple[dict, dict[str, str]]:
    """A ``[[sites]]`` table and its secrets from the site form's fields; a blank
    secret takes its value from ``keep`` (the stored secrets of the site edited)."""
    keep = keep or {}
    variant = _text(form, "kind")
    site_id = _text(form, "id")
    kind = "typo3" if variant == "typo3-connector" else variant
    raw: dict[str, Any] = {"id": site_id, "kind": kind, "url": _text(form, "url"), "name": _text(form, "name")}
    secrets: dict[str, str] = {}
    missing: list[str] = []
    if variant == "wordpress":
        raw["username"] = _text(form, "username")
        raw["password_env"] = env_name(site_id, "password")
        _secret(form, "password", raw["password_env"], keep, secrets, missing)
        if form.get("transport"):
            raw["transport"] = form["transport"]
    elif variant == "typo3":
        raw["mode"] = "reaction"
        raw["reaction"] = {"url": _text(form, "reaction_url"), "secret_env": env_name(site_id, "reaction_secret")}
        _secret(form, "reaction_secret", raw["reaction"]["secret_env"], keep, secrets, missing)
    elif variant == "typo3-connector":
        raw["mode"], raw["connector"] = "connector", {}
        for cap in CONNECTOR_CAPABILITIES:
            url = _text(form, f"connector_{cap}_url")
            if not url:
                continue  # a capability left out is simply not granted
            raw["connector"][cap] = {"url": url, "secret_env": env_name(site_id, f"{cap}_secret")}
            _secret(form, f"connector_{cap}_secret", raw["connector"][cap]["secret_env"], keep, secrets, missing)
    if missing:
        raise SiteInputError(missing)
    return raw, secrets


def form_from_table(raw: dict) -> dict:
    """The site form's (non-secret) fields for a stored table: what an edit starts from."""
    values = {k: raw.get(k, "") for k in ("id", "name", "url", "username", "transport")}
    if raw.get("kind") == "typo3" and raw.get("mode") == "connector":
        values["kind"] = "typo3-connector"
        for cap, endpoint in (raw.get("connector") or {}).items():
            values[f"connector_{cap}_url"] = endpoint.get("url", "")
    else:
        values["kind"] = raw.get("kind", "wordpress")
        values["reaction_url"] = (raw.get("reaction") or {}).get("url", "")
    return {k: v for k, v in values.items() if v}


class SiteAdmin(ManagedEntries):
    table, noun = "managed_sites", "site"

    def __init__(self, bridge: Bridge):
        super().__init__(bridge)
        self.file_sites = list(bridge.config.sites)

    def validated(self, raw: dict, secrets: dict[str, str]) -> tuple[dict, dict[str, str]]:
        """The config file's validation, with the sealed secrets as the environment."""
        try:
            config = validate_config({"sites": [raw]}, environ=secrets)
        except ConfigError as exc:
            raise SiteInputError([p.replace("sites[0].", "", 1) for p in exc.problems]) from None
        return config.sites[0], config.site_secrets(raw["id"])

    def install(self, loaded: list[tuple[dict, dict[str, str]]]) -> None:
        config = self.bridge.config
        managed = [site for site, _ in loaded]
        for site, secrets in loaded:
            config.secrets[("site", site["id"])] = secrets
        before = {s["id"] for s in config.sites}
        config.sites[:] = self.file_sites + managed
        for site_id in before | {s["id"] for s in managed}:
            self.bridge.forget_adapter(site_id)
        self.store.sync_sites(managed)

    def audit(self, entry_id: str, *, actor: str, action: str, detail: str = "") -> None:
        self.store.log_site_change(entry_id, actor=actor, action=action, detail=detail)

    def add(self, raw: dict, secrets: dict[str, str], *, actor: str, editing: bool = False) -> Verdict:
        """Validate, check the connection, and save only a site that works. ``editing``
        changes a site added before (and refuses an id that is not one)."""
        site, site_secrets = self.validated(raw, secrets)
        if any(s["id"] == site["id"] for s in self.file_sites):
            raise SiteInputError([Words(N_("id: %(id)r is already a site from the config file; choose another id"),
                                        id=site["id"])])
        if editing and not self.is_managed(site["id"]):
            raise SiteInputError([Words(N_("id: %(id)r is not a site added in the UI; add it instead"),
                                        id=site["id"])])
        adapter = registry.get_cms_adapter(site["kind"])(site, site_secrets)
        try:
            report = adapter.check()
        except AdapterError as exc:
            return Verdict(False, site["id"], problems=[exc.describe()])
        finally:
            adapter.close()
        if not report.ok:
            return Verdict(False, site["id"], report=report, problems=list(report.problems))
        self.persist(site["id"], raw, secrets, actor=actor,
                     detail=f"{site['kind']} {site['url']} ({report.transport} {report.version})")
        self.store.record_site_check(site["id"], transport=report.transport, version=report.version,
                                     capabilities=report.capabilities)
        self.bridge.refresh_sites()
        return Verdict(True, site["id"], report=report)


def setup(bridge: Bridge) -> SiteAdmin:
    service = SiteAdmin(bridge)
    service.refresh()
    return service

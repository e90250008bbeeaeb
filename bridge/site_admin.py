"""Sites connected from the web UI (or ``cms-bridge sites add``) beside the ones in
the config file.

A managed site is stored as the very table a ``[[sites]]`` entry would be, with
its ``*_env`` keys naming variables that only exist in its sealed credentials;
loading it runs the config file's own validation with those credentials as the
environment, so both kinds of site obey one schema. Sites from the file stay
read-only here. Every process (gunicorn workers, ``sync``) compares a generation
number in the database before it uses the site list, so a site added in one
worker is synced by the next ``cms-bridge sync`` without a restart.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from adapters import registry
from adapters.base import AdapterError
from adapters.types import ConnectionReport

from .config import ConfigError, validate_config
from .secretbox import SecretBox, SecretsUnreadable

log = logging.getLogger(__name__)

#: what each kind asks for in the form: (field, label, secret?)
KIND_FIELDS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "wordpress": (("username", "WordPress username", False), ("password", "Application password", True)),
    "typo3": (("reaction_url", "Reaction URL (EXT:reactions, create-record)", False),
              ("reaction_secret", "Reaction secret", True)),
}


class SiteInputError(Exception):
    """The form or command describes no valid site; ``problems`` has one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Verdict:
    """What saving a site came to: saved or not, and what the check said."""

    saved: bool
    site_id: str
    report: ConnectionReport | None = None
    problems: list[str] = field(default_factory=list)


def _env_name(site_id: str, key: str) -> str:
    return f"CMS_BRIDGE_UI_{re.sub(r'[^A-Z0-9]', '_', site_id.upper())}_{key.upper()}"


def table_from_form(form: dict) -> tuple[dict, dict[str, str]]:
    """A ``[[sites]]`` table and its secrets from the add-site form's fields."""
    kind = (form.get("kind") or "").strip()
    site_id = (form.get("id") or "").strip()
    raw = {"id": site_id, "kind": kind, "url": (form.get("url") or "").strip(),
           "name": (form.get("name") or "").strip()}
    secrets: dict[str, str] = {}
    if kind == "wordpress":
        raw["username"] = (form.get("username") or "").strip()
        raw["password_env"] = _env_name(site_id, "password")
        secrets[raw["password_env"]] = (form.get("password") or "").strip()
        if form.get("transport"):
            raw["transport"] = form["transport"]
    elif kind == "typo3":
        raw["mode"] = "reaction"
        raw["reaction"] = {"url": (form.get("reaction_url") or "").strip(),
                           "secret_env": _env_name(site_id, "reaction_secret")}
        secrets[raw["reaction"]["secret_env"]] = (form.get("reaction_secret") or "").strip()
    missing = [name for name, value in secrets.items() if not value]
    if kind in KIND_FIELDS and missing:
        label = next(lbl for key, lbl, secret in KIND_FIELDS[kind] if secret)
        raise SiteInputError([f"{label}: is missing (paste it from the site; it is stored encrypted)"])
    return raw, secrets


class SiteAdmin:
    def __init__(self, bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.box = SecretBox(bridge.config.server["database"])
        self.file_sites = list(bridge.config.sites)
        self.problems: dict[str, str] = {}  # managed sites that could not be loaded, and why
        self._generation: int | None = None

    # -- the merged site list -------------------------------------------------
    def refresh(self) -> None:
        """Load managed sites into ``config.sites`` if another process changed them."""
        generation = self.store.managed_sites_generation()
        if generation == self._generation:
            return
        managed, self.problems = [], {}
        config = self.bridge.config
        for row in self.store.managed_sites():
            if row["disabled"]:
                continue
            try:
                site, secrets = self.validated(row["raw"], self.box.open(row["sealed"]))
            except (SiteInputError, SecretsUnreadable) as exc:
                self.problems[row["id"]] = str(exc)
                log.warning("managed site %s not loaded: %s", row["id"], exc)
                continue
            site["origin"] = "ui"
            managed.append(site)
            config.secrets[("site", site["id"])] = secrets
        before = {s["id"]: s for s in config.sites}
        config.sites[:] = self.file_sites + managed
        for site_id in set(before) | {s["id"] for s in managed}:
            self.bridge.forget_adapter(site_id)
        self.store.sync_sites(managed)
        self._generation = generation

    def validated(self, raw: dict, secrets: dict[str, str]) -> tuple[dict, dict[str, str]]:
        """The config file's validation, with the sealed secrets as the environment."""
        try:
            config = validate_config({"sites": [raw]}, environ=secrets)
        except ConfigError as exc:
            raise SiteInputError([p.replace("sites[0].", "", 1) for p in exc.problems]) from None
        return config.sites[0], config.site_secrets(raw["id"])

    def is_managed(self, site_id: str) -> bool:
        return any(row["id"] == site_id for row in self.store.managed_sites())

    def managed_rows(self) -> list[dict]:
        return [{**row, "problem": self.problems.get(row["id"])} for row in self.store.managed_sites()]

    # -- changes ----------------------------------------------------------------
    def add(self, raw: dict, secrets: dict[str, str], *, actor: str) -> Verdict:
        """Validate, check the connection, and save only a site that works."""
        site, site_secrets = self.validated(raw, secrets)
        if any(s["id"] == site["id"] for s in self.file_sites):
            raise SiteInputError([f"id: {site['id']!r} is already a site from the config file; choose another id"])
        adapter = registry.get_cms_adapter(site["kind"])(site, site_secrets)
        try:
            report = adapter.check()
        except AdapterError as exc:
            return Verdict(False, site["id"], problems=[exc.describe()])
        finally:
            adapter.close()
        if not report.ok:
            return Verdict(False, site["id"], report=report, problems=list(report.problems))
        existed = self.is_managed(site["id"])
        self.store.save_managed_site(site["id"], raw, self.box.seal(secrets), actor=actor)
        self.store.log_site_change(site["id"], actor=actor, action="site-updated" if existed else "site-added",
                                   detail=f"{site['kind']} {site['url']} ({report.transport} {report.version})")
        self.store.record_site_check(site["id"], transport=report.transport, version=report.version,
                                     capabilities=report.capabilities)
        self.refresh()
        return Verdict(True, site["id"], report=report)

    def set_disabled(self, site_id: str, disabled: bool, *, actor: str) -> bool:
        if not self.store.set_managed_site_disabled(site_id, disabled):
            return False
        self.store.log_site_change(site_id, actor=actor, action="site-disabled" if disabled else "site-enabled",
                                   detail="")
        self.refresh()
        return True

    def remove(self, site_id: str, *, actor: str) -> bool:
        """Forget the site's connection; its comments and history stay readable."""
        if not self.store.delete_managed_site(site_id):
            return False
        self.store.log_site_change(site_id, actor=actor, action="site-removed", detail="")
        self.refresh()
        return True


def setup(bridge) -> SiteAdmin:
    service = SiteAdmin(bridge)
    service.refresh()
    return service

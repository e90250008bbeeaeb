"""Connected sites from the command line: list them, check that each is usable."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from adapters.base import ALL_FEATURES, AdapterError

from . import NO_SITES, cli_actor, main, pass_ctx, remove_managed

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

    from adapters.base import Feature
    from adapters.types import ConnectionReport

    from . import Context


@main.group()
def sites():
    """The WordPress and TYPO3 sites the bridge publishes to and moderates."""


@sites.command("list")
@pass_ctx
def sites_list(ctx: Context):
    """Each configured site with its state, transport and last sync."""
    configured = ctx.bridge.config.sites  # the Bridge adds the sites connected in the UI
    if not configured:
        click.echo(NO_SITES)
        return
    rows = {r["id"]: r for r in ctx.bridge.store.list_sites()}
    for site in configured:
        row = rows.get(site["id"], {})
        state = row.get("status", "ok")
        if state == "attention":
            state = f"needs attention: {row.get('attention_reason')}"
        click.echo(f"{site['id']}\t{site['kind']}\t{site['url']}\t{row.get('transport') or '-'}\t{state}\t"
                   f"last sync: {row.get('last_sync_at') or 'never'}"
                   + (f" ({row['last_sync_summary']})" if row.get("last_sync_summary") else ""))


@sites.command("check")
@click.argument("site_id", required=False)
@pass_ctx
def sites_check(ctx: Context, site_id: str | None):
    """Probe each site (or SITE_ID): version, transport, what the account may do,
    or what to fix. Exits 0 only if every checked site is usable."""
    bridge = ctx.bridge
    ids = [site_id] if site_id else [s["id"] for s in ctx.config.sites]
    if site_id and ctx.config.site(site_id) is None:
        known = ", ".join(s["id"] for s in ctx.config.sites) or "none"
        raise click.UsageError(f"no site {site_id!r} in the configuration (known: {known})")
    if not ids:
        click.echo(NO_SITES)
        return
    unusable = 0
    for sid in ids:
        try:
            report = bridge.adapter(sid).check()
        except AdapterError as exc:
            unusable += 1
            click.echo(f"{sid}: NOT USABLE\n  - {exc.describe()}")
            continue
        if report.transport:
            bridge.store.record_site_check(sid, transport=report.transport, version=report.version,
                                           capabilities=report.capabilities)
        _print_report(sid, report, bridge.adapter(sid).features)
        # -- WordPress connector plugin: active + version
        for line in (bridge.wordpress_plugin.check_lines(sid) if report.transport else []):
            click.echo(f"  {line}")
        if report.ok:
            bridge.store.set_site_attention(sid, None)
        else:
            unusable += 1
    if unusable:
        raise SystemExit(1)


def _print_report(sid: str, report: ConnectionReport, features: AbstractSet[Feature]) -> None:
    caps = ", ".join(f"{k.replace('_', ' ')} {'yes' if v else 'NO'}" for k, v in report.capabilities.items())
    head = "ok" if report.ok else "NOT USABLE"
    click.echo(f"{sid}: {head} — {report.kind} {report.version or '(version unknown)'}, "
               f"transport {report.transport or 'none'}" + (f"; {caps}" if caps else ""))
    click.echo("  features: " + (", ".join(sorted(f.value for f in features)) or "none")
               + (f"; not offered for this site: {', '.join(sorted(f.value for f in ALL_FEATURES - features))}"
                  if ALL_FEATURES - features else ""))
    for problem in report.problems:
        click.echo(f"  - {problem}")
    for note in report.notes:
        click.echo(f"  note: {note}")


@sites.command("add")
@click.option("--id", "site_id", required=True, help="Short id, e.g. corp.")
@click.option("--kind", type=click.Choice(["wordpress", "typo3"]), default="wordpress", show_default=True)
@click.option("--url", required=True, help="The site's address, e.g. https://www.example.org.")
@click.option("--name", default="", help="A display name.")
@click.option("--username", help="WordPress: the account's username.")
@click.option("--reaction-url", help="TYPO3 (reaction mode): the create-record reaction's URL.")
@click.option("--secret-env", metavar="VAR", help="Read the application password / reaction secret from VAR "
              "instead of asking for it.")
@pass_ctx
def sites_add(ctx: Context, site_id: str, kind: str, url: str, name: str, username: str | None,
              reaction_url: str | None, secret_env: str | None):
    """Connect a site (stored in the database, its secret encrypted), checked first:
    a site that does not work is not saved. Exit 1 if the check fails."""
    import os

    from ..site_admin import SiteInputError, table_from_form

    if secret_env:
        secret = os.environ.get(secret_env) or ""
        if not secret:
            raise click.UsageError(f"--secret-env: environment variable {secret_env!r} is not set")
    else:
        secret = click.prompt("application password" if kind == "wordpress" else "reaction secret", hide_input=True)
    form = {"id": site_id, "kind": kind, "url": url, "name": name, "username": username or "",
            "password": secret, "reaction_url": reaction_url or "", "reaction_secret": secret}
    try:
        raw, secrets = table_from_form(form)
        verdict = ctx.bridge.site_admin.add(raw, secrets, actor=cli_actor())
    except SiteInputError as exc:
        raise click.UsageError("; ".join(exc.problems)) from None
    if verdict.report is not None:
        _print_report(site_id, verdict.report, ctx.bridge.adapter(site_id).features if verdict.saved else set())
    else:
        click.echo(f"{site_id}: NOT USABLE")
        for problem in verdict.problems:
            click.echo(f"  - {problem}")
    if not verdict.saved:
        click.echo(f"{site_id}: not saved")
        raise SystemExit(1)
    click.echo(f"{site_id}: saved; the next sync pulls its comments")


@sites.command("remove")
@click.argument("site_id")
@pass_ctx
def sites_remove(ctx: Context, site_id: str):
    """Remove a site connected in the UI or with `sites add` (its comments stay readable)."""
    remove_managed(ctx.bridge.site_admin, site_id, in_config=ctx.config.site(site_id) is not None,
                   fix="comes from the config file; remove it there", unknown="is not a site here")

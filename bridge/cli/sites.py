"""Connected sites from the command line: list them, check that each is usable."""
from __future__ import annotations

import click

from adapters.base import ALL_FEATURES, AdapterError

from . import main, pass_ctx


@main.group()
def sites():
    """The WordPress and TYPO3 sites the bridge publishes to and moderates."""


@sites.command("list")
@pass_ctx
def sites_list(ctx):
    """Each configured site with its state, transport and last sync."""
    configured = ctx.config.sites
    if not configured:
        click.echo("no sites configured (add [[sites]] tables to the config file)")
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
def sites_check(ctx, site_id):
    """Probe each site (or SITE_ID): version, transport, what the account may do,
    or what to fix. Exits 0 only if every checked site is usable."""
    bridge = ctx.bridge
    ids = [site_id] if site_id else [s["id"] for s in ctx.config.sites]
    if site_id and ctx.config.site(site_id) is None:
        known = ", ".join(s["id"] for s in ctx.config.sites) or "none"
        raise click.UsageError(f"no site {site_id!r} in the configuration (known: {known})")
    if not ids:
        click.echo("no sites configured (add [[sites]] tables to the config file)")
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
        caps = ", ".join(f"{k.replace('_', ' ')} {'yes' if v else 'NO'}" for k, v in report.capabilities.items())
        head = "ok" if report.ok else "NOT USABLE"
        click.echo(f"{sid}: {head} — {report.kind} {report.version or '(version unknown)'}, "
                   f"transport {report.transport or 'none'}" + (f"; {caps}" if caps else ""))
        features = bridge.adapter(sid).features
        click.echo("  features: " + (", ".join(sorted(f.value for f in features)) or "none")
                   + (f"; not offered for this site: {', '.join(sorted(f.value for f in ALL_FEATURES - features))}"
                      if ALL_FEATURES - features else ""))
        for problem in report.problems:
            click.echo(f"  - {problem}")
        for note in report.notes:
            click.echo(f"  note: {note}")
        plugin = bridge.services.get("wordpress_plugin")  # -- WordPress connector plugin: active + version
        for line in (plugin.check_lines(sid) if plugin and report.transport else []):
            click.echo(f"  {line}")
        if report.ok:
            bridge.store.set_site_attention(sid, None)
        else:
            unusable += 1
    if unusable:
        raise SystemExit(1)

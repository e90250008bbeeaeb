"""``cms-bridge sync``: what cron runs."""
from __future__ import annotations

import click

from . import main, pass_ctx


@main.command("sync")
@click.option("--site", "site_id", metavar="ID", help="Only this site (default: every configured site).")
@click.option("--wait", is_flag=True, help="If another sync of a site is running, wait for it instead of skipping.")
@pass_ctx
def sync(ctx, site_id, wait):
    """Pull new comments, reconcile open ones, write decisions back (outbox).

    Prints one line per site. Exits 1 if any site failed; a site whose previous
    sync is still running is skipped quietly (a note on stderr) unless --wait.
    """
    if site_id and ctx.config.site(site_id) is None:
        known = ", ".join(s["id"] for s in ctx.config.sites) or "none"
        raise click.UsageError(f"no site {site_id!r} in the configuration (known: {known})")
    if not ctx.config.sites:
        click.echo("no sites configured (add [[sites]] tables to the config file)")
        return
    run = ctx.bridge.services["sync"].run([site_id] if site_id else None, wait=wait)
    for result in run.results:
        if result.skipped:
            click.echo(f"cms-bridge sync: {result.summary()}", err=True)
        else:
            click.echo(result.summary())
    if not run.ok:
        raise SystemExit(1)

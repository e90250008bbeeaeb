"""The outbox from the command line."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from . import main, pass_ctx, without_secrets

if TYPE_CHECKING:
    from . import Context


@main.group()
def jobs():
    """Outbox jobs: every change bridge makes on a site."""


@jobs.command("list")
@click.option("--state", type=click.Choice(["queued", "running", "done", "failed", "superseded"]),
              help="Only jobs in this state.")
@click.option("--site", help="Only jobs of this site.")
@click.option("--limit", type=int, default=50, show_default=True)
@pass_ctx
@without_secrets
def jobs_list(ctx: Context, state: str | None, site: str | None, limit: int):
    """List jobs, newest first."""
    rows = ctx.bridge.outbox.list(state=state, site_id=site, limit=limit)
    if not rows:
        click.echo("no jobs")
    for job in rows:
        error = f"\t{job['last_error']}" if job["last_error"] else ""
        click.echo(f"{job['id']}\t{job['state']}\t{job['kind']}\t{job['site_id'] or '-'}\t"
                   f"attempts {job['attempts']}/{job['max_attempts']}{error}")


@jobs.command("retry")
@click.argument("job_ids", type=int, nargs=-1)
@click.option("--all-failed", is_flag=True, help="Retry every failed job.")
@pass_ctx
@without_secrets
def jobs_retry(ctx: Context, job_ids: tuple[int, ...], all_failed: bool):
    """Queue failed jobs again (the next `cms-bridge sync` runs them)."""
    outbox = ctx.bridge.outbox
    ids = list(job_ids)
    if all_failed:
        ids += [j["id"] for j in outbox.list(state="failed", limit=100000)]
    if not ids:
        raise click.UsageError("name job ids or give --all-failed")
    bad = [i for i in ids if not outbox.retry(i)]
    for i in ids:
        if i not in bad:
            click.echo(f"job {i} queued again")
    if bad:
        raise click.ClickException(f"not failed or unknown: {', '.join(map(str, bad))}")

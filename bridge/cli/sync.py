"""``cms-bridge sync``: what cron runs."""
from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING

import click

from ..sync import SyncRun, source_summary
from . import NO_SITES, Context, main, pass_ctx
from .progress import Progress

if TYPE_CHECKING:
    from . import Context


@main.command("sync")
@click.option("--site", "site_id", metavar="ID",
              help="Only this site, and no feed polling (default: every configured site, after the due feeds).")
@click.option("--wait", is_flag=True, help="If another sync of a site is running, wait for it instead of skipping.")
@click.option("--no-sources", is_flag=True, help="Do not poll the due feed sources.")
@click.option("--no-sites", is_flag=True, help="Only poll the due feed sources; sync no site.")
@click.option("--every", type=click.IntRange(min=10), metavar="SECONDS",
              help="Keep running: sync again SECONDS after each run ends (for a service manager instead of cron).")
@pass_ctx
def sync(ctx: Context, site_id: str | None, wait: bool, no_sources: bool, no_sites: bool, every: int | None):
    """Poll due feeds, pull new comments, reconcile open ones, write decisions back (outbox).

    Prints one line per polled source ("source ID: …") and one per site. Exits 1
    if any source or site failed; a failing source never stops the sites' sync.
    A site (or the sources) whose previous sync is still running is skipped
    quietly (a note on stderr) unless --wait.
    """
    if site_id and no_sites:
        raise click.UsageError("--site and --no-sites contradict each other")
    ctx.bridge  # noqa: B018 - building it adds the sites connected in the UI to ctx.config
    if site_id and ctx.config.site(site_id) is None:
        known = ", ".join(s["id"] for s in ctx.config.sites) or "none"
        raise click.UsageError(f"no site {site_id!r} in the configuration (known: {known})")
    from .. import logs, running

    logs.configure(ctx.config.server.log_format)
    ctx.running_lock = running.hold_shared(ctx.config.server.database)  # `restore` waits for us to stop
    sources = not no_sources and not site_id
    sites = not no_sites
    if sites and not ctx.config.sites:
        click.echo(NO_SITES)
        sites = False
    if every is None:
        if not _sync_once(ctx, site_id, wait=wait, sources=sources, sites=sites):
            raise SystemExit(1)
        return
    # A loop for `make run` and service managers: SIGTERM/Ctrl-C end it between runs;
    # a failed run is reported and the next one comes anyway.
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        while not stop:
            click.echo(f"-- sync at {time.strftime('%Y-%m-%d %H:%M:%S')}")
            _sync_once(ctx, site_id, wait=wait, sources=sources, sites=sites)
            deadline = time.monotonic() + every
            while not stop and time.monotonic() < deadline:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass


def _sync_once(ctx: Context, site_id: str | None, *, wait: bool, sources: bool, sites: bool) -> bool:
    service = ctx.bridge.sync
    # The first sync of a big site pulls for a while: a bar with counts and an ETA when
    # the adapter knows how many comments remain, else a running count.
    counts: dict[str, Progress] = {}

    def pulled(sid: str, n: int, total: int | None = None) -> None:
        for other in [k for k in counts if k != sid]:
            counts.pop(other).close()
        bar = counts.setdefault(sid, Progress(f"{sid}: comments pulled", None))
        if total is not None and (bar.bar is not None or bar.done == 0):
            bar.at(bar.done + n, total)
        else:
            bar.step(n)

    service.on_pulled = pulled
    try:
        run = service.run([site_id] if site_id else None, wait=wait, sources=sources, sites=sites)
    finally:
        service.on_pulled = None
        for bar in counts.values():
            bar.close()
    _report(ctx, run)
    return run.ok


def _report(ctx: Context, run: SyncRun) -> None:
    """One line per source polled, site synced and side job (privacy purge, notifications);
    what was skipped goes to stderr, so cron mails only what needs a look."""
    if run.sources_skipped:
        click.echo(f"cms-bridge sync: sources skipped, {run.sources_skipped}", err=True)
    if run.sources_error:
        click.echo(f"sources: FAILED: {run.sources_error}")
    for polled in run.polled:
        click.echo(source_summary(polled))
    purged = ctx.bridge.privacy.purge_expired()
    if purged:
        click.echo(f"privacy: removed the text of {purged} decided comment(s) past [privacy] retention_days")
    if run.notifications_error:
        click.echo(f"notifications: FAILED: {run.notifications_error}")
    elif run.notifications and (run.notifications[0] or run.notifications[1].done or run.notifications[1].errors):
        created, stats = run.notifications
        click.echo(f"notifications: {created} new, {stats.done} sent, {stats.retried + stats.failed} errors")
    for result in run.results:
        if result.skipped:
            click.echo(f"cms-bridge sync: {result.summary()}", err=True)
        else:
            click.echo(result.summary())

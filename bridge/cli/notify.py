"""``cms-bridge notify``: digests and threshold alerts, for cron (``sync`` does it too)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from . import main, pass_ctx

if TYPE_CHECKING:
    from . import Context


@main.command("notify")
@pass_ctx
def notify(ctx: Context):
    """Enqueue the due digests and newly crossed alerts, then send every due notification.

    Each message goes out once (the outbox's idempotency key per digest period and
    alert episode); a failed delivery is retried with backoff on a later run.
    Exits 1 if a delivery failed for good in this run.
    """
    created, stats = ctx.bridge.notifications.run()
    click.echo(f"notifications: {created} new, {stats.done} sent, {stats.retried} to retry, "
               f"{stats.failed} failed")
    for error in stats.errors:
        click.echo(f"  {error}", err=True)
    if stats.failed:
        raise SystemExit(1)

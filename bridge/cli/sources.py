"""Sources from the command line: list them, poll them by hand, make a webhook secret."""
from __future__ import annotations

import sys

import click

from . import main, pass_ctx, without_secrets


@main.group()
def sources():
    """Feeds and webhook senders that bring social items in."""


def _when(value) -> str:
    return value or "never"


@sources.command("list")
@pass_ctx
@without_secrets
def sources_list(ctx):
    """Each source with its state, last poll and last error."""
    bridge = ctx.bridge
    configured = {s["id"]: s for s in ctx.config.sources}
    if not configured:
        click.echo("no sources configured (add [[sources]] tables to the config file)")
        return
    rows = {r["id"]: r for r in bridge.store.list_sources()}
    for source_id, source in configured.items():
        row = rows.get(source_id, {})
        items = bridge.store.count_items(source_id)
        flags = []
        if source.get("trusted"):
            flags.append("trusted")
        if source.get("require_consent"):
            flags.append("consent")
        where = source.get("url") or f"POST /webhooks/social/{source_id}"
        click.echo(f"{source_id}\t{source['kind']}\t{row.get('status', 'ok')}\t{items} item(s)\t{where}"
                   + (f"\t[{', '.join(flags)}]" if flags else ""))
        if source["kind"] == "feed":
            click.echo(f"    last poll: {_when(row.get('last_polled_at'))}, every {source['interval']} s")
        if row.get("last_error"):
            click.echo(f"    last error ({row.get('last_error_at')}): {row['last_error']}")
        if row.get("last_warning"):
            click.echo(f"    warning: {row['last_warning']}")


@sources.command("poll")
@click.option("--source", "source_id", metavar="ID", help="Only this feed source.")
@click.option("--due-only", is_flag=True, help="Only sources whose interval has passed (default: all, now).")
@pass_ctx
def sources_poll(ctx, source_id, due_only):
    """Poll feed sources now. Exits non-zero if any source failed (after polling all)."""
    from ..intake import UnknownSource

    intake = ctx.bridge.intake
    try:
        results = intake.poll(source_id=source_id, force=not due_only)
    except UnknownSource as exc:
        raise click.ClickException(str(exc)) from None
    if not results:
        click.echo("no feed sources configured")
    failed = 0
    for r in results:
        if not r.polled:
            click.echo(f"{r.source_id}: not due yet")
        elif r.ok:
            click.echo(f"{r.source_id}: ok — {r.fetched} entr{'y' if r.fetched == 1 else 'ies'}, "
                       f"{r.new_items} new, {r.repeats} seen before")
            if r.warning:
                click.echo(f"  warning: {r.warning}")
        else:
            failed += 1
            click.echo(f"{r.source_id}: FAILED — {r.error}", err=True)
    if failed:
        click.echo(f"{failed} source(s) failed; their errors are recorded (see `cms-bridge sources list`)", err=True)
        sys.exit(1)


@sources.command("secret")
@click.argument("source_id")
@pass_ctx
@without_secrets
def sources_secret(ctx, source_id):
    """Print a new signing secret for a webhook source and how to set up the sender."""
    from webhooks.signatures import generate_secret

    config = ctx.config
    source = config.source(source_id)
    env_name = (source or {}).get("secret_env") or f"{source_id.upper().replace('-', '_')}_WEBHOOK_SECRET"
    if source is not None and source["kind"] != "webhook":
        raise click.ClickException(f"source {source_id!r} is a {source['kind']} source; only webhook sources "
                                   "have a signing secret")
    secret = generate_secret()
    base = config.server.get("public_url") or f"http://{config.server['host']}:{config.server['port']}"
    click.echo(secret)
    click.echo("")
    click.echo("1. Give cms-bridge the secret (in the environment of `cms-bridge serve`):")
    click.echo(f"     export {env_name}='{secret}'")
    if source is None:
        click.echo("   and add the source to the config file:")
        click.echo(f'     [[sources]]\n     id = "{source_id}"\n     kind = "webhook"\n     secret_env = "{env_name}"')
    click.echo("   While rotating, put the old and the new secret into it, separated by a space.")
    click.echo("2. Set up the sender (Standard Webhooks signing, https://www.standardwebhooks.com):")
    click.echo(f"     POST {base.rstrip('/')}/webhooks/social/{source_id}")
    click.echo("     Content-Type: application/json")
    click.echo("     webhook-id: <a unique id per message; the same id when retrying>")
    click.echo("     webhook-timestamp: <Unix time in seconds; at most 5 minutes off>")
    click.echo("     webhook-signature: v1,<base64 HMAC-SHA256 of \"<id>.<timestamp>.<body>\" with the secret>")
    click.echo('   Body: {"external_id": "…", "url": "https://…", "author": {"name": "…"}, "text": "…",')
    click.echo('          "media": [{"url": "https://…/photo.jpg", "alt": "…"}]}')

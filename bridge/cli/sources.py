"""Sources from the command line: list them, poll them by hand, make a webhook secret."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..config import DEFAULT_MAX_LINKS
from . import cli_actor, main, pass_ctx, remove_managed, without_secrets
from .progress import Progress

if TYPE_CHECKING:
    from . import Context


@main.group()
def sources():
    """Feeds and webhook senders that bring social items in."""


def _when(value: str | None) -> str:
    return value or "never"


@sources.command("list")
@pass_ctx
@without_secrets
def sources_list(ctx: Context):
    """Each source with its state, last poll and last error."""
    bridge = ctx.bridge
    configured = {s["id"]: s for s in ctx.config.sources}
    if not configured:
        click.echo("no sources configured (add one on /sites, with `cms-bridge sources add`, or as a "
                   "[[sources]] table in the config file)")
        return
    rows = {r["id"]: r for r in bridge.store.list_sources()}
    managed = {r["id"] for r in bridge.source_admin.managed_rows()}
    for source_id, source in configured.items():
        row = rows.get(source_id, {})
        items = bridge.store.count_items(source_id)
        flags = []
        if source.get("trusted"):
            flags.append("trusted")
        if source.get("require_consent"):
            flags.append("consent")
        where = source.get("url") or f"POST /webhooks/social/{source_id}"
        flags += ["added in the UI"] if source_id in managed else []
        click.echo(f"{source_id}\t{source['kind']}\t{row.get('status', 'ok')}\t{items} item(s)\t{where}"
                   + (f"\t[{', '.join(flags)}]" if flags else ""))
        if source["kind"] == "feed":
            click.echo(f"    last poll: {_when(row.get('last_polled_at'))}, every {source['interval']} s")
        rules = source.get("rules") or {}
        if rules.get("banned") or rules.get("suspect"):
            click.echo(f"    rules: {len(rules.get('banned', []))} banned, {len(rules.get('suspect', []))} suspect "
                       f"word(s), at most {rules.get('max_links', DEFAULT_MAX_LINKS)} link(s)")
        if row.get("last_error"):
            click.echo(f"    last error ({row.get('last_error_at')}): {row['last_error']}")
        if row.get("last_warning"):
            click.echo(f"    warning: {row['last_warning']}")


@sources.command("poll")
@click.option("--source", "source_id", metavar="ID", help="Only this feed source.")
@click.option("--due-only", is_flag=True, help="Only sources whose interval has passed (default: all, now).")
@pass_ctx
def sources_poll(ctx: Context, source_id: str | None, due_only: bool):
    """Poll feed sources now. Exits non-zero if any source failed (after polling all)."""
    from ..intake import UnknownSource

    intake = ctx.bridge.intake
    feeds = [s for s in ctx.config.sources if s["kind"] == "feed"]
    bar = Progress("sources", 1 if source_id else len(feeds))
    try:
        results = intake.poll(source_id=source_id, force=not due_only, progress=bar.at)
    except UnknownSource as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
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
    polled = [r for r in results if r.polled]
    if results:
        click.echo(f"sources poll: {len(polled)} of {len(results)} polled, "
                   f"{sum(r.new_items for r in polled if r.ok)} new item(s), {failed} failed")
    if failed:
        click.echo(f"{failed} source(s) failed; their errors are recorded (see `cms-bridge sources list`)", err=True)
        sys.exit(1)


@sources.command("secret")
@click.argument("source_id")
@pass_ctx
@without_secrets
def sources_secret(ctx: Context, source_id: str):
    """Print a new signing secret for a webhook source and how to set up the sender."""
    from webhooks.signatures import generate_secret

    config = ctx.config
    source = config.source(source_id)
    env_name = (source or {}).get("secret_env") or f"{source_id.upper().replace('-', '_')}_WEBHOOK_SECRET"
    if source is not None and source["kind"] != "webhook":
        raise click.ClickException(f"source {source_id!r} is a {source['kind']} source; only webhook sources "
                                   "have a signing secret")
    secret = generate_secret()
    base = config.server.public_url or f"http://{config.server.host}:{config.server.port}"
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


@sources.command("add")
@click.option("--id", "source_id", required=True, help="Short id, e.g. team.")
@click.option("--kind", type=click.Choice(["feed", "webhook"]), required=True)
@click.option("--url", default="", help="Feed: its address (RSS, Atom or JSON Feed).")
@click.option("--name", default="", help="A display name.")
@click.option("--network", default="", help="Shown beside each item, e.g. mastodon.")
@click.option("--interval", default="", help="Feed: seconds between polls (at least 60; default 900).")
@click.option("--target", "targets", multiple=True, metavar="SITE", help="Offer its items to SITE only "
              "(repeat for more; default: every site).")
@click.option("--trusted", is_flag=True, help="Approve its items without review.")
@click.option("--require-consent", is_flag=True, help="Ask the author's consent before publishing.")
@click.option("--secret-env", metavar="VAR", help="Webhook: read the signing secret from VAR (default: make a "
              "new one and print it once).")
@click.option("--banned", multiple=True, metavar="WORD", help="Reject its items containing WORD, a word or a "
              "phrase (repeat for more; [sources.rules] banned).")
@click.option("--suspect", multiple=True, metavar="WORD", help="Flag its items containing WORD for a closer look "
              "(repeat for more; [sources.rules] suspect).")
@click.option("--max-links", default="", metavar="N", help="Flag its items with more than N links (default 3).")
@pass_ctx
def sources_add(ctx: Context, source_id: str, kind: str, url: str, name: str, network: str, interval: str,
                targets: tuple[str, ...], trusted: bool, require_consent: bool, secret_env: str | None,
                banned: tuple[str, ...], suspect: tuple[str, ...], max_links: str):
    """Add a feed or webhook source (stored in the database, a secret encrypted). A feed
    is fetched first and not saved if that fails (exit 1); bad input exits 2. Its rules
    (--banned, --suspect, --max-links) are checked as the config file's [sources.rules]."""
    import os

    from ..managed import SiteInputError
    from ..source_admin import source_from_form

    secret = ""
    if secret_env:
        if kind != "webhook":
            raise click.UsageError("--secret-env: only a webhook source has a signing secret; leave it out")
        secret = os.environ.get(secret_env) or ""
        if not secret:
            raise click.UsageError(f"--secret-env: environment variable {secret_env!r} is not set; export it "
                                   "or leave the option out to get a new secret")
    form = {"id": source_id, "kind": kind, "url": url, "name": name, "network": network, "interval": interval,
            "targets": list(targets), "trusted": trusted, "require_consent": require_consent, "secret": secret,
            "rules.banned": list(banned), "rules.suspect": list(suspect), "rules.max_links": max_links}
    try:
        raw, secrets = source_from_form(form)
        verdict = ctx.bridge.source_admin.add(raw, secrets, actor=cli_actor())
    except SiteInputError as exc:
        raise click.UsageError("; ".join(exc.problems)) from None
    if not verdict.saved:
        for problem in verdict.problems:
            click.echo(f"{source_id}: NOT USABLE — {problem}", err=True)
        click.echo(f"{source_id}: not saved", err=True)
        sys.exit(1)
    if kind == "webhook" and verdict.note:
        click.echo(f"{source_id}: saved; its signing secret (shown only now):\n{verdict.note}")
        click.echo(f"  the sender posts to /webhooks/social/{source_id} (see `cms-bridge sources secret --help`)")
    else:
        click.echo(f"{source_id}: saved" + (f"; {verdict.note}" if verdict.note else ""))


@sources.command("remove")
@click.argument("source_id")
@pass_ctx
def sources_remove(ctx: Context, source_id: str):
    """Remove a source added in the UI or with `sources add` (the items it brought in stay)."""
    remove_managed(ctx.bridge.source_admin, source_id,
                   in_config=ctx.config.source(source_id) is not None,
                   fix="comes from the config file; remove its [[sources]] table there",
                   unknown="is not a source here (see `cms-bridge sources list`)")

"""Accounts and API tokens."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import security
from . import main, pass_ctx, without_secrets

if TYPE_CHECKING:
    from . import Context


def _password_hash(password: str | None, generate: bool) -> tuple[str, str | None]:
    """(hash to store, generated password to print once or None): ``--generate`` makes one,
    ``--password`` gives one, else the user is prompted twice. A short one is a bad --password."""
    generated = security.generate_password() if generate else None
    secret = generated or password
    if secret is None:
        secret = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return security.hash_password(secret), generated
    except security.WeakPassword as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from None


def _check_sites(ctx: Context, sites: tuple[str, ...]) -> list[str] | None:
    if not sites:
        return None
    known = {s["id"] for s in ctx.config.sites}
    unknown = [s for s in sites if s not in known]
    if unknown:
        known_list = ", ".join(sorted(known)) or "none"
        raise click.BadParameter(f"{', '.join(unknown)} not configured (known: {known_list})", param_hint="--site")
    return list(sites)


@main.group()
def users():
    """Manage user accounts (admins manage sites, sources, users; editors curate and moderate)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(security.ROLES), default="editor", show_default=True)
@click.option("--site", "sites", multiple=True, metavar="ID",
              help="Limit an editor to this site (repeat for several). Default: all sites.")
@click.option("--password", help="Give the password instead of being prompted (or --generate).")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@pass_ctx
@without_secrets
def users_add(ctx: Context, username: str, role: str, sites: tuple[str, ...], password: str | None, generate: bool):
    """Add a user."""
    store = ctx.bridge.store
    if store.get_user_by_name(username):
        raise click.ClickException(f"user {username!r} exists already")
    limited = _check_sites(ctx, sites)
    hashed, generated = _password_hash(password, generate)
    store.create_user(username, hashed, role, limited if role == "editor" else None)
    click.echo(f"added {role} {username!r}" + (f" limited to {', '.join(limited)}" if limited else ""))
    if generated:
        click.echo(f"password: {generated}")


@users.command("list")
@pass_ctx
@without_secrets
def users_list(ctx: Context):
    """List users."""
    rows = ctx.bridge.store.list_users()
    if not rows:
        click.echo("no users yet (`cms-bridge init` creates the first admin)")
    for user in rows:
        sites = "all sites" if user["sites"] is None else ", ".join(user["sites"]) or "no sites"
        state = " (disabled)" if user["disabled"] else ""
        last = user["last_login_at"] or "never"
        click.echo(f"{user['username']}\t{user['role']}\t{sites}\tlast login: {last}{state}")


@users.command("passwd")
@click.argument("username")
@click.option("--password", help="Give the new password instead of being prompted.")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
@pass_ctx
@without_secrets
def users_passwd(ctx: Context, username: str, password: str | None, generate: bool):
    """Set a user's password (ends the user's open sessions)."""
    store = ctx.bridge.store
    user = store.get_user_by_name(username)
    if user is None:
        raise click.ClickException(f"no user {username!r} (see `cms-bridge users list`)")
    hashed, generated = _password_hash(password, generate)
    store.set_password(user["id"], hashed)
    click.echo(f"password of {username!r} changed")
    if generated:
        click.echo(f"password: {generated}")


@main.group()
def tokens():
    """API tokens for scripts (sent as `Authorization: Bearer <token>`)."""


@tokens.command("create")
@click.option("--user", "username", required=True, help="The user the token acts as.")
@click.option("--name", default="", help="What the token is for.")
@pass_ctx
@without_secrets
def tokens_create(ctx: Context, username: str, name: str):
    """Create a token; it is printed once and stored only as a hash."""
    store = ctx.bridge.store
    user = store.get_user_by_name(username)
    if user is None:
        raise click.ClickException(f"no user {username!r} (see `cms-bridge users list`)")
    token, prefix, hashed = security.new_api_token()
    token_id = store.create_token(user["id"], name, prefix, hashed)
    click.echo(token)
    click.echo(f"token {token_id} for {username!r}; shown only this once. Revoke with "
               f"`cms-bridge tokens revoke {token_id}`.", err=True)


@tokens.command("list")
@pass_ctx
@without_secrets
def tokens_list(ctx: Context):
    """List tokens (never their secret part)."""
    for t in ctx.bridge.store.list_tokens():
        state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "active"
        last_used = t["last_used_at"] or "never"
        click.echo(f"{t['id']}\t{t['username']}\t{t['prefix']}…\t{t['name']}\t{state}\tlast used: {last_used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@pass_ctx
@without_secrets
def tokens_revoke(ctx: Context, token_id: int):
    """Revoke a token: it stops working at once."""
    if not ctx.bridge.store.revoke_token(token_id):
        raise click.ClickException(f"no active token {token_id} (see `cms-bridge tokens list`)")
    click.echo(f"token {token_id} revoked")

"""Setting up and running the service: init, serve, config check."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import security
from . import main, pass_ctx, without_secrets

if TYPE_CHECKING:
    from . import Context


@main.command()
@click.option("--admin", "admin_name", default="admin", show_default=True, help="Name of the first admin account.")
@pass_ctx
@without_secrets
def init(ctx: Context, admin_name: str):
    """Create or migrate the database; create the first admin with a generated
    password (printed once) if there are no users yet."""
    from ..app import load_secret_key

    bridge = ctx.bridge  # opening the store applies pending migrations
    load_secret_key(ctx.config)
    click.echo(f"database: {ctx.config.server.database} (migrations: {len(bridge.store.applied_migrations())})")
    click.echo(f"installation: {bridge.store.installation_id()} (kept in the database: back it up with the data)")
    if bridge.store.count_users() == 0:
        password = security.generate_password()
        bridge.store.create_user(admin_name, security.hash_password(password), "admin", None)
        click.echo(f"created admin user {admin_name!r} with password: {password}")
        click.echo("  (shown only this once; change it with `cms-bridge users passwd`)")
    else:
        click.echo("users exist already; no admin created")


@main.command()
@click.option("--host", help="Override server.host.")
@click.option("--port", type=int, help="Override server.port.")
@click.option("--workers", type=int, help="Override server.workers (processes).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int | None):
    """Run the web service with a production WSGI server (gunicorn)."""
    from .. import running
    from ..app import load_secret_key
    from ..server import run_server

    config = ctx.config
    ctx.running_lock = running.hold_shared(config.server.database)  # `restore` waits for us to stop
    ctx.bridge.store.migrate()
    load_secret_key(config)  # create it once here, not racing in every worker
    run_server(config, host=host or config.server.host, port=port or config.server.port,
               workers=workers or config.server.workers)


@main.group("config")
def config_group():
    """Inspect the configuration."""


@config_group.command("check")
@pass_ctx
def config_check(ctx: Context):
    """Validate the config file without starting anything (exit 2 if it is wrong)."""
    config = ctx.config
    click.echo(f"{config.path or 'built-in defaults'}: ok — {len(config.sites)} site(s), "
               f"{len(config.sources)} source(s), database {config.server.database}")

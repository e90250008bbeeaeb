"""``cms-bridge backup`` and ``restore``: copies an operator can trust."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .. import backup as backups
from . import main, pass_ctx, without_secrets
from .progress import Progress

if TYPE_CHECKING:
    from . import Context


@main.command("backup")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--no-media", is_flag=True, help="Leave the downloaded images out (the database alone).")
@pass_ctx
@without_secrets
def backup(ctx: Context, path: str, no_media: bool):
    """Copy the database (and media) into the new directory PATH while serve and sync run.

    Uses SQLite's online backup API, so the copy is consistent; the installation id
    travels with it, so a restored installation updates the posts it made before.
    """
    media_dir = ctx.config.server.media_dir
    db_bar = Progress("database", 1)
    media_bar = Progress("media", 0 if no_media else backups.media_count(media_dir))
    try:
        report = backups.make_backup(ctx.bridge.store, media_dir, path, media=not no_media,
                                     db_progress=db_bar.pages, media_progress=media_bar.step)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db_bar.close()
        media_bar.close()
    click.echo(report.summary("backed up to"))


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Restore even while a serve or sync uses the database.")
@pass_ctx
@without_secrets
def restore(ctx: Context, path: str, force: bool):
    """Replace the database with the backup in PATH (and add its media).

    Refuses while `cms-bridge serve` or `sync` runs on this database unless --force.
    """
    config = ctx.config
    manifest_media = 0
    try:
        manifest_media = backups.read_manifest(path).get("media_files", 0)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    bar = Progress("media", manifest_media)
    try:
        report = backups.restore_backup(config.server.database, config.server.media_dir, path,
                                        force=force, media_progress=bar.step)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
    click.echo(report.summary("restored from"))
    for note in report.notes:
        click.echo(f"note: {note}")

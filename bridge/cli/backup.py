"""``cms-bridge backup`` and ``restore``: copies an operator can trust."""
from __future__ import annotations

import sys

import click

from .. import backup as backups
from . import main, pass_ctx, without_secrets


class _Progress:
    """A progress bar with counts and an ETA on a terminal; silence otherwise
    (cron gets the one-line summary the command prints at the end)."""

    def __init__(self, label: str, total: int):
        self.bar = click.progressbar(length=max(total, 1), label=label, show_pos=True, show_eta=True,
                                     file=sys.stderr) if sys.stderr.isatty() and total else None
        if self.bar:
            self.bar.__enter__()

    def step(self, n: int = 1) -> None:
        if self.bar:
            self.bar.update(n)

    def pages(self, remaining: int, total: int) -> None:
        if self.bar:
            self.bar.length = max(total, 1)
            self.bar.update(total - remaining - self.bar.pos)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)


@main.command("backup")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--no-media", is_flag=True, help="Leave the downloaded images out (the database alone).")
@pass_ctx
@without_secrets
def backup(ctx, path: str, no_media: bool):
    """Copy the database (and media) into the new directory PATH while serve and sync run.

    Uses SQLite's online backup API, so the copy is consistent; the installation id
    travels with it, so a restored installation updates the posts it made before.
    """
    media_dir = ctx.config.server["media_dir"]
    db_bar = _Progress("database", 1)
    media_bar = _Progress("media", 0 if no_media else backups.media_count(media_dir))
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
def restore(ctx, path: str, force: bool):
    """Replace the database with the backup in PATH (and add its media).

    Refuses while `cms-bridge serve` or `sync` runs on this database unless --force.
    """
    config = ctx.config
    manifest_media = 0
    try:
        manifest_media = backups.read_manifest(path).get("media_files", 0)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    bar = _Progress("media", manifest_media)
    try:
        report = backups.restore_backup(config.server["database"], config.server["media_dir"], path,
                                        force=force, media_progress=bar.step)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
    click.echo(report.summary("restored from"))
    for note in report.notes:
        click.echo(f"note: {note}")

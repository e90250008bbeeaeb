"""The ``cms-bridge`` command.

Each group of commands lives in its own module and attaches itself to ``main``
when imported (the imports at the end of this file);
user mistakes end with a one-line message and exit code 2 (config) or 1, never a
traceback.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from ..config import Config, ConfigError, load_config
from ..store import StoreError

if TYPE_CHECKING:
    from ..core import Bridge
    from ..managed import ManagedEntries

#: what a command that needs sites says when there is none
NO_SITES = ("no sites configured (connect one on /sites or with `cms-bridge sites add`, "
            "or add a [[sites]] table to the config file)")


class Context:
    """Lazily loads config and Bridge so ``--help`` works without either."""

    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config: Config | None = None
        self._bridge: Bridge | None = None
        #: commands that never talk to a site or sender clear this, so they work
        #: before every ``*_env`` secret is exported (see ``without_secrets``)
        self.require_secrets = True
        #: the shared lock ``serve`` and ``sync`` hold while they run (``restore`` waits for it)
        self.running_lock: TextIO | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path, require_secrets=self.require_secrets)
            except ConfigError as exc:
                fail_config(exc)
        return self._config

    @property
    def bridge(self) -> Bridge:
        if self._bridge is None:
            from ..core import Bridge

            try:
                self._bridge = Bridge(self.config)
            except StoreError as exc:
                raise click.ClickException(str(exc)) from None
        return self._bridge

    def close(self):
        if self._bridge is not None:
            self._bridge.close()


def fail_config(exc: ConfigError) -> NoReturn:
    click.echo(f"cms-bridge: the configuration is not valid ({exc.path or 'defaults'}):", err=True)
    for line in exc.problems:
        click.echo(f"  {line}", err=True)
    sys.exit(2)


pass_ctx = click.make_pass_decorator(Context)


def cli_actor() -> str:
    """Who made a change from the command line, as the audit log names it."""
    return f"cli:{os.environ.get('USER', '?')}"


def remove_managed(service: ManagedEntries, entry_id: str, *, in_config: bool, fix: str, unknown: str) -> None:
    """``sites remove`` / ``sources remove``: only what was added in the UI or the CLI
    (exit 2 naming why not: in the config file, or not known at all)."""
    if not service.is_managed(entry_id):
        raise click.UsageError(f"{entry_id!r} {fix if in_config else unknown}")
    service.remove(entry_id, actor=cli_actor())
    click.echo(f"{entry_id}: removed")


def without_secrets(command: Callable[..., Any]):
    """For commands that touch only the local database (users, tokens, making a
    webhook secret): unset ``*_env`` variables are not an error there."""
    import functools

    @functools.wraps(command)
    def wrapped(ctx: Context, *args: Any, **kwargs: Any):
        ctx.require_secrets = False
        return command(ctx, *args, **kwargs)
    return wrapped


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="CMS_BRIDGE_CONFIG", metavar="PATH",
              help="Config file (TOML). Default: $CMS_BRIDGE_CONFIG, else ./config.toml, else built-in defaults.")
@click.version_option(package_name="cms-bridge")
@click.pass_context
def main(ctx: click.Context, config_path: str | None):
    """cms-bridge connects WordPress and TYPO3 sites to the social web: curate
    social posts into the sites, and moderate every site's comments in one inbox."""
    ctx.obj = Context(config_path)
    ctx.call_on_close(ctx.obj.close)


# The command modules: each adds its commands to ``main`` when imported (after ``main`` exists).
from . import admin, backup, jobs, notify, privacy, sites, sources, sync, users  # noqa: E402,F401

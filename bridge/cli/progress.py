"""Progress of long commands (backup, restore, the first sync of a big site, erasing
at the origin, polling sources): on a terminal, click's bar with counts and an ETA
on stderr, or a running count when the total is not known in advance; elsewhere
(cron, a pipe) nothing while it runs, so the log gets only the one-line summary
the command prints at the end."""
from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


class Progress:
    def __init__(self, label: str, total: int | None):
        """``total`` None: not known (a running count); 0: nothing to show."""
        self.label, self.done = label, 0
        self.tty = sys.stderr.isatty() and total != 0
        self.started = time.monotonic()
        self.bar: ProgressBar[int] | None = None
        if self.tty and total:
            self._start(total)

    def _start(self, total: int) -> None:
        self.bar = click.progressbar(length=max(total, 1), label=self.label, show_pos=True, show_eta=True,
                                     file=sys.stderr)
        self.bar.__enter__()

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.bar:
            self.bar.update(n)
        elif self.tty:
            rate = self.done / max(time.monotonic() - self.started, 1e-3)
            click.echo(f"\r{self.label}: {self.done} ({rate:.0f}/s)", nl=False, err=True)

    def at(self, done: int, total: int) -> None:
        """The position when the work reports ``done`` of ``total`` (the total may grow,
        or become known only now)."""
        if self.tty and self.bar is None and total:
            self._start(total)
        if self.bar:
            self.bar.length = max(total, 1)
            self.bar.update(done - self.bar.pos)
        self.done = done

    def pages(self, remaining: int, total: int) -> None:
        """SQLite's backup callback: pages remaining of the total."""
        self.at(total - remaining, total)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
        elif self.tty and self.done:
            click.echo("", err=True)

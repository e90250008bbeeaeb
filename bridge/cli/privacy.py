"""``cms-bridge erase``: honour an erasure request."""
from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import click

from . import main, pass_ctx
from .progress import Progress

if TYPE_CHECKING:
    from . import Context


@main.command("erase")
@click.option("--email", metavar="ADDRESS", help="The commenter's e-mail address.")
@click.option("--author-key", metavar="KEY", help="The author key the inbox shows for a commenter "
              "(a salted hash of the address), when the address is not known.")
@click.option("--at-origin", is_flag=True, help="Also anonymise the comments on the sites, as the CMS's own "
              "personal-data eraser does.")
@pass_ctx
def erase(ctx: Context, email: str | None, author_key: str | None, at_origin: bool):
    """Remove everything cms-bridge holds about a commenter: names, e-mail, IP,
    author key and the comments' texts (the rows stay, marked erased).

    Prints what was done where. Exit 1 if a site could not be reached: the
    comments it still has keep their copy here, so running the same command again
    finishes the job.
    """
    if not email and not author_key:
        raise click.UsageError("say whose data to erase: --email ADDRESS or --author-key KEY")
    if email is not None and "@" not in email:
        raise click.UsageError(f"--email: {email!r} is not an e-mail address (write it like ann@example.org)")
    bar = Progress("sites", None if at_origin else 0)  # only the origin's work takes long
    try:
        report = ctx.bridge.privacy.erase(email=email, author_key=author_key, at_origin=at_origin,
                                                       actor=f"cli:{getpass.getuser()}", progress=bar.at)
    finally:
        bar.close()
    for line in report.lines():
        click.echo(line)
    if not report.complete:
        raise SystemExit(1)

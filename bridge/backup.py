"""Backups an operator can trust: a consistent copy while everything runs, and a
restore that refuses to pull the floor from under a running installation.

A backup is a directory::

    cms-bridge.db     the database, copied with SQLite's online backup API
    media/            the downloaded images (content-addressed, so copying is safe)
    manifest.json     what it holds: installation id, migrations, rows per table,
                      the database file's SHA-256

The installation id lives in the database, so a restored installation finds the
posts it published before (its upsert key is ``<installation>-<item>``) instead of
publishing them a second time.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import __version__, clock, running
from .store import StoreError, open_store

if TYPE_CHECKING:
    from .store import Store

DATABASE_NAME = "cms-bridge.db"
MEDIA_NAME = "media"
MANIFEST_NAME = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


@dataclass
class Report:
    path: str
    installation: str
    migrations: list[str]
    counts: dict[str, int]
    database_bytes: int
    media_files: int = 0
    media_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        items, comments = self.counts.get("items", 0), self.counts.get("comments", 0)
        media = f", {self.media_files} media file(s) ({self.media_bytes} bytes)" if self.media_files else ", no media"
        return (f"{verb} {self.path}: installation {self.installation}, {items} item(s), {comments} comment(s), "
                f"database {self.database_bytes} bytes{media}")


def _sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _media_files(root: str) -> list[str]:
    found: list[str] = []
    for directory, _dirs, files in os.walk(root):
        found.extend(os.path.relpath(os.path.join(directory, name), root) for name in files)
    return sorted(found)


def _copy_media(src_root: str, dest_root: str, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Copy files missing at the destination (names are content hashes, so an
    existing file with that name already holds those bytes)."""
    copied = size = 0
    names = _media_files(src_root) if os.path.isdir(src_root) else []
    for name in names:
        src, dest = os.path.join(src_root, name), os.path.join(dest_root, name)
        if not os.path.exists(dest):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(src, dest)
        copied += 1
        size += os.path.getsize(src)
        if progress:
            progress(1)
    return copied, size


def media_count(media_dir: str) -> int:
    return len(_media_files(media_dir)) if os.path.isdir(media_dir) else 0


def make_backup(store: Store, media_dir: str, dest: str, *, media: bool = True,
                db_progress: Callable[[int, int], None] | None = None,
                media_progress: Callable[[int], None] | None = None) -> Report:
    """Write a backup directory at ``dest`` (which must not exist or be empty)."""
    if os.path.exists(dest) and (not os.path.isdir(dest) or os.listdir(dest)):
        raise BackupError(f"{dest} exists and is not an empty directory (choose a new path; "
                          "a backup never overwrites another)")
    os.makedirs(dest, exist_ok=True)
    store.installation_id()  # made now if it never was, so the copy and the original agree
    database = os.path.join(dest, DATABASE_NAME)
    store.backup_to(database, progress=db_progress)
    copy = open_store(database, migrate=False)
    try:
        report = Report(path=dest, installation=copy.installation_id(), migrations=copy.applied_migrations(),
                        counts=copy.table_counts(), database_bytes=os.path.getsize(database))
    finally:
        copy.close()
    if media:
        report.media_files, report.media_bytes = _copy_media(media_dir, os.path.join(dest, MEDIA_NAME),
                                                             media_progress)
    manifest = {"format": 1, "made_at": clock.iso(), "cms_bridge": __version__,
                "installation": report.installation, "migrations": report.migrations, "counts": report.counts,
                "database_sha256": _sha256(database), "media": media, "media_files": report.media_files}
    with open(os.path.join(dest, MANIFEST_NAME), "w") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
    return report


def read_manifest(src: str) -> dict:
    path = os.path.join(src, MANIFEST_NAME)
    try:
        with open(path) as handle:
            manifest = json.load(handle)
    except FileNotFoundError:
        raise BackupError(f"{src} is not a cms-bridge backup (no {MANIFEST_NAME}; make one with "
                          "`cms-bridge backup PATH`)") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read ({exc}); the backup is damaged") from None
    database = os.path.join(src, DATABASE_NAME)
    if not os.path.isfile(database):
        raise BackupError(f"{src} has no {DATABASE_NAME}; the backup is incomplete")
    if _sha256(database) != manifest.get("database_sha256"):
        raise BackupError(f"{database} does not match its manifest (SHA-256 differs); the backup is damaged")
    return manifest


def restore_backup(database: str, media_dir: str, src: str, *, force: bool = False,
                   media_progress: Callable[[int], None] | None = None) -> Report:
    """Replace the database at ``database`` (and add the backup's media) with ``src``.

    Refused while a ``serve`` or ``sync`` holds the database, unless ``force``;
    refused for a backup written by a newer cms-bridge.
    """
    manifest = read_manifest(src)
    backup_db = os.path.join(src, DATABASE_NAME)
    copy = open_store(backup_db, migrate=False)
    try:
        unknown = copy.unknown_migrations()
        problems = copy.integrity_problems()
    finally:
        copy.close()
    if unknown:
        raise BackupError(f"{src} was made by a newer cms-bridge (migrations {', '.join(unknown)}); "
                          "upgrade cms-bridge before restoring it")
    if problems:
        raise BackupError(f"{backup_db} fails SQLite's integrity check: {problems[0]}")
    with running.exclusive(database) as alone:
        if not alone and not force:
            raise BackupError(f"{database} is in use by a running `cms-bridge serve` or `sync`; stop them first "
                              "(or pass --force to replace the data under them)")
        target = open_store(database, migrate=False)
        try:
            target.restore_from(backup_db)
            target.migrate()
            report = Report(path=src, installation=target.installation_id(), migrations=target.applied_migrations(),
                            counts=target.table_counts(), database_bytes=os.path.getsize(backup_db))
        except StoreError as exc:
            raise BackupError(str(exc)) from None
        finally:
            target.close()
    if manifest.get("media") and os.path.isdir(os.path.join(src, MEDIA_NAME)):
        report.media_files, report.media_bytes = _copy_media(os.path.join(src, MEDIA_NAME), media_dir,
                                                             media_progress)
    if not alone:
        report.notes.append("restored under a running serve/sync (--force): restart them")
    return report

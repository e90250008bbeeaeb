"""Forward migrations keep data; a database from a newer cms-bridge is refused."""
from __future__ import annotations

import sqlite3

import pytest

from bridge.store import Store, StoreError, open_store
from bridge.store.migrations import known_names, migrations


def test_new_database_gets_every_migration_wal_and_foreign_keys(tmp_path):
    store = open_store(str(tmp_path / "b.db"))
    assert store.applied_migrations() == known_names()
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    tables = set(store.db.table_names())
    for name in ("sites", "sources", "items", "media", "publications", "comments", "moderation_log", "jobs",
                 "sync_state", "users", "api_tokens", "comments_fts", "items_fts"):
        assert name in tables


def test_database_from_an_earlier_migration_set_is_migrated_with_its_data(tmp_path):
    path = str(tmp_path / "old.db")
    old = Store(path)
    migrations.apply(old.db, stop_before=known_names()[1])  # as an earlier release left it
    assert old.applied_migrations() == known_names()[:1]
    old.db.execute("INSERT INTO sites (id, kind, url, name, updated_at) VALUES ('corp', 'wordpress', "
                   "'https://www.example.org', 'Corp', '2026-01-01T00:00:00Z')")
    old.db.conn.commit()
    old.close()

    store = open_store(path)
    assert store.applied_migrations() == known_names()
    site = store.get_site("corp")
    assert site["name"] == "Corp" and site["url"] == "https://www.example.org"
    assert site["capabilities"] == {}  # the column a later migration added


def test_database_from_a_newer_bridge_is_refused(tmp_path):
    path = str(tmp_path / "new.db")
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('cms-bridge', '9999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert "newer cms-bridge" in str(info.value)
    assert "9999_from_the_future" in str(info.value)


def test_fts_follows_comment_text(tmp_path):
    store = open_store(str(tmp_path / "b.db"))
    with store.write() as db:
        db.execute("INSERT INTO comments (site_id, remote_id, status, remote_status, date_gmt, first_seen_at, "
                   "updated_at, content_text, author_name) VALUES ('s', '1', 'pending', 'pending', 'd', 'd', 'd', "
                   "'the turbine is assembled', 'Ada')")
    hits = store.query("SELECT rowid FROM comments_fts WHERE comments_fts MATCH 'turbine'")
    assert len(hits) == 1

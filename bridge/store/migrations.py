"""The database schema, as an ordered set of forward migrations.

sqlite-utils' own ``Migrations`` records what ran in ``_sqlite_migrations``; we add
one rule on top: a database that carries a migration this code does not know was
written by a newer cms-bridge, and is refused rather than silently misread.

Never edit a migration that has shipped: add a new one at the end.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "cms-bridge"
migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_core")
def m0001_core(db: Database) -> None:
    """Everything the first release needs; later issues add migrations after it."""
    db.executescript(
        """
        CREATE TABLE sites (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'ok',          -- ok | attention
            attention_reason TEXT,
            transport TEXT,                              -- what check/auto-probe found
            last_sync_at TEXT,
            last_sync_summary TEXT,
            last_error TEXT,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            url TEXT,
            status TEXT NOT NULL DEFAULT 'ok',           -- ok | error
            last_polled_at TEXT,
            next_poll_at REAL,
            last_error TEXT,
            last_error_at TEXT,
            state TEXT NOT NULL DEFAULT '{}',            -- JSON: ETag, Last-Modified, ...
            items_seen INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL,
            external_id TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            canonical_url TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            network TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            html TEXT NOT NULL DEFAULT '',
            author_name TEXT NOT NULL DEFAULT '',
            author_url TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            received_at TEXT NOT NULL,
            -- state: pending | flagged | approved | rejected | duplicate | retracted
            state TEXT NOT NULL DEFAULT 'pending',
            state_reason TEXT NOT NULL DEFAULT '',
            flags TEXT NOT NULL DEFAULT '[]',            -- JSON list of {rule, reason}
            duplicate_of INTEGER REFERENCES items(id),
            edited_title TEXT,
            edited_text TEXT,
            target_sites TEXT NOT NULL DEFAULT '[]',     -- JSON list of site ids
            contributor TEXT NOT NULL DEFAULT '',
            consent_state TEXT NOT NULL DEFAULT 'not_required',
            consent_evidence_url TEXT NOT NULL DEFAULT '',
            consent_at TEXT,
            decided_by TEXT,
            decided_at TEXT,
            revision INTEGER NOT NULL DEFAULT 1,
            raw TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX items_source_external ON items(source_id, external_id);
        CREATE INDEX items_external ON items(external_id);
        CREATE INDEX items_canonical_url ON items(canonical_url);
        CREATE INDEX items_content_hash ON items(content_hash);
        CREATE INDEX items_state_received ON items(state, received_at DESC, id DESC);

        CREATE TABLE media (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            position INTEGER NOT NULL DEFAULT 0,
            url TEXT NOT NULL,
            alt TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT 'image',
            state TEXT NOT NULL DEFAULT 'pending',       -- pending | stored | failed
            sha256 TEXT,
            path TEXT,
            content_type TEXT,
            width INTEGER,
            height INTEGER,
            bytes INTEGER,
            error TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX media_item ON media(item_id, position);
        CREATE INDEX media_sha256 ON media(sha256);

        CREATE TABLE publications (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            site_id TEXT NOT NULL,
            -- state: queued | published | retrying | failed | unpublishing | unpublished
            state TEXT NOT NULL DEFAULT 'queued',
            remote_ref TEXT,                             -- JSON RemoteRef
            remote_url TEXT,
            job_id INTEGER,
            last_error TEXT,
            published_revision INTEGER,
            updated_at TEXT NOT NULL,
            UNIQUE (item_id, site_id)
        );

        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            site_id TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            remote_parent_id TEXT,
            parent_id INTEGER,                           -- local id of the parent, when known
            post_id TEXT NOT NULL DEFAULT '',
            post_title TEXT NOT NULL DEFAULT '',
            post_url TEXT NOT NULL DEFAULT '',
            link TEXT NOT NULL DEFAULT '',
            type TEXT NOT NULL DEFAULT 'comment',
            author_name TEXT NOT NULL DEFAULT '',
            author_url TEXT NOT NULL DEFAULT '',
            author_key TEXT NOT NULL DEFAULT '',         -- salted hash of the e-mail (grouping only)
            author_email TEXT,                           -- only with store_commenter_pii
            author_ip TEXT,                              -- only with store_commenter_pii
            content_html TEXT NOT NULL DEFAULT '',
            content_text TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,                        -- pending | approved | spam | trash | deleted
            remote_status TEXT NOT NULL,                 -- the last status seen on the site
            date_gmt TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,          -- bumped on every change; stale decisions are refused
            site_change TEXT,                            -- what the site changed behind our back, shown in the inbox
            site_change_at TEXT,
            expected_status TEXT,                        -- status our own pending write-back will produce (echo safety)
            writeback_state TEXT,                        -- NULL | pending | done | failed
            writeback_error TEXT,
            writeback_job_id INTEGER,
            UNIQUE (site_id, remote_id)
        );
        CREATE INDEX comments_status_date ON comments(status, date_gmt DESC, id DESC);
        CREATE INDEX comments_site_status_date ON comments(site_id, status, date_gmt DESC, id DESC);
        CREATE INDEX comments_site_post ON comments(site_id, post_id, date_gmt DESC, id DESC);
        CREATE INDEX comments_author_key ON comments(author_key, status);
        CREATE INDEX comments_date ON comments(date_gmt DESC, id DESC);

        CREATE TABLE moderation_log (
            id INTEGER PRIMARY KEY,
            comment_id INTEGER REFERENCES comments(id) ON DELETE SET NULL,
            site_id TEXT NOT NULL,
            remote_id TEXT NOT NULL DEFAULT '',
            actor TEXT NOT NULL,                         -- username, or "site" for changes seen by sync
            action TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT,
            origin TEXT NOT NULL DEFAULT 'inbox',        -- inbox | api | cli | sync
            job_id INTEGER,
            writeback TEXT,                              -- pending | done | failed | n/a
            detail TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX moderation_log_comment ON moderation_log(comment_id, id);
        CREATE INDEX moderation_log_created ON moderation_log(created_at DESC, id DESC);
        CREATE INDEX moderation_log_actor ON moderation_log(actor, created_at DESC);
        CREATE INDEX moderation_log_site ON moderation_log(site_id, created_at DESC);

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            site_id TEXT,
            idempotency_key TEXT NOT NULL UNIQUE,
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'queued',        -- queued | running | done | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            next_attempt_at REAL NOT NULL,
            lease_owner TEXT,
            lease_until REAL,
            last_error TEXT,
            result TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX jobs_due ON jobs(state, next_attempt_at);
        CREATE INDEX jobs_site_due ON jobs(site_id, state, next_attempt_at);

        CREATE TABLE sync_state (
            scope TEXT NOT NULL,                          -- e.g. "site:corp"
            key TEXT NOT NULL,                            -- e.g. "comments_cursor"
            value TEXT NOT NULL,                          -- JSON
            updated_at TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        );

        CREATE TABLE locks (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at REAL NOT NULL
        );

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,                           -- admin | editor
            sites TEXT,                                   -- JSON list of site ids; NULL = all sites
            session_version INTEGER NOT NULL DEFAULT 1,   -- bumped on password change: old sessions end
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        );

        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL DEFAULT '',
            prefix TEXT NOT NULL,                         -- first characters, to tell tokens apart
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        );

        CREATE TABLE login_failures (
            key TEXT PRIMARY KEY,                         -- "user:<name>" or "ip:<addr>"
            failures INTEGER NOT NULL,
            last_failure_at REAL NOT NULL
        );

        CREATE TABLE webhook_deliveries (
            source_id TEXT NOT NULL,
            delivery_id TEXT NOT NULL,
            status_code INTEGER NOT NULL,
            response TEXT NOT NULL,
            item_id INTEGER,
            received_at TEXT NOT NULL,
            PRIMARY KEY (source_id, delivery_id)
        );
        """
    )
    db["comments"].enable_fts(["content_text", "author_name"], fts_version="FTS5", create_triggers=True)
    db["items"].enable_fts(["title", "text", "author_name"], fts_version="FTS5", create_triggers=True)


def known_names() -> list[str]:
    return [m.name for m in migrations._migrations]


@migrations(name="0002_site_check_results")
def m0002_site_check_results(db: Database) -> None:
    """Keep what ``sites check`` found (capabilities, version) so the UI can show it."""
    db["sites"].add_column("capabilities", str, not_null_default="{}")
    db["sites"].add_column("version", str, not_null_default="")
    db["sites"].add_column("checked_at", str)


@migrations(name="0003_item_decisions")
def m0003_item_decisions(db: Database) -> None:
    """Who decided what about a social item, and when: the curation item page shows
    this history (approve, reject, edit, retract, consent changes, manual retries)."""
    db.executescript(
        """
        CREATE TABLE item_decisions (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            actor TEXT NOT NULL,                          -- username, or "source:<id>" for trusted sources
            action TEXT NOT NULL,                         -- approve | reject | edit | retract | consent | retry
            from_state TEXT,
            to_state TEXT,
            sites TEXT NOT NULL DEFAULT '[]',             -- JSON list of site ids the decision concerned
            detail TEXT NOT NULL DEFAULT '',              -- reason, consent state, what was edited
            created_at TEXT NOT NULL
        );
        CREATE INDEX item_decisions_item ON item_decisions(item_id, id);
        """
    )


@migrations(name="0004_inbox_counts_and_indexes")
def m0004_inbox_counts_and_indexes(db: Database) -> None:
    """The inbox shows counts per site and status on every page view; counting a
    million rows each time would cost more than the page, so ``comment_counts``
    keeps them, exact, through triggers. Plus the index a site's "all statuses"
    page needs to read in (date_gmt, id) order without sorting."""
    db.executescript(
        """
        CREATE TABLE comment_counts (
            site_id TEXT NOT NULL,
            status TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (site_id, status)
        ) WITHOUT ROWID;
        INSERT INTO comment_counts (site_id, status, n)
            SELECT site_id, status, count(*) FROM comments GROUP BY site_id, status;

        CREATE TRIGGER comment_counts_insert AFTER INSERT ON comments BEGIN
            INSERT INTO comment_counts (site_id, status, n) VALUES (new.site_id, new.status, 1)
                ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER comment_counts_delete AFTER DELETE ON comments BEGIN
            UPDATE comment_counts SET n = n - 1 WHERE site_id = old.site_id AND status = old.status;
        END;
        CREATE TRIGGER comment_counts_update AFTER UPDATE OF status, site_id ON comments
        WHEN old.status IS NOT new.status OR old.site_id IS NOT new.site_id BEGIN
            UPDATE comment_counts SET n = n - 1 WHERE site_id = old.site_id AND status = old.status;
            INSERT INTO comment_counts (site_id, status, n) VALUES (new.site_id, new.status, 1)
                ON CONFLICT (site_id, status) DO UPDATE SET n = n + 1;
        END;

        CREATE INDEX comments_site_date ON comments(site_id, date_gmt DESC, id DESC);
        """
    )


@migrations(name="0005_intake")
def m0005_intake(db: Database) -> None:
    """Intake: a source's last non-fatal problem (a feed that parsed with errors),
    and media looked up by URL so an image is downloaded once."""
    db["sources"].add_column("last_warning", str)
    db.execute("CREATE INDEX IF NOT EXISTS media_url_state ON media(url, state)")
    db.execute("CREATE INDEX IF NOT EXISTS items_source_canonical ON items(source_id, canonical_url)")


@migrations(name="0008_user_time_zone")
def m0008_user_time_zone(db: Database) -> None:
    """Pages show times in the reader's own time zone (an IANA name, chosen on the
    account page); NULL means UTC, which is what every stored time is in."""
    db["users"].add_column("time_zone", str)

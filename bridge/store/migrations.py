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
    db.table("comments").enable_fts(["content_text", "author_name"], fts_version="FTS5", create_triggers=True)
    db.table("items").enable_fts(["title", "text", "author_name"], fts_version="FTS5", create_triggers=True)


def known_names() -> list[str]:
    return [m.name for m in migrations._migrations]


@migrations(name="0002_site_check_results")
def m0002_site_check_results(db: Database) -> None:
    """Keep what ``sites check`` found (capabilities, version) so the UI can show it."""
    db.table("sites").add_column("capabilities", str, not_null_default="{}")
    db.table("sites").add_column("version", str, not_null_default="")
    db.table("sites").add_column("checked_at", str)


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
    db.table("sources").add_column("last_warning", str)
    db.execute("CREATE INDEX IF NOT EXISTS media_url_state ON media(url, state)")
    db.execute("CREATE INDEX IF NOT EXISTS items_source_canonical ON items(source_id, canonical_url)")


@migrations(name="0009_wordpress_plugin")
def m0009_wordpress_plugin(db: Database) -> None:
    """The WordPress connector plugin's events: each delivery's first answer (the webhook-id
    idempotency key, so a redelivery stores nothing new), and per comment the newest change
    stamp applied (the plugin's microsecond ``modified``), so an event that arrives after a
    newer one — a retried delivery, or the changes route having been read first — is stale."""
    db.executescript(
        """
        CREATE TABLE wordpress_plugin_deliveries (
            site_id TEXT NOT NULL,
            delivery_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            status_code INTEGER NOT NULL,
            response TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (site_id, delivery_id)
        );
        CREATE TABLE wordpress_comment_stamps (
            site_id TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            modified TEXT NOT NULL,
            PRIMARY KEY (site_id, remote_id)
        ) WITHOUT ROWID;
        """
    )
@migrations(name="0013_metrics")
def m0013_metrics(db: Database) -> None:
    """Counters for ``/metrics``, kept by triggers in the same transaction as the
    change they count (as ``comment_counts`` is), so every gunicorn worker and
    every ``sync`` process adds to one set and a scrape is a few small reads.

    ``metric_counters`` holds monotonic totals keyed by name and a label string;
    job latency (enqueue → done) goes into cumulative histogram buckets."""
    db.executescript("""
        CREATE TABLE metric_counters (
            name TEXT NOT NULL,
            labels TEXT NOT NULL DEFAULT '',
            value REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (name, labels)
        );
        CREATE TABLE metric_buckets (le REAL PRIMARY KEY);
        INSERT INTO metric_buckets (le) VALUES (1), (5), (15), (60), (300), (900), (3600), (21600), (86400), (1e999);

        CREATE TRIGGER metrics_job_done AFTER UPDATE OF state ON jobs
        WHEN old.state = 'running' AND new.state = 'done' BEGIN
            INSERT INTO metric_counters (name, labels, value)
                SELECT 'job_latency_bucket', new.kind || '|' || le, 1 FROM metric_buckets
                WHERE le >= (julianday(new.finished_at) - julianday(new.created_at)) * 86400.0
                ON CONFLICT (name, labels) DO UPDATE SET value = value + 1;
            INSERT INTO metric_counters (name, labels, value)
                VALUES ('job_latency_sum', new.kind, (julianday(new.finished_at) - julianday(new.created_at)) * 86400.0)
                ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value;
        END;
        CREATE TRIGGER metrics_job_attempt_failed AFTER UPDATE OF state ON jobs
        WHEN old.state = 'running' AND new.state IN ('queued', 'failed') BEGIN
            INSERT INTO metric_counters (name, labels, value) VALUES ('job_attempt_failures', new.kind, 1)
                ON CONFLICT (name, labels) DO UPDATE SET value = value + 1;
        END;
        CREATE TRIGGER metrics_job_gave_up AFTER UPDATE OF state ON jobs
        WHEN old.state = 'running' AND new.state = 'failed' BEGIN
            INSERT INTO metric_counters (name, labels, value) VALUES ('jobs_failed', new.kind, 1)
                ON CONFLICT (name, labels) DO UPDATE SET value = value + 1;
        END;
        CREATE TRIGGER metrics_comment_pulled AFTER INSERT ON comments BEGIN
            INSERT INTO metric_counters (name, labels, value) VALUES ('comments_pulled', new.site_id, 1)
                ON CONFLICT (name, labels) DO UPDATE SET value = value + 1;
        END;
    """)


@migrations(name="0015_privacy")
def m0015_privacy(db: Database) -> None:
    """Erasure and retention: when a comment's personal data (``erased_at``) or its
    text (``text_purged_at``) was removed, so the inbox can say so instead of
    showing an empty row as if the commenter had written nothing."""
    db.table("comments").add_column("erased_at", str)
    db.table("comments").add_column("text_purged_at", str)
    db.execute("CREATE INDEX IF NOT EXISTS comments_author_email ON comments(author_email)")


@migrations(name="0016_managed_sites")
def m0016_managed_sites(db: Database) -> None:
    """Sites added in the web UI or with ``cms-bridge sites add``: the same table a
    ``[[sites]]`` entry would be (``raw``, JSON, no secrets) and its credentials
    encrypted (``sealed``, see bridge/secretbox.py)."""
    db.executescript("""
        CREATE TABLE managed_sites (
            id TEXT PRIMARY KEY,
            raw TEXT NOT NULL,
            sealed TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
    """)
@migrations(name="0010_reconcile_slices")
def m0010_reconcile_slices(db: Database) -> None:
    """The rolling reconcile reads a site's comments in local-id slices (sync.py):
    without this index each slice would sort all of the site's comments."""
    db.execute("CREATE INDEX IF NOT EXISTS comments_site_id ON comments(site_id, id)")


@migrations(name="0007_stories")
def m0007_stories(db: Database) -> None:
    """Stories: an ordered list of curated items plus the editor's words, published
    as one post per site. ``story_items.position`` orders them (pinned ones first);
    ``story_publications`` mirrors ``publications`` (one row per site, its latest job)."""
    db.executescript(
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            intro TEXT NOT NULL DEFAULT '',
            sites TEXT NOT NULL DEFAULT '[]',             -- JSON list of site ids
            rule TEXT,                                    -- JSON {"sources": [...], "contains": "..."} or NULL
            order_mode TEXT NOT NULL DEFAULT 'newest',    -- where joining items go: newest | oldest first
            state TEXT NOT NULL DEFAULT 'active',         -- active | retracted
            revision INTEGER NOT NULL DEFAULT 1,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE story_items (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            caption TEXT NOT NULL DEFAULT '',
            pinned INTEGER NOT NULL DEFAULT 0,
            hidden INTEGER NOT NULL DEFAULT 0,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (story_id, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX story_items_item ON story_items(item_id);
        CREATE TABLE story_publications (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            site_id TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',         -- queued | published | unpublishing | unpublished
            remote_ref TEXT,
            remote_url TEXT,
            job_id INTEGER,
            published_revision INTEGER,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (story_id, site_id)
        ) WITHOUT ROWID;
        """
    )


@migrations(name="0014_insights")
def m0014_insights(db: Database) -> None:
    """Daily aggregates for ``/insights``, kept by triggers in the same transaction
    as the change they count (as ``comment_counts`` is). At a million comments a
    figure over 90 days would otherwise scan most of ``comments`` and
    ``moderation_log``; these tables hold one row per site and day (or per site,
    day and actor/bucket), so every figure reads a few thousand rows at most.

    Days are UTC dates (``YYYY-MM-DD``). A *decision* is a moderation_log row that
    takes a comment out of ``pending`` (made in cms-bridge, or seen by sync as a
    change on the site: origin ``sync``). Waits go into histogram buckets
    (``insight_buckets``): percentiles are read as the bucket's upper bound, exact
    enough to say "half were decided within 15 minutes" without keeping every
    duration. Existing rows are counted once when the migration runs."""
    db.executescript("""
        CREATE TABLE insight_buckets (le REAL PRIMARY KEY);
        INSERT INTO insight_buckets (le) VALUES (60), (300), (900), (1800), (3600), (7200), (14400), (28800),
            (43200), (86400), (172800), (345600), (604800), (1209600), (2592000), (1e999);

        CREATE TABLE insight_comment_days (
            site_id TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, site_id)) WITHOUT ROWID;
        CREATE TABLE insight_post_days (
            site_id TEXT NOT NULL, post_id TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, site_id, post_id)) WITHOUT ROWID;
        CREATE TABLE insight_pending_delta (
            site_id TEXT NOT NULL, day TEXT NOT NULL, delta INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (site_id, day)) WITHOUT ROWID;
        CREATE TABLE insight_decisions (
            site_id TEXT NOT NULL, day TEXT NOT NULL, origin TEXT NOT NULL,
            to_status TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, site_id, origin, to_status)) WITHOUT ROWID;
        -- apart from the above: actor × status per site and day would be nearly a row per decision
        CREATE TABLE insight_actor_days (
            site_id TEXT NOT NULL, day TEXT NOT NULL, actor TEXT NOT NULL, origin TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, site_id, actor, origin)) WITHOUT ROWID;
        CREATE TABLE insight_waits (
            kind TEXT NOT NULL,                 -- comment (posting → decision) | item (arrival → decision)
            site_id TEXT NOT NULL,              -- '' for items
            day TEXT NOT NULL, le REAL NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kind, day, site_id, le)) WITHOUT ROWID;
        CREATE TABLE insight_item_days (
            day TEXT NOT NULL, source_id TEXT NOT NULL, contributor TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, source_id, contributor)) WITHOUT ROWID;
        CREATE TABLE insight_item_decisions (
            day TEXT NOT NULL, source_id TEXT NOT NULL, action TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, source_id, action)) WITHOUT ROWID;
        CREATE TABLE insight_job_days (
            site_id TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
            event TEXT NOT NULL,                -- published | done | retry | failed
            n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, site_id, kind, event)) WITHOUT ROWID;

        CREATE TRIGGER insight_comment_insert AFTER INSERT ON comments BEGIN
            INSERT INTO insight_comment_days (site_id, day, n) VALUES (new.site_id, substr(new.date_gmt, 1, 10), 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
            INSERT INTO insight_post_days (site_id, post_id, day, n)
                VALUES (new.site_id, new.post_id, substr(new.date_gmt, 1, 10), 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
            INSERT INTO insight_pending_delta (site_id, day, delta)
                SELECT new.site_id, substr(new.first_seen_at, 1, 10), 1 WHERE new.status = 'pending'
                ON CONFLICT DO UPDATE SET delta = delta + 1;
        END;
        CREATE TRIGGER insight_comment_delete AFTER DELETE ON comments BEGIN
            UPDATE insight_comment_days SET n = n - 1 WHERE site_id = old.site_id AND day = substr(old.date_gmt, 1, 10);
            UPDATE insight_post_days SET n = n - 1
                WHERE site_id = old.site_id AND post_id = old.post_id AND day = substr(old.date_gmt, 1, 10);
            INSERT INTO insight_pending_delta (site_id, day, delta)
                SELECT old.site_id, date('now'), -1 WHERE old.status = 'pending'
                ON CONFLICT DO UPDATE SET delta = delta - 1;
        END;
        CREATE TRIGGER insight_comment_status AFTER UPDATE OF status ON comments
        WHEN (old.status = 'pending') IS NOT (new.status = 'pending') BEGIN
            INSERT INTO insight_pending_delta (site_id, day, delta)
                VALUES (new.site_id, substr(new.updated_at, 1, 10), CASE WHEN new.status = 'pending' THEN 1 ELSE -1 END)
                ON CONFLICT DO UPDATE SET delta = delta + excluded.delta;
        END;

        CREATE TRIGGER insight_decision AFTER INSERT ON moderation_log
        WHEN new.from_status = 'pending' AND new.to_status IS NOT NULL AND new.to_status != 'pending'
             AND new.action != 'reply' BEGIN
            INSERT INTO insight_decisions (site_id, day, origin, to_status, n)
                VALUES (new.site_id, substr(new.created_at, 1, 10), new.origin, new.to_status, 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
            INSERT INTO insight_actor_days (site_id, day, actor, origin, n)
                VALUES (new.site_id, substr(new.created_at, 1, 10), new.actor, new.origin, 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
            INSERT INTO insight_waits (kind, site_id, day, le, n)
                SELECT 'comment', new.site_id, substr(new.created_at, 1, 10), min(b.le), 1
                FROM comments c JOIN insight_buckets b
                    ON b.le >= max(0, (julianday(new.created_at) - julianday(c.date_gmt)) * 86400.0)
                WHERE c.id = new.comment_id GROUP BY c.id
                ON CONFLICT DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER insight_item_insert AFTER INSERT ON items BEGIN
            INSERT INTO insight_item_days (day, source_id, contributor, n)
                VALUES (substr(new.received_at, 1, 10), new.source_id, new.contributor, 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER insight_item_decision AFTER INSERT ON item_decisions
        WHEN new.action IN ('approve', 'reject') BEGIN
            INSERT INTO insight_item_decisions (day, source_id, action, n)
                SELECT substr(new.created_at, 1, 10), i.source_id, new.action, 1 FROM items i WHERE i.id = new.item_id
                ON CONFLICT DO UPDATE SET n = n + 1;
            INSERT INTO insight_waits (kind, site_id, day, le, n)
                SELECT 'item', '', substr(new.created_at, 1, 10), min(b.le), 1
                FROM items i JOIN insight_buckets b
                    ON b.le >= max(0, (julianday(new.created_at) - julianday(i.received_at)) * 86400.0)
                WHERE i.id = new.item_id GROUP BY i.id
                ON CONFLICT DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER insight_published AFTER UPDATE OF state ON publications
        WHEN new.state = 'published' AND old.state IS NOT 'published' BEGIN
            INSERT INTO insight_job_days (site_id, day, kind, event, n)
                VALUES (new.site_id, substr(new.updated_at, 1, 10), 'publish', 'published', 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER insight_job_end AFTER UPDATE OF state ON jobs
        WHEN old.state = 'running' AND new.state IN ('done', 'queued', 'failed') BEGIN
            INSERT INTO insight_job_days (site_id, day, kind, event, n)
                VALUES (coalesce(new.site_id, ''), substr(new.updated_at, 1, 10), new.kind,
                        CASE new.state WHEN 'queued' THEN 'retry' ELSE new.state END, 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
        END;

        INSERT INTO insight_comment_days (site_id, day, n)
            SELECT site_id, substr(date_gmt, 1, 10), count(*) FROM comments GROUP BY 1, 2;
        INSERT INTO insight_post_days (site_id, post_id, day, n)
            SELECT site_id, post_id, substr(date_gmt, 1, 10), count(*) FROM comments GROUP BY 1, 2, 3;
        INSERT INTO insight_pending_delta (site_id, day, delta)
            SELECT site_id, date('now'), count(*) FROM comments WHERE status = 'pending' GROUP BY 1;
        INSERT INTO insight_item_days (day, source_id, contributor, n)
            SELECT substr(received_at, 1, 10), source_id, contributor, count(*) FROM items GROUP BY 1, 2, 3;
        INSERT INTO insight_decisions (site_id, day, origin, to_status, n)
            SELECT site_id, substr(created_at, 1, 10), origin, to_status, count(*) FROM moderation_log
            WHERE from_status = 'pending' AND to_status IS NOT NULL AND to_status != 'pending' AND action != 'reply'
            GROUP BY 1, 2, 3, 4;
        INSERT INTO insight_actor_days (site_id, day, actor, origin, n)
            SELECT site_id, substr(created_at, 1, 10), actor, origin, count(*) FROM moderation_log
            WHERE from_status = 'pending' AND to_status IS NOT NULL AND to_status != 'pending' AND action != 'reply'
            GROUP BY 1, 2, 3, 4;
        CREATE INDEX insight_post_days_post ON insight_post_days(site_id, post_id);
    """)


@migrations(name="0006_contributions")
def m0006_contributions(db: Database) -> None:
    """Contributors: invitations (a public link whose token is stored only as a hash;
    each one is also a ``sources`` row of kind "contributors"), and one row per
    submission with its consent evidence (the exact wording and version the
    contributor agreed to, when, under which invitation, their name and e-mail),
    what was stripped from the files, and the receipt's hash."""
    db.executescript(
        """
        CREATE TABLE invitations (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL UNIQUE,
            token_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            targets TEXT NOT NULL DEFAULT '[]',
            expires_at TEXT,
            max_submissions INTEGER,
            consent_text TEXT NOT NULL,
            consent_version TEXT NOT NULL,
            trusted INTEGER NOT NULL DEFAULT 0,
            rules TEXT NOT NULL DEFAULT '{}',
            submissions INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            revoked_by TEXT
        );

        CREATE TABLE contributions (
            id INTEGER PRIMARY KEY,
            invitation_id INTEGER NOT NULL REFERENCES invitations(id),
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            receipt_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            consent_text TEXT NOT NULL,
            consent_version TEXT NOT NULL,
            consented_at TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en',
            client_hash TEXT NOT NULL,
            removed_metadata TEXT NOT NULL DEFAULT '[]',  -- JSON: per file, what was stripped
            withdrawn_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX contributions_invitation ON contributions(invitation_id, created_at);
        CREATE INDEX contributions_client ON contributions(client_hash, created_at);
        CREATE UNIQUE INDEX contributions_item ON contributions(item_id);
        """
    )


@migrations(name="0008_user_time_zone")
def m0008_user_time_zone(db: Database) -> None:
    """Pages show times in the reader's own time zone (an IANA name, chosen on the
    account page); NULL means UTC, which is what every stored time is in."""
    db.table("users").add_column("time_zone", str)


@migrations(name="0017_notifications")
def m0017_notifications(db: Database) -> None:
    """Per-user notification settings, and the alert episodes that make a threshold
    alert go out once per time it is crossed (``episode`` counts the crossings; the
    outbox key carries it, so a re-run never sends the same episode twice)."""
    db.executescript("""
        CREATE TABLE notification_settings (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            enabled INTEGER NOT NULL DEFAULT 1,           -- 0 after the unsubscribe link
            digest TEXT NOT NULL DEFAULT 'off',           -- off | hourly | daily
            max_pending INTEGER,                          -- alert above this many pending on a site
            max_wait_minutes INTEGER,                     -- alert when the oldest pending waited longer
            on_attention INTEGER NOT NULL DEFAULT 0,      -- alert when a site needs attention
            email TEXT NOT NULL DEFAULT '',
            webhook_url TEXT NOT NULL DEFAULT '',
            webhook_kind TEXT NOT NULL DEFAULT 'slack',   -- slack | matrix
            webhook_secret_env TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE TABLE notification_alerts (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            alert TEXT NOT NULL,                          -- pending | wait | attention
            site_id TEXT NOT NULL,
            episode INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, alert, site_id)
        );
    """)


@migrations(name="0019_managed_sources")
def m0019_managed_sources(db: Database) -> None:
    """Feed and webhook sources added in the web UI or with ``cms-bridge sources add``:
    the very shape of ``managed_sites`` (0016) — the table a ``[[sources]]`` entry would
    be (``raw``) and its secret, if any, encrypted (``sealed``): its statement is that
    table's own, renamed."""
    [sql] = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'managed_sites'").fetchone()
    db.execute(sql.replace("managed_sites", "managed_sources", 1))


#: daily insight tables that get running totals (migration 0022): table → its key columns
RUNNING_TOTALS = {
    "insight_decisions": ("site_id", "origin", "to_status"),
    "insight_actor_days": ("site_id", "actor", "origin"),
    "insight_waits": ("kind", "site_id", "le"),
}


def _running_totals_sql(table: str, keys: tuple[str, ...]) -> str:
    """A ``<table>_cum`` of running totals per key (the sum of ``n`` over every day up to and
    including ``day``, one row per key and day that changed), a ``<table>_keys`` listing
    the keys, and triggers on the daily table that keep both in its transaction."""
    cols = ", ".join(keys)
    match = " AND ".join(f"{k} = {{row}}.{k}" for k in keys)

    def apply(row: str, delta: str) -> str:
        values = ", ".join(f"{row}.{k}" for k in keys)
        where = match.format(row=row)
        return f"""
            INSERT INTO {table}_keys ({cols}) VALUES ({values}) ON CONFLICT DO NOTHING;
            INSERT INTO {table}_cum ({cols}, day, cum)
                VALUES ({values}, {row}.day, {delta} + coalesce((SELECT cum FROM {table}_cum
                        WHERE {where} AND day < {row}.day ORDER BY day DESC LIMIT 1), 0))
                ON CONFLICT DO UPDATE SET cum = cum + ({delta});
            UPDATE {table}_cum SET cum = cum + ({delta}) WHERE {where} AND day > {row}.day;"""

    return f"""
        CREATE TABLE {table}_keys ({", ".join(f"{k} NOT NULL" for k in keys)},
            PRIMARY KEY ({cols})) WITHOUT ROWID;
        CREATE TABLE {table}_cum ({", ".join(f"{k} NOT NULL" for k in keys)}, day TEXT NOT NULL,
            cum INTEGER NOT NULL, PRIMARY KEY ({cols}, day)) WITHOUT ROWID;
        INSERT INTO {table}_keys ({cols}) SELECT DISTINCT {cols} FROM {table};
        INSERT INTO {table}_cum ({cols}, day, cum)
            SELECT {cols}, day, sum(sum(n)) OVER (PARTITION BY {cols} ORDER BY day) FROM {table}
            GROUP BY {cols}, day;
        CREATE TRIGGER {table}_cum_insert AFTER INSERT ON {table} BEGIN{apply("new", "new.n")}
        END;
        CREATE TRIGGER {table}_cum_update AFTER UPDATE OF n ON {table} BEGIN{apply("new", "new.n - old.n")}
        END;
        CREATE TRIGGER {table}_cum_delete AFTER DELETE ON {table} BEGIN{apply("old", "-old.n")}
        END;"""


@migrations(name="0022_insight_running_totals")
def m0022_insight_running_totals(db: Database) -> None:
    """Running totals beside the daily insight tables whose figures are per site and key
    summed over the range (decisions by origin and status, decisions per editor, wait
    buckets). A range's sum is then two index lookups per key — the total at its last day
    minus the total before its first — whatever the range's length, where the daily table
    needs a scan of every site × key × day in it (at 1,000,000 comments, 90 days over 50
    sites: ~50,000 rows for the editors' figure alone). The daily tables stay the truth:
    triggers on them keep the totals, so every writer that keeps a daily table keeps these.
    Decisions are counted on the day they are made, so a change nearly always lands on the
    newest day and the "later days" update touches nothing. Existing rows are summed once here.

    ``insight_source_days`` is items per source and day without the contributor (the weekly
    figure read ~25,000 source × contributor × day rows for ~300 weeks × sources), and
    ``insight_post_weeks`` comments per post and week: "top posts" reads the whole weeks of a
    range from it and only the days at its two ends from ``insight_post_days``."""
    db.executescript("".join(_running_totals_sql(t, keys) for t, keys in RUNNING_TOTALS.items()) + """
        CREATE TABLE insight_source_days (
            day TEXT NOT NULL, source_id TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, source_id)) WITHOUT ROWID;
        INSERT INTO insight_source_days (day, source_id, n)
            SELECT day, source_id, sum(n) FROM insight_item_days GROUP BY 1, 2;
        CREATE TRIGGER insight_source_days_insert AFTER INSERT ON insight_item_days BEGIN
            INSERT INTO insight_source_days (day, source_id, n) VALUES (new.day, new.source_id, new.n)
                ON CONFLICT DO UPDATE SET n = n + excluded.n;
        END;
        CREATE TRIGGER insight_source_days_update AFTER UPDATE OF n ON insight_item_days BEGIN
            UPDATE insight_source_days SET n = n + new.n - old.n WHERE day = new.day AND source_id = new.source_id;
        END;
        CREATE TRIGGER insight_source_days_delete AFTER DELETE ON insight_item_days BEGIN
            UPDATE insight_source_days SET n = n - old.n WHERE day = old.day AND source_id = old.source_id;
        END;
        CREATE INDEX insight_item_days_contributor ON insight_item_days(contributor, source_id, day, n);

        -- comments per post and week (its Monday; a day that is no date stays itself):
        -- "top posts" reads a range's whole weeks here
        CREATE TABLE insight_post_weeks (
            week TEXT NOT NULL, site_id TEXT NOT NULL, post_id TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (week, site_id, post_id)) WITHOUT ROWID;
        INSERT INTO insight_post_weeks (week, site_id, post_id, n)
            SELECT coalesce(date(day, '-6 days', 'weekday 1'), day), site_id, post_id, sum(n)
            FROM insight_post_days GROUP BY 1, 2, 3;
        CREATE TRIGGER insight_post_weeks_insert AFTER INSERT ON insight_post_days BEGIN
            INSERT INTO insight_post_weeks (week, site_id, post_id, n)
                VALUES (coalesce(date(new.day, '-6 days', 'weekday 1'), new.day), new.site_id, new.post_id, new.n)
                ON CONFLICT DO UPDATE SET n = n + excluded.n;
        END;
        CREATE TRIGGER insight_post_weeks_update AFTER UPDATE OF n ON insight_post_days BEGIN
            UPDATE insight_post_weeks SET n = n + new.n - old.n
                WHERE week = coalesce(date(new.day, '-6 days', 'weekday 1'), new.day)
                    AND site_id = new.site_id AND post_id = new.post_id;
        END;
        CREATE TRIGGER insight_post_weeks_delete AFTER DELETE ON insight_post_days BEGIN
            UPDATE insight_post_weeks SET n = n - old.n
                WHERE week = coalesce(date(old.day, '-6 days', 'weekday 1'), old.day)
                    AND site_id = old.site_id AND post_id = old.post_id;
        END;
    """)


@migrations(name="0020_user_language")
def m0020_user_language(db: Database) -> None:
    """The language a user reads the interface in (``en``, ``de``), chosen on the
    account page; NULL means the browser's Accept-Language decides."""
    db.table("users").add_column("language", str)


@migrations(name="0021_comment_held_because")
def m0021_comment_held_because(db: Database) -> None:
    """Why the site held a comment when it arrived, in its own terms: a JSON list of
    ``{"code", "detail"}`` (adapters.types.HoldReason; WordPress's connector plugin gives them),
    NULL when the site gave none (TYPO3, WordPress without the plugin, XML-RPC-only pulls)."""
    db.table("comments").add_column("held_because", str)


#: daily insight tables that get running totals in migration 0023 (as RUNNING_TOTALS in 0022)
RUNNING_TOTALS_0023 = {
    "insight_item_decisions": ("source_id", "action"),
    "insight_job_days": ("site_id", "kind", "event"),
}


@migrations(name="0023_insight_read_paths")
def m0023_insight_read_paths(db: Database) -> None:
    """Read paths for the all-sites ``/insights`` (profiled at 1,000,000 comments, 100,000 items).

    "Items per contributor" groups ~25,000 contributor × source × day rows (90 days at
    100,000 items) by contributor; read in day order that needs a sort, read through 0022's
    contributor index it scans every day of every contributor. ``insight_item_contributors``
    lists the contributors (kept by a trigger on ``insight_item_days``; it only grows, and a
    contributor without items in a range adds nothing), and the index on (contributor, day)
    lets the query seek each contributor's days of the range in contributor order: no sort,
    no row outside the range. It replaces 0022's (contributor, source_id, day) index.

    ``insight_comment_days_site`` orders the comments per day by site, so the figure is read
    as one row per site (its days and counts as two JSON lists) instead of a Python row per
    site and day. ``insight_post_months`` lets "top posts" read a long range's whole months (a year: ~12
    rows per post instead of ~52 weeks), with weeks and days only at the two ends.

    Item decisions per source and action, and job outcomes per site, kind and event, get the
    running totals of 0022 (``<table>_keys``, ``<table>_cum``, kept by triggers on the daily
    table): their figures summed every day of the range and sorted the sums."""
    db.executescript("".join(_running_totals_sql(t, keys) for t, keys in RUNNING_TOTALS_0023.items()) + """
        CREATE TABLE insight_item_contributors (contributor TEXT PRIMARY KEY) WITHOUT ROWID;
        INSERT INTO insight_item_contributors (contributor) SELECT DISTINCT contributor FROM insight_item_days;
        CREATE TRIGGER insight_item_contributors_insert AFTER INSERT ON insight_item_days BEGIN
            INSERT INTO insight_item_contributors (contributor) VALUES (new.contributor) ON CONFLICT DO NOTHING;
        END;
        DROP INDEX IF EXISTS insight_item_days_contributor;
        CREATE INDEX insight_item_days_contributor_day ON insight_item_days(contributor, day, source_id, n);
        CREATE INDEX insight_comment_days_site ON insight_comment_days(site_id, day, n);

        -- comments per post and calendar month (its first day; a day that is no date stays
        -- itself), kept from insight_post_days as 0022's insight_post_weeks is
        CREATE TABLE insight_post_months (
            month TEXT NOT NULL, site_id TEXT NOT NULL, post_id TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (month, site_id, post_id)) WITHOUT ROWID;
        INSERT INTO insight_post_months (month, site_id, post_id, n)
            SELECT coalesce(date(day, 'start of month'), day), site_id, post_id, sum(n)
            FROM insight_post_days GROUP BY 1, 2, 3;
        CREATE TRIGGER insight_post_months_insert AFTER INSERT ON insight_post_days BEGIN
            INSERT INTO insight_post_months (month, site_id, post_id, n)
                VALUES (coalesce(date(new.day, 'start of month'), new.day), new.site_id, new.post_id, new.n)
                ON CONFLICT DO UPDATE SET n = n + excluded.n;
        END;
        CREATE TRIGGER insight_post_months_update AFTER UPDATE OF n ON insight_post_days BEGIN
            UPDATE insight_post_months SET n = n + new.n - old.n
                WHERE month = coalesce(date(new.day, 'start of month'), new.day)
                    AND site_id = new.site_id AND post_id = new.post_id;
        END;
        CREATE TRIGGER insight_post_months_delete AFTER DELETE ON insight_post_days BEGIN
            UPDATE insight_post_months SET n = n - old.n
                WHERE month = coalesce(date(old.day, 'start of month'), old.day)
                    AND site_id = old.site_id AND post_id = old.post_id;
        END;
    """)
    if db["sqlite_stat1"].exists():  # someone ran ANALYZE: give the new indexes statistics too, or the
        # planner, knowing the old ones only, reads the contributors by a Bloom filter over every row
        db.executescript("ANALYZE insight_item_days; ANALYZE insight_item_contributors; ANALYZE insight_comment_days;")

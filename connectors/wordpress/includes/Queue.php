<?php
/**
 * The persistent event queue: one table in the WordPress database, `{prefix}cms_bridge_events`.
 *
 * An event is written here in the request that made the change, before anything is sent, so a
 * cms-bridge that is down, slow or unreachable loses nothing: WP-Cron (Deliverer) retries every
 * row until cms-bridge accepts it. Rows are kept for KEEP_DAYS after delivery: deletion rows are
 * the tombstones the changes route lists (a deleted comment's meta is gone with it).
 *
 * Bounded: at most MAX_UNSENT undelivered rows; beyond that the oldest undelivered are dropped
 * and counted in the `cms_bridge_connector_dropped` option (cms-bridge's sync still finds those
 * changes through the changes route, which reads comment meta, not this table).
 */

namespace CmsBridge\Connector;

final class Queue
{
    public const SCHEMA_VERSION = '1';
    public const KEEP_DAYS = 14;
    public const MAX_UNSENT = 10000;
    public const LEASE_SECONDS = 60;

    public static function table(): string
    {
        global $wpdb;
        return $wpdb->prefix . 'cms_bridge_events';
    }

    /**
     * Creates or updates the table when its schema version differs. Runs on every load (one
     * option read), not only on activation: an mu-plugin is never "activated".
     */
    public static function install(): void
    {
        if (get_option('cms_bridge_connector_schema') === self::SCHEMA_VERSION) {
            return;
        }
        global $wpdb;
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        $table = self::table();
        $charset = $wpdb->get_charset_collate();
        // dbDelta wants two spaces after PRIMARY KEY and one key per line.
        dbDelta("CREATE TABLE {$table} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  webhook_id varchar(64) NOT NULL,
  event_type varchar(32) NOT NULL,
  comment_id bigint(20) unsigned NOT NULL DEFAULT 0,
  modified char(16) NOT NULL DEFAULT '',
  origin varchar(16) NOT NULL DEFAULT 'site',
  payload longtext NOT NULL,
  created_at datetime NOT NULL,
  attempts int(11) NOT NULL DEFAULT 0,
  next_attempt_at bigint(20) NOT NULL DEFAULT 0,
  lease_until bigint(20) NOT NULL DEFAULT 0,
  sent_at datetime DEFAULT NULL,
  last_status int(11) NOT NULL DEFAULT 0,
  last_error text,
  PRIMARY KEY  (id),
  UNIQUE KEY webhook_id (webhook_id),
  KEY due (sent_at,next_attempt_at),
  KEY tombstones (event_type,modified,comment_id)
) {$charset};");
        update_option('cms_bridge_connector_schema', self::SCHEMA_VERSION, true);
    }

    public static function add(string $type, int $commentId, string $modified, string $origin, array $payload): int
    {
        global $wpdb;
        $wpdb->insert(self::table(), [
            'webhook_id' => Signer::newId(),
            'event_type' => $type,
            'comment_id' => $commentId,
            'modified' => $modified,
            'origin' => $origin,
            'payload' => wp_json_encode($payload),
            'created_at' => gmdate('Y-m-d H:i:s'),
            'next_attempt_at' => 0,
        ]);
        return (int) $wpdb->insert_id;
    }

    /** Claims up to $limit due rows (oldest first) with a lease, so two workers never send one row at once. */
    public static function claimDue(int $limit): array
    {
        global $wpdb;
        $table = self::table();
        $now = time();
        $rows = $wpdb->get_results($wpdb->prepare(
            "SELECT * FROM {$table} WHERE sent_at IS NULL AND next_attempt_at <= %d AND lease_until < %d ORDER BY id LIMIT %d",
            $now, $now, $limit
        ), ARRAY_A);
        $claimed = [];
        foreach ($rows ?: [] as $row) {
            $ok = $wpdb->query($wpdb->prepare(
                "UPDATE {$table} SET lease_until = %d WHERE id = %d AND sent_at IS NULL AND lease_until < %d",
                $now + self::LEASE_SECONDS, $row['id'], $now
            ));
            if ($ok === 1) {
                $claimed[] = $row;
            }
        }
        return $claimed;
    }

    public static function markSent(int $id, int $status, string $note = ''): void
    {
        global $wpdb;
        $wpdb->update(self::table(), [
            'sent_at' => gmdate('Y-m-d H:i:s'), 'lease_until' => 0, 'last_status' => $status,
            'last_error' => $note === '' ? null : $note,
        ], ['id' => $id]);
    }

    public static function markFailed(array $row, int $status, string $error): void
    {
        global $wpdb;
        $attempts = (int) $row['attempts'] + 1;
        $wpdb->update(self::table(), [
            'attempts' => $attempts, 'lease_until' => 0, 'last_status' => $status,
            'next_attempt_at' => time() + Backoff::delay($attempts, mt_rand() / mt_getrandmax()),
            'last_error' => substr($error, 0, 2000),
        ], ['id' => (int) $row['id']]);
    }

    /** Makes every undelivered row due now (the settings page's "retry now", and tests). */
    public static function makeDue(): int
    {
        global $wpdb;
        return (int) $wpdb->query("UPDATE " . self::table() . " SET next_attempt_at = 0, lease_until = 0 WHERE sent_at IS NULL");
    }

    /** @return array{unsent:int, oldest_unsent:?string, last_error:?string} */
    public static function stats(): array
    {
        global $wpdb;
        $table = self::table();
        $row = $wpdb->get_row("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM {$table} WHERE sent_at IS NULL", ARRAY_A);
        $error = $wpdb->get_var("SELECT last_error FROM {$table} WHERE sent_at IS NULL AND attempts > 0 ORDER BY id DESC LIMIT 1");
        return ['unsent' => (int) ($row['n'] ?? 0), 'oldest_unsent' => $row['oldest'] ?? null,
            'last_error' => $error === null ? null : (string) $error];
    }

    /** Deletions after a cursor, for the changes route. */
    public static function tombstones(ChangeCursor $since, string $until, int $limit): array
    {
        global $wpdb;
        $rows = $wpdb->get_results($wpdb->prepare(
            "SELECT comment_id AS id, modified, payload FROM " . self::table() . " WHERE event_type = 'comment.deleted'"
            . " AND (modified > %s OR (modified = %s AND comment_id > %d)) AND modified <= %s"
            . " ORDER BY modified, comment_id LIMIT %d",
            $since->modified, $since->modified, $since->commentId, $until, $limit
        ), ARRAY_A);
        return $rows ?: [];
    }

    /** Drops delivered rows older than KEEP_DAYS and undelivered ones beyond MAX_UNSENT. */
    public static function prune(): void
    {
        global $wpdb;
        $table = self::table();
        $wpdb->query($wpdb->prepare(
            "DELETE FROM {$table} WHERE sent_at IS NOT NULL AND sent_at < %s",
            gmdate('Y-m-d H:i:s', time() - self::KEEP_DAYS * DAY_IN_SECONDS)
        ));
        $unsent = (int) $wpdb->get_var("SELECT COUNT(*) FROM {$table} WHERE sent_at IS NULL");
        if ($unsent > self::MAX_UNSENT) {
            $drop = $unsent - self::MAX_UNSENT;
            $wpdb->query($wpdb->prepare(
                "DELETE FROM {$table} WHERE sent_at IS NULL AND event_type <> 'comment.deleted' ORDER BY id LIMIT %d",
                $drop
            ));
            update_option('cms_bridge_connector_dropped', (int) get_option('cms_bridge_connector_dropped', 0) + $drop, false);
        }
    }
}

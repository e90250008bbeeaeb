<?php
/**
 * REST routes under `cms-bridge/v1`, for cms-bridge's sync, authenticated like every REST call it
 * makes (application password, HTTP Basic) and allowed to users who may moderate comments:
 *
 *  GET /cms-bridge/v1/status                  plugin version, whether events are set up, queue state
 *  GET /cms-bridge/v1/comments/changes?since=CURSOR&per_page=N
 *      comments changed after CURSOR (ChangeCursor), oldest change first, each in REST's comment
 *      shape with `modified`; deleted ones with status "deleted". `next` is the cursor to send next
 *      time, `more` says another page is waiting. A sync with nothing changed is this one request.
 *
 * Changes younger than SETTLE_SECONDS are left for the next call: a request that computed its stamp
 * but has not written it yet must not be overtaken by a cursor that already moved past it.
 */

namespace CmsBridge\Connector;

final class Rest
{
    public const NS = 'cms-bridge/v1';
    public const SETTLE_SECONDS = 2;
    public const MAX_PER_PAGE = 500;

    public static function register(): void
    {
        $can = static function () {
            return current_user_can('moderate_comments');
        };
        register_rest_route(self::NS, '/status', [
            'methods' => 'GET', 'callback' => [self::class, 'status'], 'permission_callback' => $can,
        ]);
        register_rest_route(self::NS, '/comments/changes', [
            'methods' => 'GET',
            'callback' => [self::class, 'changes'],
            'permission_callback' => $can,
            'args' => [
                'since' => ['type' => 'string', 'default' => ''],
                'per_page' => ['type' => 'integer', 'default' => 100, 'minimum' => 1, 'maximum' => self::MAX_PER_PAGE],
            ],
        ]);
    }

    public static function status(): array
    {
        return [
            'plugin' => 'cms-bridge-connector',
            'version' => Plugin::VERSION,
            'events_configured' => Settings::configured(),
            'queue' => Queue::stats(),
            'dropped' => (int) get_option('cms_bridge_connector_dropped', 0),
            'last_contact' => Settings::lastContact(),
        ];
    }

    /** @return array|\WP_Error */
    public static function changes(\WP_REST_Request $request)
    {
        try {
            $since = ChangeCursor::parse((string) $request['since']);
        } catch (\InvalidArgumentException $e) {
            return new \WP_Error('cms_bridge_bad_cursor', $e->getMessage(), ['status' => 400]);
        }
        $limit = max(1, min(self::MAX_PER_PAGE, (int) $request['per_page']));
        $until = ChangeCursor::stamp((int) floor((microtime(true) - self::SETTLE_SECONDS) * 1000000));

        global $wpdb;
        $changed = $wpdb->get_results($wpdb->prepare(
            "SELECT comment_id AS id, meta_value AS modified FROM {$wpdb->commentmeta} WHERE meta_key = %s"
            . " AND (meta_value > %s OR (meta_value = %s AND comment_id > %d)) AND meta_value <= %s"
            . " ORDER BY meta_value, comment_id LIMIT %d",
            Plugin::META, $since->modified, $since->modified, $since->commentId, $until, $limit + 1
        ), ARRAY_A) ?: [];
        $page = ChangeCursor::merge($changed, Queue::tombstones($since, $until, $limit + 1), $limit + 1);
        $more = count($page) > $limit;
        $page = array_slice($page, 0, $limit);

        $ids = array_map('intval', array_column(array_filter($page, static function ($r) {
            return !isset($r['payload']);
        }), 'id'));
        if ($ids && function_exists('_prime_comment_caches')) {
            _prime_comment_caches($ids, false);
        }
        $out = [];
        foreach ($page as $r) {
            if (isset($r['payload'])) {
                $payload = json_decode((string) $r['payload'], true);
                $out[] = $payload['data']['comment'] ?? ['id' => (int) $r['id'], 'status' => 'deleted', 'modified' => $r['modified']];
                continue;
            }
            $row = get_comment((int) $r['id'], ARRAY_A);
            if (is_array($row)) {
                $out[] = CommentShape::fromRow($row, (string) get_comment_link((int) $r['id']), (string) $r['modified'], null,
                    HoldRecorder::of((int) $r['id']));
            }
        }
        $last = end($page);
        $next = $last ? new ChangeCursor((string) $last['modified'], (int) $last['id']) : $since;
        return ['changes' => $out, 'next' => $next->format(), 'more' => $more, 'version' => Plugin::VERSION];
    }
}

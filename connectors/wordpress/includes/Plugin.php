<?php
/**
 * Wires the plugin into WordPress: the comment hooks, the end-of-request flush, WP-Cron.
 *
 * Hooks used, as WordPress fires them (wp-includes/comment.php in WordPress/wordpress-develop):
 *  - `wp_insert_comment` ($id, WP_Comment)           wp_insert_comment(), after the row is written
 *  - `edit_comment` ($comment_id, $data)              wp_update_comment(), which then calls
 *                                                     wp_transition_comment_status()
 *  - `transition_comment_status` ($new, $old, WP_Comment)  wp_transition_comment_status(): fires only
 *      when the status changes; 0/'hold' → 'unapproved', 1/'approve' → 'approved'; 'delete' when
 *      wp_delete_comment() removed it
 *  - `trashed_comment`, `untrashed_comment`, `spammed_comment`, `unspammed_comment` ($id, WP_Comment)
 *      wp_trash_comment() / wp_untrash_comment() / wp_spam_comment() / wp_unspam_comment(), each after
 *      its wp_set_comment_status() succeeded (so after `transition_comment_status`)
 *  - `deleted_comment` ($id, WP_Comment)              wp_delete_comment(), after the row and its meta
 *      are gone (the WP_Comment argument since 4.9 is our snapshot)
 *  - `shutdown`                                       run by shutdown_action_hook(), registered with
 *      register_shutdown_function() in wp-settings.php: also after exit/wp_die/redirects
 * XML-RPC's wp.editComment goes through wp_update_comment() and so fires the same hooks (but not the
 * trashed/spammed ones: it writes comment_approved directly); REST's status updates call
 * wp_trash_comment() etc.
 */

namespace CmsBridge\Connector;

final class Plugin
{
    public const VERSION = '0.2.0';
    public const META = '_cms_bridge_modified';
    public const CRON_HOOK = 'cms_bridge_connector_deliver';

    /** @var EventMerger */
    private static $merger;
    /** @var bool */
    private static $booted = false;

    public static function boot(): void
    {
        if (self::$booted) {
            return; // loaded both as an mu-plugin and as a normal plugin
        }
        self::$booted = true;
        self::$merger = new EventMerger();

        add_action('wp_insert_comment', [self::class, 'onInsert'], 10, 2);
        add_action('edit_comment', [self::class, 'onEdit'], 10, 2);
        add_action('transition_comment_status', [self::class, 'onTransition'], 10, 3);
        foreach (['trashed', 'untrashed', 'spammed', 'unspammed'] as $what) {
            add_action("{$what}_comment", static function ($id) use ($what) {
                self::record((int) $id, "comment.{$what}", null);
            }, 10, 1);
        }
        add_action('deleted_comment', [self::class, 'onDeleted'], 10, 2);
        add_action('shutdown', [self::class, 'flush'], 1);

        add_filter('cron_schedules', [self::class, 'cronSchedules']);
        add_action(self::CRON_HOOK, [self::class, 'cron']);
        add_action('init', [self::class, 'schedule']);
        add_action('rest_api_init', [Rest::class, 'register']);
        HoldRecorder::register();
        Admin::register();
        Queue::install();
    }

    /** "cms-bridge" when the change is cms-bridge's own write-back (its adapter's User-Agent, logged in). */
    public static function origin(): string
    {
        $agent = isset($_SERVER['HTTP_USER_AGENT']) ? (string) $_SERVER['HTTP_USER_AGENT'] : '';
        return (strpos($agent, 'cms-bridge (') === 0 && is_user_logged_in()) ? 'cms-bridge' : 'site';
    }

    public static function onInsert($id, $comment = null): void
    {
        self::record((int) $id, 'comment.created', null);
    }

    public static function onEdit($id, $data = null): void
    {
        self::record((int) $id, 'comment.edited', null);
    }

    public static function onTransition($new, $old, $comment): void
    {
        if ($new === 'delete' || !is_object($comment)) {
            return; // deleted_comment tells it, with the snapshot
        }
        self::record((int) $comment->comment_ID, 'comment.status_changed', (string) $old);
    }

    public static function onDeleted($id, $comment = null): void
    {
        $snapshot = is_object($comment) && method_exists($comment, 'to_array') ? $comment->to_array() : ['comment_ID' => (int) $id];
        self::record((int) $id, 'comment.deleted', null, $snapshot);
    }

    private static function record(int $id, string $type, ?string $previous, ?array $snapshot = null): void
    {
        if ($id > 0) {
            self::$merger->record($id, $type, $previous, self::origin(), $snapshot);
        }
    }

    /**
     * End of request: stamp each changed comment's meta, queue one event per comment, and try to
     * deliver what the site's own visitors and editors caused at once (cms-bridge's write-backs are
     * left to cron: cms-bridge already knows them, and its request should not wait on itself).
     */
    public static function flush(): void
    {
        if (self::$merger->isEmpty()) {
            return;
        }
        $urgent = false;
        foreach (self::$merger->drain() as $id => $event) {
            $modified = ChangeCursor::nowStamp();
            if ($event['type'] === 'comment.deleted') {
                $shape = CommentShape::fromRow($event['comment'] ?? ['comment_ID' => $id], '', $modified, 'deleted');
            } else {
                $row = get_comment($id, ARRAY_A);
                if (!is_array($row)) {
                    continue; // gone in the same request without deleted_comment: nothing to tell
                }
                update_comment_meta($id, self::META, $modified);
                $shape = CommentShape::fromRow($row, (string) get_comment_link($id), $modified, null, HoldRecorder::of((int) $id));
            }
            $payload = [
                'type' => $event['type'],
                'timestamp' => gmdate('Y-m-d\TH:i:s\Z'),
                'data' => [
                    'comment' => $shape,
                    'previous_status' => $event['previous_status'] === null ? null : CommentShape::status($event['previous_status']),
                    'origin' => $event['origin'],
                    'modified' => $modified,
                    'site_url' => home_url(),
                    'plugin_version' => self::VERSION,
                ],
            ];
            Queue::add($event['type'], (int) $id, $modified, $event['origin'], $payload);
            $urgent = $urgent || $event['origin'] === 'site';
        }
        if ($urgent && Settings::configured() && apply_filters('cms_bridge_connector_deliver_at_once', true)) {
            if (function_exists('fastcgi_finish_request')) {
                fastcgi_finish_request(); // the visitor gets the page; delivery happens after
            }
            Deliverer::run(20, 3);
        }
    }

    public static function cronSchedules(array $schedules): array
    {
        $schedules['cms_bridge_minute'] = ['interval' => 60, 'display' => 'Every minute (cms-bridge connector)'];
        return $schedules;
    }

    public static function schedule(): void
    {
        if (!wp_next_scheduled(self::CRON_HOOK)) {
            wp_schedule_event(time() + 60, 'cms_bridge_minute', self::CRON_HOOK);
        }
    }

    public static function cron(): void
    {
        Deliverer::run(200);
        if ((int) get_option('cms_bridge_connector_pruned', 0) < time() - DAY_IN_SECONDS) {
            Queue::prune();
            update_option('cms_bridge_connector_pruned', time(), false);
        }
    }

    /** Deactivating a normal plugin removes its cron event (the queue table stays, with what it holds). */
    public static function deactivate(): void
    {
        wp_clear_scheduled_hook(self::CRON_HOOK);
    }
}

<?php
/**
 * Records why WordPress did not approve a new comment (HoldReasons) as comment meta
 * `_cms_bridge_held_because`, registered for REST in `edit` context only (moderators: wp/v2
 * comments refuses context=edit to users without `moderate_comments`/`edit_comment`).
 *
 * Two hooks, because the reason is decided before the comment has an id:
 *  - `pre_comment_approved` ($approved, $commentdata), the last filter of wp_allow_comment()
 *    (wp-includes/comment.php), at priority PHP_INT_MAX so every plugin has had its say: the
 *    rules are re-read here with WordPress's own functions and options — check_comment() for
 *    core's verdict, wp_check_comment_disallowed_list(), the options `comment_moderation`,
 *    `comment_max_links`, `moderation_keys`, `comment_previously_approved` — and kept for
 *  - `wp_insert_comment` ($id, WP_Comment), priority 20 (after Akismet's
 *    auto_check_update_meta() at 10, so its meta is there), which writes the meta when the comment
 *    is the one just checked (same post, parent and e-mail) and was not approved.
 * Both wp_new_comment() (wp-comments-post.php, XML-RPC) and REST's create_item() call
 * wp_allow_comment() right before wp_insert_comment(). The meta is written before `shutdown`, so
 * the comment.created event (Plugin::flush) carries it.
 */

namespace CmsBridge\Connector;

final class HoldRecorder
{
    /** @var array<string,mixed>|null the facts of the comment wp_allow_comment() just judged */
    private static $pending;

    public static function register(): void
    {
        add_filter('pre_comment_approved', [self::class, 'judged'], PHP_INT_MAX, 2);
        add_action('wp_insert_comment', [self::class, 'inserted'], 20, 2);
        add_action('init', [self::class, 'registerMeta']);
    }

    public static function registerMeta(): void
    {
        register_meta('comment', HoldReasons::META, [
            'type' => 'array',
            'single' => true,
            'description' => 'Why WordPress did not approve this comment when it arrived (cms-bridge connector).',
            'auth_callback' => static function () {
                return current_user_can('moderate_comments');
            },
            'show_in_rest' => ['schema' => [
                'context' => ['edit'],
                'items' => ['type' => 'object', 'properties' => [
                    'code' => ['type' => 'string'], 'detail' => ['type' => 'string'],
                ]],
            ]],
        ]);
    }

    /**
     * @param int|string|\WP_Error $approved
     * @param array<string,mixed> $data
     * @return int|string|\WP_Error unchanged
     */
    public static function judged($approved, $data)
    {
        self::$pending = null;
        if (is_wp_error($approved) || !is_array($data)) {
            return $approved;
        }
        $field = static function (string $key) use ($data): string {
            return isset($data[$key]) ? (string) $data[$key] : '';
        };
        $author = $field('comment_author');
        $email = $field('comment_author_email');
        $url = $field('comment_author_url');
        $content = $field('comment_content');
        $ip = $field('comment_author_IP');
        $agent = $field('comment_agent');
        $type = $field('comment_type');
        // check_comment() runs its content through `comment_text` first (make_clickable etc.)
        $filtered = (string) apply_filters('comment_text', $content, null, []);
        $max = (int) get_option('comment_max_links');
        $previously = (int) get_option('comment_previously_approved') === 1;
        self::$pending = [
            'post' => (int) ($data['comment_post_ID'] ?? 0),
            'parent' => (int) ($data['comment_parent'] ?? 0),
            'email' => $email,
            'facts' => [
                'core_approves' => self::respected($data) || check_comment($author, $email, $url, $content, $ip, $agent, $type),
                'manual' => (int) get_option('comment_moderation') === 1,
                'links' => $max > 0 ? (int) apply_filters('comment_max_links_url', HoldReasons::linkCount($filtered), $url, $filtered) : 0,
                'max_links' => $max,
                'words' => HoldReasons::moderationWords((string) get_option('moderation_keys'), [$author, $email, $url, $filtered, $ip, $agent]),
                'previously_required' => $previously,
                'previously_approved' => $previously && self::previouslyApproved($author, $email, $type),
                'disallowed' => function_exists('wp_check_comment_disallowed_list')
                    && wp_check_comment_disallowed_list($author, $email, $url, $content, $ip, $agent),
            ],
        ];
        return $approved;
    }

    /** wp_allow_comment()'s first branch: the post's author and users who may moderate are approved. */
    private static function respected(array $data): bool
    {
        $user = empty($data['user_id']) ? false : get_userdata((int) $data['user_id']);
        if (!$user) {
            return false;
        }
        $post = get_post((int) ($data['comment_post_ID'] ?? 0));
        return ($post && (int) $post->post_author === (int) $user->ID) || $user->has_cap('moderate_comments');
    }

    /**
     * check_comment()'s `comment_previously_approved` test, its own query: an approved comment by the
     * user with this e-mail, else by this author name and e-mail (both as slashed as core gets them).
     */
    private static function previouslyApproved(string $author, string $email, string $type): bool
    {
        global $wpdb;
        if ($type === 'trackback' || $type === 'pingback' || $author === '' || $email === '') {
            return false;
        }
        $user = get_user_by('email', wp_unslash($email));
        if (!empty($user->ID)) {
            $sql = $wpdb->prepare("SELECT comment_approved FROM {$wpdb->comments} WHERE user_id = %d AND comment_approved = '1' LIMIT 1", $user->ID);
        } else {
            $sql = $wpdb->prepare("SELECT comment_approved FROM {$wpdb->comments} WHERE comment_author = %s AND comment_author_email = %s AND comment_approved = '1' LIMIT 1", $author, $email);
        }
        return (string) $wpdb->get_var($sql) === '1';
    }

    /** @param int|string $id */
    public static function inserted($id, $comment = null): void
    {
        $pending = self::$pending;
        self::$pending = null;
        if ($pending === null || !is_object($comment)) {
            return;
        }
        if ((int) $comment->comment_post_ID !== $pending['post'] || (int) $comment->comment_parent !== $pending['parent']
            || (string) $comment->comment_author_email !== wp_unslash($pending['email'])) {
            return; // another comment than the one wp_allow_comment() judged
        }
        $reasons = HoldReasons::explain($pending['facts'] + [
            'approved' => (string) $comment->comment_approved,
            'akismet_result' => (string) get_comment_meta((int) $id, 'akismet_result', true),
            'akismet_error' => (bool) get_comment_meta((int) $id, 'akismet_error', true),
        ]);
        if ($reasons) {
            update_comment_meta((int) $id, HoldReasons::META, $reasons);
        }
    }

    /** The meta of a comment for REST's shape (CommentShape): [] when none. */
    public static function of(int $id): array
    {
        return HoldReasons::clean(get_comment_meta($id, HoldReasons::META, true));
    }
}

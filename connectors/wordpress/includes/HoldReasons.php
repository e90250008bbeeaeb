<?php
/**
 * Why WordPress did not approve a new comment, as a list of {code, detail}, kept as comment meta
 * `_cms_bridge_held_because` (HoldRecorder writes it; REST and the events carry it).
 *
 * Core stores no reason, but it decides one in wp_allow_comment() (wp-includes/comment.php,
 * WordPress/WordPress): a visitor's comment goes through check_comment(), which holds it when
 *   - `comment_moderation` is 1 ("Comment must be manually approved")            → manual
 *   - the comment, after the `comment_text` filter, has `comment_max_links` or more
 *     `<a … href` (regex '/<a [^>]*href/i', then filter `comment_max_links_url`) → max_links "3 of 2"
 *   - a line of `moderation_keys` ("Comment Moderation") is in the author, e-mail, URL, content,
 *     IP or user agent (each line trimmed, preg_quote'd with '#', matched '#word#i')   → moderation_keys "word"
 *   - `comment_previously_approved` is 1 ("Comment author must have a previously approved
 *     comment") and the author has none (or it is a ping, or author/e-mail is empty) → previously_approved
 * wp_check_comment_disallowed_list() ("Disallowed Comment Keys") then makes it 'spam' or 'trash'
 * → disallowed_keys, and the filter `pre_comment_approved` lets plugins change the verdict:
 * a comment core would have approved but that was not → plugin. Akismet's own verdict, when its
 * meta is there (`akismet_result` 'true'/'false', `akismet_error` set by
 * Akismet::auto_check_update_meta() on wp_insert_comment) → akismet "spam" | "ham" | "error".
 *
 * This class is pure PHP (PHPUnit, no WordPress): it gets the facts HoldRecorder read from
 * WordPress's own options and functions and turns them into the list. Only the moderation-word
 * loop is re-done here, because check_comment() says that a word matched but not which.
 */

namespace CmsBridge\Connector;

final class HoldReasons
{
    public const META = '_cms_bridge_held_because';

    /**
     * The lines of `moderation_keys` found in any of the fields, as check_comment() matches them
     * (each line trimmed, empty ones skipped, '#word#i' on the quoted word); each word once.
     *
     * @param string[] $fields author, e-mail, URL, content (after `comment_text`), IP, user agent
     * @return string[]
     */
    public static function moderationWords(string $keys, array $fields): array
    {
        $found = [];
        $seen = [];
        foreach (explode("\n", trim($keys)) as $word) {
            $word = trim($word);
            if ($word === '' || isset($seen[strtolower($word)])) {
                continue;
            }
            $seen[strtolower($word)] = true;
            $pattern = '#' . preg_quote($word, '#') . '#i';
            foreach ($fields as $field) {
                if (preg_match($pattern, (string) $field)) {
                    $found[] = $word;
                    break;
                }
            }
        }
        return $found;
    }

    /** The links check_comment() counts in the `comment_text`-filtered content (before its filter). */
    public static function linkCount(string $filteredContent): int
    {
        return (int) preg_match_all('/<a [^>]*href/i', $filteredContent);
    }

    /**
     * @param array<string,mixed> $facts
     *   approved        the final comment_approved (0/'0', 'spam', 'trash', 1/'1')
     *   core_approves   check_comment()'s own answer (or the "author and admins get respect" branch)
     *   manual          comment_moderation is on
     *   links, max_links the count and the option (0 = no limit)
     *   words           moderationWords()
     *   previously_required comment_previously_approved is on
     *   previously_approved the author has an approved comment (and it is no ping, author/e-mail given)
     *   disallowed      wp_check_comment_disallowed_list() said yes
     *   akismet_result  the `akismet_result` meta ('' when none), akismet_error: its `akismet_error` meta is set
     * @return list<array{code:string,detail:string}> empty for an approved comment
     */
    public static function explain(array $facts): array
    {
        $approved = (string) ($facts['approved'] ?? '0');
        if ($approved === '1' || $approved === 'approve') {
            return [];
        }
        $out = [];
        $core = (bool) ($facts['core_approves'] ?? false);
        if (!$core) {
            if (!empty($facts['manual'])) {
                $out[] = self::reason('manual');
            }
            $max = (int) ($facts['max_links'] ?? 0);
            $links = (int) ($facts['links'] ?? 0);
            if ($max > 0 && $links >= $max) {
                $out[] = self::reason('max_links', "{$links} of {$max}");
            }
            foreach ((array) ($facts['words'] ?? []) as $word) {
                $out[] = self::reason('moderation_keys', (string) $word);
            }
            if (!empty($facts['previously_required']) && empty($facts['previously_approved'])) {
                $out[] = self::reason('previously_approved');
            }
        }
        if (!empty($facts['disallowed'])) {
            $out[] = self::reason('disallowed_keys');
        }
        $akismet = self::akismet((string) ($facts['akismet_result'] ?? ''), !empty($facts['akismet_error']));
        if (!$out && ($core || $approved === '0')) {
            // core approved it (or held it for a reason no rule above names): a plugin decided
            $out[] = self::reason($core ? 'plugin' : 'wordpress');
        }
        if ($akismet !== null) {
            $out[] = $akismet;
        }
        return $out;
    }

    /** Akismet's verdict from its meta, or null when Akismet did not check the comment. */
    private static function akismet(string $result, bool $error): ?array
    {
        if ($result === 'true') {
            return self::reason('akismet', 'spam');
        }
        if ($error || ($result !== '' && $result !== 'false')) {
            return self::reason('akismet', 'error');
        }
        return $result === 'false' ? self::reason('akismet', 'ham') : null;
    }

    /** @return array{code:string,detail:string} */
    private static function reason(string $code, string $detail = ''): array
    {
        return ['code' => $code, 'detail' => $detail];
    }

    /**
     * The stored meta as the list it should be (a value someone else wrote there is dropped).
     *
     * @param mixed $value
     * @return list<array{code:string,detail:string}>
     */
    public static function clean($value): array
    {
        $out = [];
        foreach (is_array($value) ? $value : [] as $entry) {
            if (is_array($entry) && isset($entry['code']) && is_string($entry['code'])) {
                $out[] = self::reason($entry['code'], (string) ($entry['detail'] ?? ''));
            }
        }
        return $out;
    }
}

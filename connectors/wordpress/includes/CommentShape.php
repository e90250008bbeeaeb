<?php
/**
 * A comment as cms-bridge reads it: the fields and names of the REST API's comment in `edit`
 * context (wp/v2 WP_REST_Comments_Controller::prepare_item_for_response), so cms-bridge parses
 * events, the changes route and /wp/v2/comments with one function. Pure PHP: it gets the raw
 * wp_comments row as an array (get_comment(…, ARRAY_A) gives exactly that).
 */

namespace CmsBridge\Connector;

final class CommentShape
{
    /** comment_approved as REST names it ('1' approved, '0' hold, 'spam', 'trash', 'post-trashed'). */
    public static function status(string $approved): string
    {
        if ($approved === '1' || $approved === 'approve' || $approved === 'approved') {
            return 'approved';
        }
        if ($approved === '0' || $approved === 'hold' || $approved === 'unapproved') {
            return 'hold';
        }
        return $approved;
    }

    /** WordPress's GMT date "Y-m-d H:i:s" as REST's "Y-m-d\TH:i:s" (mysql_to_rfc3339 without zone). */
    public static function date(string $mysql): string
    {
        return str_replace(' ', 'T', substr($mysql, 0, 19));
    }

    /**
     * @param array<string,mixed> $row a wp_comments row
     * @param list<array{code:string,detail:string}> $heldBecause its `_cms_bridge_held_because` meta
     *        (HoldReasons), under `meta` as REST's registered meta is
     * @return array<string,mixed>
     */
    public static function fromRow(array $row, string $link, string $modified, ?string $status = null, array $heldBecause = []): array
    {
        return [
            'id' => (int) $row['comment_ID'],
            'post' => (int) ($row['comment_post_ID'] ?? 0),
            'parent' => (int) ($row['comment_parent'] ?? 0),
            'author' => (int) ($row['user_id'] ?? 0),
            'author_name' => (string) ($row['comment_author'] ?? ''),
            'author_email' => (string) ($row['comment_author_email'] ?? ''),
            'author_url' => (string) ($row['comment_author_url'] ?? ''),
            'author_ip' => (string) ($row['comment_author_IP'] ?? ''),
            'date_gmt' => self::date((string) ($row['comment_date_gmt'] ?? '')),
            'content' => ['raw' => (string) ($row['comment_content'] ?? '')],
            'link' => $link,
            'status' => $status ?? self::status((string) ($row['comment_approved'] ?? '0')),
            'type' => ((string) ($row['comment_type'] ?? '')) === '' ? 'comment' : (string) $row['comment_type'],
            'modified' => $modified,
            'meta' => [HoldReasons::META => $heldBecause],
        ];
    }
}

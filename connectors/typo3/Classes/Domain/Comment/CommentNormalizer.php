<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

/**
 * Turns a row of any supported comment table into the one JSON shape of the contract
 * (README "Comment object"), so cms-bridge never sees extension-specific columns.
 */
final class CommentNormalizer
{
    /**
     * @param array<string,mixed> $row the raw table row
     * @param array{type:string,uid:int,title:string,url:string} $target what the comment is about
     * @return array<string,mixed>
     */
    public static function normalize(string $source, array $row, array $target): array
    {
        $uid = (int)$row['uid'];
        if ($source === CommentSource::BLOG) {
            $author = ['name' => (string)($row['name'] ?? ''), 'email' => (string)($row['email'] ?? ''), 'url' => (string)($row['url'] ?? '')];
            $message = (string)($row['comment'] ?? '');
            $parent = null; // EXT:blog has no threading
            $userId = null;
        } else {
            $author = ['name' => (string)($row['author_name'] ?? ''), 'email' => (string)($row['author_mail'] ?? ''), 'url' => ''];
            $message = (string)($row['message'] ?? '');
            $parentUid = (int)($row['parent_comment'] ?? 0);
            $parent = $parentUid > 0 ? $source . ':' . $parentUid : null;
            $feUser = (int)($row['author'] ?? 0);
            $userId = $feUser > 0 ? 'fe_users:' . $feUser : null;
        }
        return [
            'id' => $source . ':' . $uid,
            'source' => $source,
            'uid' => $uid,
            'status' => CommentStatusMapper::statusOf($source, $row),
            'created' => (int)($row['crdate'] ?? 0),
            'changed' => (int)($row['tstamp'] ?? 0),
            'author_name' => $author['name'],
            'author_email' => $author['email'],
            'author_url' => $author['url'],
            'message' => $message,
            'parent_id' => $parent,
            'target' => $target,
            'user_id' => $userId,
            'held_because' => self::heldBecause($source, $row),
        ];
    }

    /**
     * Why the site held the comment, in its own record: pw_comments (7.x) keeps the verdict of its AI
     * moderation in `ai_moderation_status` / `ai_moderation_reason` (CommentController::createAction
     * sets 'flagged' with the provider's reason and hides the comment, or 'error' with "AI moderation
     * failed: …"; Configuration/TCA/tx_pwcomments_domain_model_comment.php, teamneusta/pw_comments 7.x).
     * The reason cms-bridge itself writes when it marks spam is not the site's. EXT:blog keeps none
     * (its TCA tx_blog_domain_model_comment has status and hidden only), nor does a plain
     * `moderateNewComments` hold of pw_comments.
     *
     * @param array<string,mixed> $row
     * @return list<array{code:string,detail:string}>
     */
    public static function heldBecause(string $source, array $row): array
    {
        if ($source !== CommentSource::PW_COMMENTS) {
            return [];
        }
        $status = (string)($row['ai_moderation_status'] ?? '');
        $reason = trim((string)($row['ai_moderation_reason'] ?? ''));
        if ($status === CommentStatusMapper::PW_FLAGGED && $reason !== CommentStatusMapper::SPAM_REASON) {
            return [['code' => 'ai_moderation', 'detail' => $reason]];
        }
        if ($status === 'error') {
            return [['code' => 'ai_moderation_error', 'detail' => $reason]];
        }
        return [];
    }

    /**
     * What a comment is about: a news record (pw_comments with entry_uid on a news detail
     * page) or a page (blog posts are pages; pw_comments page comments use orig_pid).
     *
     * @param array<string,mixed> $row
     * @return array{type:string,uid:int}
     */
    public static function targetOf(string $source, array $row): array
    {
        if ($source === CommentSource::BLOG) {
            return ['type' => 'page', 'uid' => (int)($row['parentid'] ?? 0)];
        }
        $entry = (int)($row['entry_uid'] ?? 0);
        return $entry > 0
            ? ['type' => 'news', 'uid' => $entry]
            : ['type' => 'page', 'uid' => (int)($row['orig_pid'] ?? 0)];
    }
}

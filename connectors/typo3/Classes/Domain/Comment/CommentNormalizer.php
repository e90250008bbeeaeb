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
        ];
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

<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

use CmsBridge\Connector\Domain\Payload\ColumnLimits;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;

/**
 * The new row a reply becomes, per extension: pw_comments threads it under the parent
 * (parent_comment, entry_uid and orig_pid in https://github.com/teamneusta/pw_comments/blob/7.1.2/ext_tables.sql);
 * EXT:blog has no threading (no parent-comment column in
 * https://github.com/TYPO3GmbH/blog/blob/v13.0/ext_tables.sql), so the reply is an approved comment
 * (status 10) on the same post (parentid, parenttable 'pages'). Replies are published at once: they
 * come from the site's own team.
 */
final class ReplyBuilder
{
    /** The columns a reply row is written with (pid aside), per source. */
    public const FIELDS = [
        CommentSource::BLOG => ['parentid', 'parenttable', 'post_language_id', 'status', 'hidden', 'name', 'email', 'comment'],
        CommentSource::PW_COMMENTS => ['entry_uid', 'orig_pid', 'parent_comment', 'sys_language_uid', 'hidden', 'author_name', 'author_mail', 'message'],
    ];

    /** "table:field" => the bridge-reply request key it carries, for error details. */
    public const REQUEST_KEYS = [
        'tx_blog_domain_model_comment:name' => 'author_name',
        'tx_blog_domain_model_comment:email' => 'author_email',
        'tx_blog_domain_model_comment:comment' => 'message',
        'tx_pwcomments_domain_model_comment:author_name' => 'author_name',
        'tx_pwcomments_domain_model_comment:author_mail' => 'author_email',
        'tx_pwcomments_domain_model_comment:message' => 'message',
    ];

    /**
     * @param array<string,mixed> $parent the parent comment row
     * @return array<string,int|string> DataHandler fields for the new row (pid included)
     * @throws InvalidPayload when a value does not fit its column
     */
    public static function fieldsFor(string $source, array $parent, string $message, string $authorName, string $authorEmail): array
    {
        if ($source === CommentSource::BLOG) {
            $fields = [
                'pid' => (int)$parent['pid'],
                'parentid' => (int)$parent['parentid'],
                'parenttable' => 'pages',
                'post_language_id' => (int)($parent['post_language_id'] ?? 0),
                'status' => CommentStatusMapper::BLOG_APPROVED,
                'hidden' => 0,
                'name' => $authorName,
                'email' => $authorEmail,
                'comment' => $message,
            ];
        } else {
            $fields = [
                'pid' => (int)$parent['pid'],
                'entry_uid' => (int)($parent['entry_uid'] ?? 0),
                'orig_pid' => (int)($parent['orig_pid'] ?? 0),
                'parent_comment' => (int)$parent['uid'],
                'sys_language_uid' => (int)($parent['sys_language_uid'] ?? 0),
                'hidden' => 0,
                'author_name' => $authorName,
                'author_mail' => $authorEmail,
                'message' => $message,
            ];
        }
        $tooLong = ColumnLimits::violations(CommentSource::table($source), $fields);
        if ($tooLong !== []) {
            throw InvalidPayload::tooLong($tooLong);
        }
        return $fields;
    }
}

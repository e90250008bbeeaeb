<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

/**
 * The comment extensions the connector understands, and their tables.
 *
 * Source names are part of comment ids ("pw_comments:17", "blog:42"), which keeps ids
 * unique across extensions on one site; their string order is the tie-break order of the
 * comment stream (see CommentCursor).
 */
final class CommentSource
{
    public const PW_COMMENTS = 'pw_comments';
    public const BLOG = 'blog';

    /** source => [table, extension key] */
    public const TABLES = [
        self::BLOG => 'tx_blog_domain_model_comment',        // t3g/blog, TYPO3GmbH/blog@v13.0:ext_tables.sql
        self::PW_COMMENTS => 'tx_pwcomments_domain_model_comment', // teamneusta/pw_comments@7.1.2:ext_tables.sql
    ];

    public const EXTENSION_KEYS = [
        self::BLOG => 'blog',
        self::PW_COMMENTS => 'pw_comments',
    ];

    public static function table(string $source): string
    {
        if (!isset(self::TABLES[$source])) {
            throw new \InvalidArgumentException('Unknown comment source ' . $source);
        }
        return self::TABLES[$source];
    }

    /** @return list<string> in stream order */
    public static function all(): array
    {
        $sources = array_keys(self::TABLES);
        sort($sources, SORT_STRING);
        return $sources;
    }
}

<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Payload;

/**
 * Column sizes of the tables the connector writes, from each extension's ext_tables.sql.
 *
 * TYPO3 truncates too-long values silently (MySQL non-strict / TCA max), so the connector
 * checks before it writes and refuses with code "too_long" instead. varchar(n) counts
 * characters; tinytext/text/mediumtext count bytes.
 */
final class ColumnLimits
{
    /** table => column => [kind, limit]; kind 'chars' or 'bytes' */
    private const LIMITS = [
        // georgringer/news@12.3.1:ext_tables.sql
        'tx_news_domain_model_news' => [
            'title' => ['chars', 255],
            'teaser' => ['bytes', 65535],
            'bodytext' => ['bytes', 16777215],
            'author' => ['bytes', 255],
            'author_email' => ['bytes', 255],
            'externalurl' => ['bytes', 65535],
            'keywords' => ['bytes', 65535],
            'import_id' => ['chars', 100],
            'import_source' => ['chars', 100],
        ],
        // teamneusta/pw_comments@7.1.2:ext_tables.sql
        'tx_pwcomments_domain_model_comment' => [
            'author_name' => ['bytes', 255],
            'author_mail' => ['bytes', 255],
            'message' => ['bytes', 65535],
        ],
        // TYPO3GmbH/blog@v13.0:ext_tables.sql
        'tx_blog_domain_model_comment' => [
            'name' => ['chars', 100],
            'email' => ['chars', 255],
            'comment' => ['bytes', 65535],
        ],
        // TYPO3 core sys_file_reference (alternative is text)
        'sys_file_reference' => [
            'alternative' => ['bytes', 65535],
        ],
    ];

    /**
     * @param array<string,mixed> $row column => value
     * @return array<string,string> column => problem, empty when everything fits
     */
    public static function violations(string $table, array $row, string $prefix = ''): array
    {
        $problems = [];
        foreach (self::LIMITS[$table] ?? [] as $column => [$kind, $limit]) {
            if (!isset($row[$column]) || !is_string($row[$column])) {
                continue;
            }
            $size = $kind === 'chars' ? mb_strlen($row[$column], 'UTF-8') : strlen($row[$column]);
            if ($size > $limit) {
                $problems[$prefix . $column] = sprintf('%d %s, the column holds at most %d', $size, $kind === 'chars' ? 'characters' : 'bytes', $limit);
            }
        }
        return $problems;
    }

    public static function limitOf(string $table, string $column): ?int
    {
        return self::LIMITS[$table][$column][1] ?? null;
    }
}

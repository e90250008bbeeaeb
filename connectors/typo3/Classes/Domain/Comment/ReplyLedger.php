<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

/**
 * Idempotent replies: which reply a bridge-reply "key" already produced.
 *
 * cms-bridge names every reply (the outbox job id) so that a retry after a crash between
 * posting and saving finds the earlier reply instead of posting it again. The key is not
 * stored inside the comment: an HTML comment marker in the message would be escaped and
 * shown as text by the comment templates of pw_comments and EXT:blog. Neither comment
 * table has a free column either, so the connector keeps its own table
 * tx_cmsbridgeconnector_reply (ext_tables.sql), one row per keyed reply, written through
 * DataHandler like every other record.
 *
 * A key is scoped to the answered comment: the same key for another parent is another
 * reply (e.g. after cms-bridge's database was reset and job ids start again at 1).
 */
final class ReplyLedger
{
    public const TABLE = 'tx_cmsbridgeconnector_reply';
    /** The columns a ledger row is written with (pid aside). */
    public const FIELDS = ['reply_key', 'parent_id', 'source', 'comment_uid'];
    public const KEY_MAX_LENGTH = 64;
    /** printable, URL- and log-safe: cms-bridge sends decimal job ids */
    public const KEY_PATTERN = '/\A[A-Za-z0-9._:-]{1,64}\z/';

    public const CREATE = 'create';
    public const REUSE = 'reuse';
    public const GONE = 'gone';

    /** null when the key is acceptable, else what is wrong with it */
    public static function keyProblem(mixed $key): ?string
    {
        if (!is_string($key)) {
            return 'must be a string or null';
        }
        if (preg_match(self::KEY_PATTERN, $key) !== 1) {
            return sprintf('must be 1 to %d characters of A-Z, a-z, 0-9, ".", "_", ":" and "-"', self::KEY_MAX_LENGTH);
        }
        return null;
    }

    /**
     * DataHandler fields of the ledger row for a new reply. It lives on the reply's page
     * (the comment storage folder), which the service user may already write to.
     *
     * @return array<string,int|string>
     */
    public static function fieldsFor(string $key, CommentId $parent, string $replySource, int $replyUid, int $pid): array
    {
        return [
            'pid' => $pid,
            'reply_key' => $key,
            'parent_id' => (string)$parent,
            'source' => $replySource,
            'comment_uid' => $replyUid,
        ];
    }

    /**
     * What to do with a keyed request, given the ledger row found for key + parent (or
     * null) and the reply comment row it points to (null when that row is gone for good).
     * A trashed reply (deleted = 1) still counts as posted: it is answered, not re-posted.
     *
     * @param array<string,mixed>|null $ledgerRow
     * @param array<string,mixed>|null $replyRow
     */
    public static function outcome(?array $ledgerRow, ?array $replyRow): string
    {
        if ($ledgerRow === null || (int)($ledgerRow['comment_uid'] ?? 0) <= 0) {
            return self::CREATE;
        }
        return $replyRow === null ? self::GONE : self::REUSE;
    }

    /** The reply comment's id as the contract spells it, from a ledger row. */
    public static function replyIdOf(array $ledgerRow): ?CommentId
    {
        return CommentId::tryParse((string)($ledgerRow['source'] ?? '') . ':' . (int)($ledgerRow['comment_uid'] ?? 0));
    }

    /** Name of the lock that serialises concurrent requests with the same key and parent. */
    public static function lockId(string $key, CommentId $parent): string
    {
        return 'cms_bridge_reply_' . sha1($key . '|' . $parent);
    }
}

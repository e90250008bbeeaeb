<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Service;

use CmsBridge\Connector\Domain\Comment\CommentCursor;
use CmsBridge\Connector\Domain\Comment\ReplyLedger;
use TYPO3\CMS\Core\Database\Connection;
use TYPO3\CMS\Core\Database\ConnectionPool;
use TYPO3\CMS\Core\Database\Query\QueryBuilder;
use TYPO3\CMS\Core\Database\Query\Restriction\DeletedRestriction;

/**
 * Read-only queries (reads may use the QueryBuilder; writes never do). Enable-field
 * restrictions are removed on purpose: the bridge must see hidden (pending) comments, and
 * for comments also deleted (trashed) ones.
 */
final class RecordReader
{
    public function __construct(private readonly ConnectionPool $connectionPool) {}

    /** @return array<string,mixed>|null */
    public function findRow(string $table, int $uid, bool $includeDeleted = false): ?array
    {
        $qb = $this->builder($table, $includeDeleted);
        $row = $qb->select('*')->from($table)
            ->where($qb->expr()->eq('uid', $qb->createNamedParameter($uid, Connection::PARAM_INT)))
            ->executeQuery()->fetchAssociative();
        return $row === false ? null : $row;
    }

    /** @return array<string,mixed>|null */
    public function findNewsByImport(string $importSource, string $importId): ?array
    {
        $qb = $this->builder('tx_news_domain_model_news', false);
        $row = $qb->select('*')->from('tx_news_domain_model_news')
            ->where(
                $qb->expr()->eq('import_source', $qb->createNamedParameter($importSource)),
                $qb->expr()->eq('import_id', $qb->createNamedParameter($importId)),
                $qb->expr()->eq('sys_language_uid', 0),
            )
            ->orderBy('uid')->setMaxResults(1)
            ->executeQuery()->fetchAssociative();
        return $row === false ? null : $row;
    }

    /**
     * The live fal_media references of a news record with their file's SHA-1, in display
     * order: what ImageReferencePlan compares the requested image with.
     *
     * @return list<array{uid:int,file_uid:int,file_sha1:?string,alternative:string}>
     */
    public function liveImageReferences(int $newsUid): array
    {
        $qb = $this->builder('sys_file_reference', true);
        $rows = $qb->select('r.uid', 'r.uid_local', 'r.alternative', 'f.sha1')
            ->from('sys_file_reference', 'r')
            ->leftJoin('r', 'sys_file', 'f', $qb->expr()->eq('f.uid', $qb->quoteIdentifier('r.uid_local')))
            ->where(
                $qb->expr()->eq('r.tablenames', $qb->createNamedParameter('tx_news_domain_model_news')),
                $qb->expr()->eq('r.fieldname', $qb->createNamedParameter('fal_media')),
                $qb->expr()->eq('r.uid_foreign', $qb->createNamedParameter($newsUid, Connection::PARAM_INT)),
                $qb->expr()->eq('r.deleted', 0),
                // live workspace only (sys_file_reference is versioned: ctrl versioningWS in core's TCA)
                $qb->expr()->eq('r.t3ver_wsid', 0),
            )
            ->orderBy('r.sorting_foreign')->addOrderBy('r.uid')
            ->executeQuery()->fetchAllAssociative();
        return array_map(static fn (array $row): array => [
            'uid' => (int)$row['uid'],
            'file_uid' => (int)$row['uid_local'],
            'file_sha1' => isset($row['sha1']) && $row['sha1'] !== '' ? (string)$row['sha1'] : null,
            'alternative' => (string)($row['alternative'] ?? ''),
        ], $rows);
    }

    /** The ledger row of a keyed reply to this parent ("<source>:<uid>"), oldest first. @return array<string,mixed>|null */
    public function findReplyLedgerRow(string $key, string $parentId): ?array
    {
        $qb = $this->builder(ReplyLedger::TABLE, false);
        $row = $qb->select('*')->from(ReplyLedger::TABLE)
            ->where(
                $qb->expr()->eq('reply_key', $qb->createNamedParameter($key)),
                $qb->expr()->eq('parent_id', $qb->createNamedParameter($parentId)),
            )
            ->orderBy('uid')->setMaxResults(1)
            ->executeQuery()->fetchAssociative();
        return $row === false ? null : $row;
    }

    /** @return list<array<string,mixed>> rows strictly after the cursor, in stream order */
    public function commentsAfter(string $table, string $source, ?CommentCursor $after, int $limit): array
    {
        $qb = $this->builder($table, true);
        $qb->select('*')->from($table);
        if ($after !== null) {
            $c = $after->constraintFor($source);
            $later = $qb->expr()->gt('tstamp', $qb->createNamedParameter($c['min_changed_exclusive'], Connection::PARAM_INT));
            if ($c['equal_changed'] === null) {
                $qb->where($later);
            } else {
                $qb->where($qb->expr()->or($later, $qb->expr()->and(
                    $qb->expr()->eq('tstamp', $qb->createNamedParameter($c['equal_changed'], Connection::PARAM_INT)),
                    $qb->expr()->gt('uid', $qb->createNamedParameter($c['uid_after'], Connection::PARAM_INT)),
                )));
            }
        }
        return $qb->orderBy('tstamp')->addOrderBy('uid')->setMaxResults($limit)->executeQuery()->fetchAllAssociative();
    }

    /**
     * @param list<int> $uids
     * @return list<array<string,mixed>>
     */
    public function commentsByUid(string $table, array $uids): array
    {
        if ($uids === []) {
            return [];
        }
        $qb = $this->builder($table, true);
        return $qb->select('*')->from($table)
            ->where($qb->expr()->in('uid', $qb->createNamedParameter($uids, Connection::PARAM_INT_ARRAY)))
            ->executeQuery()->fetchAllAssociative();
    }

    /**
     * Comments whose e-mail column holds this address, compared case-insensitively (deleted
     * ones included: a trashed comment still names its author), oldest first.
     *
     * @return list<array<string,mixed>>
     */
    public function commentsByEmail(string $table, string $column, string $email, int $limit): array
    {
        $qb = $this->builder($table, true);
        return $qb->select('*')->from($table)
            ->where($qb->expr()->comparison('LOWER(' . $qb->quoteIdentifier($column) . ')', '=', $qb->createNamedParameter(mb_strtolower($email, 'UTF-8'))))
            ->orderBy('uid')->setMaxResults($limit)
            ->executeQuery()->fetchAllAssociative();
    }

    public function titleOf(string $table, int $uid): string
    {
        $row = $uid > 0 ? $this->findRow($table, $uid) : null;
        return (string)($row['title'] ?? '');
    }

    private function builder(string $table, bool $includeDeleted): QueryBuilder
    {
        $qb = $this->connectionPool->getQueryBuilderForTable($table);
        $qb->getRestrictions()->removeAll();
        if (!$includeDeleted) {
            $qb->getRestrictions()->add(new DeletedRestriction());
        }
        return $qb;
    }
}

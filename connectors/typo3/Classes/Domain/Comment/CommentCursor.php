<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

/**
 * Position in the merged comment stream of all installed comment extensions.
 *
 * The stream is ordered by (changed, source, uid) where changed = the row's tstamp (last
 * change; Extbase and DataHandler both set it on insert and update). Using tstamp means a comment edited or moderated on the site comes
 * round again, so cms-bridge sees status changes made in the TYPO3 backend. Timestamps are
 * not unique, so source and uid break ties; "strictly after" compares the triple.
 */
final class CommentCursor
{
    public function __construct(
        public readonly int $changed,
        public readonly string $source,
        public readonly int $uid,
    ) {}

    /** @param array<mixed>|null $after {"changed": int, "id": "source:uid"} or null = from the start */
    public static function fromPayload(?array $after): ?self
    {
        if ($after === null) {
            return null;
        }
        $changed = $after['changed'] ?? null;
        $id = CommentId::tryParse((string)($after['id'] ?? ''));
        if (!is_int($changed) || $changed < 0 || $id === null) {
            throw new \InvalidArgumentException('after must be {"changed": <unix time>, "id": "<source>:<uid>"} or null');
        }
        return new self($changed, $id->source, $id->uid);
    }

    /** @return array{changed:int,id:string} */
    public function toPayload(): array
    {
        return ['changed' => $this->changed, 'id' => $this->source . ':' . $this->uid];
    }

    /**
     * The WHERE condition for one source's table, as plain values the repository turns into
     * SQL: rows with changed > minChangedExclusive, or changed == equalChanged and
     * uid > uidAfter (when equalChanged is not null).
     *
     * @return array{min_changed_exclusive:int, equal_changed:?int, uid_after:int}
     */
    public function constraintFor(string $source): array
    {
        $order = strcmp($source, $this->source);
        if ($order < 0) {
            // sorts before the cursor's source at the same second: only later seconds qualify
            return ['min_changed_exclusive' => $this->changed, 'equal_changed' => null, 'uid_after' => 0];
        }
        return [
            'min_changed_exclusive' => $this->changed,
            'equal_changed' => $this->changed,
            'uid_after' => $order === 0 ? $this->uid : 0,
        ];
    }

    /** Whether a normalised comment lies strictly after this cursor. */
    public function isBefore(int $changed, string $source, int $uid): bool
    {
        return self::compare([$this->changed, $this->source, $this->uid], [$changed, $source, $uid]) < 0;
    }

    /**
     * @param array{0:int,1:string,2:int} $a
     * @param array{0:int,1:string,2:int} $b
     */
    public static function compare(array $a, array $b): int
    {
        return [$a[0], strcmp($a[1], $b[1]) <=> 0, $a[2]] <=> [$b[0], 0, $b[2]];
    }

    /**
     * Merge per-source pages into the next page of the stream.
     *
     * @param list<array<string,mixed>> $comments normalised comments of every source
     * @return list<array<string,mixed>>
     */
    public static function mergePage(array $comments, int $limit): array
    {
        usort($comments, static fn (array $a, array $b): int => self::compare(
            [$a['changed'], $a['source'], $a['uid']],
            [$b['changed'], $b['source'], $b['uid']],
        ));
        return array_slice($comments, 0, $limit);
    }
}

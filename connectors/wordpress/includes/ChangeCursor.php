<?php
/**
 * The cursor of `GET cms-bridge/v1/comments/changes?since=…`: "<modified>-<comment id>".
 *
 * WordPress keeps no modification date for comments (wp_comments has none; REST ignores
 * `modified_after`), so the plugin stamps every change into comment meta `_cms_bridge_modified`:
 * microseconds since the epoch, zero-padded to 16 digits so MySQL compares the strings in number
 * order. Two changes in one microsecond are ordered by comment id, so the pair is a total order
 * and a page boundary never loses or repeats one. Pure PHP (PHPUnit tests it).
 */

namespace CmsBridge\Connector;

final class ChangeCursor
{
    public const WIDTH = 16;

    /** @var string zero-padded microseconds */
    public $modified;
    /** @var int */
    public $commentId;

    public function __construct(string $modified, int $commentId)
    {
        $this->modified = $modified;
        $this->commentId = $commentId;
    }

    public static function start(): self
    {
        return new self(self::stamp(0), 0);
    }

    /** Microseconds as the fixed-width string stored in meta. */
    public static function stamp(int $microseconds): string
    {
        return str_pad((string) max(0, $microseconds), self::WIDTH, '0', STR_PAD_LEFT);
    }

    public static function nowStamp(): string
    {
        return self::stamp((int) floor(microtime(true) * 1000000));
    }

    /** "" means from the start; anything else must be "<digits>-<digits>". */
    public static function parse(string $value): self
    {
        $value = trim($value);
        if ($value === '') {
            return self::start();
        }
        if (!preg_match('/^(\d{1,16})-(\d{1,20})$/', $value, $m)) {
            throw new \InvalidArgumentException(
                "since={$value} is not a cursor: use the `next` value of the previous answer, or leave it empty to start"
            );
        }
        return new self(self::stamp((int) $m[1]), (int) $m[2]);
    }

    public function format(): string
    {
        return ((string) (int) $this->modified) . '-' . $this->commentId;
    }

    /** Whether a change (modified, id) lies strictly after this cursor. */
    public function isBefore(string $modified, int $commentId): bool
    {
        $cmp = strcmp(self::stamp((int) $modified), $this->modified);
        return $cmp > 0 || ($cmp === 0 && $commentId > $this->commentId);
    }

    /**
     * Merge two ordered streams (changed comments, deletion tombstones) into one page.
     *
     * @param array<int, array{modified:string, id:int}> $a
     * @param array<int, array{modified:string, id:int}> $b
     * @return array<int, array> at most $limit rows in (modified, id) order
     */
    public static function merge(array $a, array $b, int $limit): array
    {
        $all = array_merge($a, $b);
        usort($all, static function ($x, $y) {
            $cmp = strcmp(self::stamp((int) $x['modified']), self::stamp((int) $y['modified']));
            return $cmp !== 0 ? $cmp : ((int) $x['id'] <=> (int) $y['id']);
        });
        return array_slice($all, 0, max(0, $limit));
    }
}

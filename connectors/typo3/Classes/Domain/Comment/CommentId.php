<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

use CmsBridge\Connector\Domain\Payload\PayloadReader;

/** "<source>:<uid>", the site-wide unique id of a comment across comment extensions. */
final class CommentId
{
    public function __construct(public readonly string $source, public readonly int $uid) {}

    public static function tryParse(string $id): ?self
    {
        if (preg_match('/^([a-z_]+):([1-9][0-9]{0,9})$/', $id, $m) !== 1 || !isset(CommentSource::TABLES[$m[1]])) {
            return null;
        }
        return new self($m[1], (int)$m[2]);
    }

    /**
     * The ids in a request's list (at most $maxItems); a malformed one is named as the key's problem.
     *
     * @return list<self>
     */
    public static function listFrom(PayloadReader $reader, string $key, int $maxItems): array
    {
        $ids = [];
        foreach ($reader->stringList($key, $maxItems) as $raw) {
            $id = self::tryParse($raw);
            if ($id === null) {
                $reader->addProblem($key, 'holds ' . json_encode($raw) . ', expected "<source>:<uid>" with source blog or pw_comments');
                continue;
            }
            $ids[] = $id;
        }
        return $ids;
    }

    public function __toString(): string
    {
        return $this->source . ':' . $this->uid;
    }
}

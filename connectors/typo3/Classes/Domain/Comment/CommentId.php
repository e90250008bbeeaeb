<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

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

    public function __toString(): string
    {
        return $this->source . ':' . $this->uid;
    }
}

<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

/**
 * What DataHandler must do to apply one moderation action: a command first (undelete,
 * delete, hard delete), then field updates. Pure data so the mapping is unit-testable.
 */
final class ModerationPlan
{
    public const CMD_NONE = '';
    public const CMD_DELETE = 'delete';        // soft delete: deleted=1, restorable via the recycler
    public const CMD_UNDELETE = 'undelete';
    public const CMD_HARD_DELETE = 'hardDelete'; // row removed; the comment is gone at the origin

    /** @param array<string,int|string> $fields */
    public function __construct(
        public readonly string $command,
        public readonly array $fields,
    ) {}
}

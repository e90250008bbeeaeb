<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Request;

use CmsBridge\Connector\Domain\Comment\CommentCursor;
use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Payload\PayloadReader;

/**
 * bridge-list-comments: either a page of the stream after a cursor, or specific comments by
 * id (reconciliation). Exactly one of "after" / "ids" is given.
 */
final class ListCommentsRequest
{
    public const MAX_LIMIT = 200;
    public const MAX_IDS = 100;

    /** @param list<CommentId>|null $ids */
    private function __construct(
        public readonly ?CommentCursor $after,
        public readonly int $limit,
        public readonly ?array $ids,
    ) {}

    /** @param array<mixed> $payload */
    public static function fromPayload(array $payload): self
    {
        $reader = new PayloadReader($payload);
        if ($reader->has('ids')) {
            $ids = CommentId::listFrom($reader, 'ids', self::MAX_IDS);
            $reader->assertValid();
            return new self(null, count($ids), $ids);
        }
        $limit = $reader->int('limit', 1, self::MAX_LIMIT);
        $cursor = null;
        if (!$reader->has('after')) {
            $reader->addProblem('after', 'is required (null = from the beginning), or give "ids"');
        } else {
            try {
                $cursor = CommentCursor::fromPayload(is_array($payload['after']) ? $payload['after'] : ($payload['after'] === null ? null : []));
            } catch (\InvalidArgumentException $e) {
                $reader->addProblem('after', $e->getMessage());
            }
        }
        $reader->assertValid();
        return new self($cursor, $limit, null);
    }
}

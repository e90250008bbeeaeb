<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Request;

use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Comment\CommentStatusMapper;
use CmsBridge\Connector\Domain\Payload\PayloadReader;

/** bridge-moderate-comment: {"id": "<source>:<uid>", "action": approve|hold|spam|unspam|trash|restore|delete}. */
final class ModerateCommentRequest
{
    private function __construct(public readonly CommentId $id, public readonly string $action) {}

    /** @param array<mixed> $payload */
    public static function fromPayload(array $payload): self
    {
        $reader = new PayloadReader($payload);
        $id = CommentId::tryParse($reader->string('id', false));
        if ($id === null && !isset($reader->problemsSoFar()['id'])) {
            $reader->addProblem('id', 'must be "<source>:<uid>" with source blog or pw_comments');
        }
        $action = $reader->choice('action', CommentStatusMapper::ACTIONS);
        $reader->assertValid();
        return new self($id, $action);
    }
}

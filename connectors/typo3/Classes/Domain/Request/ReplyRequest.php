<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Request;

use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Comment\ReplyLedger;
use CmsBridge\Connector\Domain\Payload\PayloadReader;

/**
 * bridge-reply: {"parent_id", "message" (plain text), "author_name", "author_email", "key"?}.
 * Markup is refused rather than stripped: both comment extensions render the message as text.
 * "key" is optional (absent or null: no key); see ReplyLedger.
 */
final class ReplyRequest
{
    private function __construct(
        public readonly CommentId $parentId,
        public readonly string $message,
        public readonly string $authorName,
        public readonly string $authorEmail,
        public readonly ?string $key = null,
    ) {}

    /** @param array<mixed> $payload */
    public static function fromPayload(array $payload): self
    {
        $reader = new PayloadReader($payload);
        $parent = CommentId::tryParse($reader->string('parent_id', false));
        if ($parent === null && !isset($reader->problemsSoFar()['parent_id'])) {
            $reader->addProblem('parent_id', 'must be "<source>:<uid>" with source blog or pw_comments');
        }
        $message = $reader->string('message', false);
        $authorName = $reader->string('author_name', false);
        $authorEmail = $reader->string('author_email');
        if ($authorEmail !== '' && filter_var($authorEmail, FILTER_VALIDATE_EMAIL) === false) {
            $reader->addProblem('author_email', 'must be an e-mail address or empty');
        }
        $key = $payload['key'] ?? null;
        if ($key !== null) {
            $problem = ReplyLedger::keyProblem($key);
            if ($problem !== null) {
                $reader->addProblem('key', $problem);
            }
        }
        $reader->assertValid();
        return new self($parent, $message, $authorName, $authorEmail, $key);
    }
}

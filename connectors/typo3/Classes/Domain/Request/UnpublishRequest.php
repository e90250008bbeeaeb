<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Request;

use CmsBridge\Connector\Domain\Payload\PayloadReader;

/**
 * bridge-unpublish: the news record is found by uid when given (> 0), else by
 * import_source/import_id; mode "hide" sets hidden=1, "delete" soft-deletes it.
 */
final class UnpublishRequest
{
    private function __construct(
        public readonly int $uid,
        public readonly string $importSource,
        public readonly string $importId,
        public readonly string $mode,
    ) {}

    /** @param array<mixed> $payload */
    public static function fromPayload(array $payload): self
    {
        $reader = new PayloadReader($payload);
        $uid = $reader->int('uid', 0, null, 0);
        $source = $reader->string('import_source');
        $importId = $reader->string('import_id');
        $mode = $reader->choice('mode', ['hide', 'delete']);
        if ($uid === 0 && ($source === '' || $importId === '')) {
            $reader->addProblem('import_id', 'uid or import_source and import_id are required');
        }
        $reader->assertValid();
        return new self($uid, $source, $importId, $mode);
    }
}

<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\News\NewsUpsertRequest;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Request\ModerateCommentRequest;
use CmsBridge\Connector\Domain\Request\ReplyRequest;
use CmsBridge\Connector\Domain\Request\UnpublishRequest;
use PHPUnit\Framework\TestCase;

/**
 * The validation answers the connector gave on real TYPO3 12.4.45 and 13.4.9 (replayed
 * cases U08, N05, M11, R06). cms-bridge's TYPO3 double copies them, so they must not drift:
 * the exact detail keys, their order, and their sentences.
 */
final class ValidationAsRealTypo3AnswersTest extends TestCase
{
    /** @param callable():mixed $parse @return array<string,string> */
    private static function details(callable $parse): array
    {
        try {
            $parse();
        } catch (InvalidPayload $e) {
            self::assertSame(400, $e->httpStatus);
            self::assertSame('invalid_payload', $e->errorCode);
            return $e->details;
        }
        self::fail('expected InvalidPayload');
    }

    public function testUpsertWithMissingKeysSaysIsRequiredAndListsDatetimeAfterBodytext(): void
    {
        $details = self::details(static fn () => NewsUpsertRequest::fromPayload(['import_source' => 'cms-bridge', 'import_id' => 'x']));
        self::assertSame([
            'title' => 'is required',
            'teaser' => 'is required',
            'bodytext' => 'is required',
            'datetime' => 'is required',
            'author' => 'is required',
            'externalurl' => 'is required',
            'attribution' => 'is required (use null for none)',
            'image' => 'is required (use null for none)',
        ], $details);
    }

    public function testUnpublishNeedsTheImportKeysEvenWithAUid(): void
    {
        $details = self::details(static fn () => UnpublishRequest::fromPayload(['uid' => 42, 'mode' => 'archive']));
        self::assertSame([
            'import_source' => 'is required',
            'import_id' => 'is required',
            'mode' => 'must be one of hide, delete',
        ], $details);
    }

    public function testModerateWithoutIdSaysIdIsRequired(): void
    {
        self::assertSame(['id' => 'is required'], self::details(static fn () => ModerateCommentRequest::fromPayload(['action' => 'approve'])));
    }

    public function testReplyRequiresMessageAuthorNameAndAuthorEmail(): void
    {
        $details = self::details(static fn () => ReplyRequest::fromPayload(['parent_id' => 'pw_comments:1']));
        self::assertSame(['message' => 'is required', 'author_name' => 'is required', 'author_email' => 'is required'], $details);
    }

    public function testImportIdIsAnOpaqueInstallationUniqueString(): void
    {
        // cms-bridge sends "<32 hex installation id>-<item id>" (<= 100 characters); nothing assumes a number
        $key = bin2hex(random_bytes(16)) . '-itm_01JABCDEF';
        $request = NewsUpsertRequest::fromPayload([
            'import_source' => 'cms-bridge', 'import_id' => $key, 'title' => 'T', 'teaser' => '', 'bodytext' => '',
            'datetime' => 0, 'author' => '', 'externalurl' => '', 'attribution' => null, 'image' => null,
        ]);
        self::assertSame($key, $request->newsFields()['import_id']);
        $tooLong = str_repeat('a', 32) . '-' . str_repeat('9', 68);
        try {
            NewsUpsertRequest::fromPayload(['import_id' => $tooLong] + [
                'import_source' => 'cms-bridge', 'title' => 'T', 'teaser' => '', 'bodytext' => '',
                'datetime' => 0, 'author' => '', 'externalurl' => '', 'attribution' => null, 'image' => null,
            ]);
            self::fail('expected too_long');
        } catch (InvalidPayload $e) {
            self::assertSame(['import_id' => '101 characters, the column holds at most 100'], $e->details);
        }
    }
}

<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Request\ListCommentsRequest;
use CmsBridge\Connector\Domain\Request\ModerateCommentRequest;
use CmsBridge\Connector\Domain\Request\ReplyRequest;
use CmsBridge\Connector\Domain\Request\UnpublishRequest;
use PHPUnit\Framework\TestCase;

final class RequestParsingTest extends TestCase
{
    public function testListStreamAndIds(): void
    {
        $stream = ListCommentsRequest::fromPayload(['after' => null, 'limit' => 50]);
        self::assertNull($stream->after);
        self::assertSame(50, $stream->limit);
        $after = ListCommentsRequest::fromPayload(['after' => ['changed' => 5, 'id' => 'blog:2'], 'limit' => 1]);
        self::assertSame('blog', $after->after?->source);
        $ids = ListCommentsRequest::fromPayload(['ids' => ['blog:2', 'pw_comments:3']]);
        self::assertSame(['blog:2', 'pw_comments:3'], array_map('strval', $ids->ids ?? []));
    }

    /** @return iterable<string,array{array<mixed>,string}> */
    public static function badListRequests(): iterable
    {
        yield 'limit too big' => [['after' => null, 'limit' => 500], 'limit'];
        yield 'after missing' => [['limit' => 5], 'after'];
        yield 'bad cursor' => [['after' => ['changed' => 1, 'id' => 'x:1'], 'limit' => 5], 'after'];
        yield 'bad id' => [['ids' => ['blog:abc']], 'ids'];
        yield 'too many ids' => [['ids' => array_fill(0, 101, 'blog:1')], 'ids'];
    }

    /** @dataProvider badListRequests */
    public function testListRefusals(array $payload, string $field): void
    {
        try {
            ListCommentsRequest::fromPayload($payload);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertArrayHasKey($field, $e->details);
            self::assertSame(['success' => false, 'code' => 'invalid_payload'], array_slice($e->toResponseBody(), 0, 2));
        }
    }

    public function testModerate(): void
    {
        $request = ModerateCommentRequest::fromPayload(['id' => 'pw_comments:7', 'action' => 'spam']);
        self::assertSame(['pw_comments', 7, 'spam'], [$request->id->source, $request->id->uid, $request->action]);
        $this->expectException(InvalidPayload::class);
        ModerateCommentRequest::fromPayload(['id' => 'pw_comments:7', 'action' => 'publish']);
    }

    public function testReply(): void
    {
        $request = ReplyRequest::fromPayload(['parent_id' => 'blog:1', 'message' => 'Hi', 'author_name' => 'Team', 'author_email' => '']);
        self::assertSame('Hi', $request->message);
        try {
            ReplyRequest::fromPayload(['parent_id' => 'blog:1', 'message' => ' ', 'author_name' => 'Team', 'author_email' => 'nope']);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame(['message', 'author_email'], array_keys($e->details));
        }
    }

    public function testUnpublishNeedsUidOrImportPair(): void
    {
        self::assertSame(4, UnpublishRequest::fromPayload(['uid' => 4, 'import_source' => '', 'import_id' => '', 'mode' => 'hide'])->uid);
        self::assertSame('delete', UnpublishRequest::fromPayload(['import_source' => 's', 'import_id' => 'i', 'mode' => 'delete'])->mode);
        $this->expectException(InvalidPayload::class);
        UnpublishRequest::fromPayload(['import_source' => '', 'import_id' => '', 'mode' => 'hide']);
    }
}

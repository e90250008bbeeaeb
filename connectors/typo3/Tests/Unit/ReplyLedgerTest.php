<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Comment\ReplyLedger;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Request\ReplyRequest;
use PHPUnit\Framework\TestCase;

final class ReplyLedgerTest extends TestCase
{
    private const REPLY = ['parent_id' => 'pw_comments:17', 'message' => 'Thanks', 'author_name' => 'Team', 'author_email' => ''];

    public function testKeyIsOptional(): void
    {
        self::assertNull(ReplyRequest::fromPayload(self::REPLY)->key);
        self::assertNull(ReplyRequest::fromPayload(self::REPLY + ['key' => null])->key);
        self::assertSame('4711', ReplyRequest::fromPayload(self::REPLY + ['key' => '4711'])->key);
        $longest = str_repeat('a', 64);
        self::assertSame($longest, ReplyRequest::fromPayload(self::REPLY + ['key' => $longest])->key);
        self::assertSame('job:12.a_b-c', ReplyRequest::fromPayload(self::REPLY + ['key' => 'job:12.a_b-c'])->key);
    }

    /** @return iterable<string,array{mixed}> */
    public static function badKeys(): iterable
    {
        yield 'empty' => [''];
        yield '65 characters' => [str_repeat('a', 65)];
        yield 'integer' => [4711];
        yield 'list' => [['4711']];
        yield 'space' => ['47 11'];
        yield 'markup' => ['<!-- x -->'];
        yield 'non-ascii' => ['schlüssel'];
        yield 'newline' => ["4711\n"];
    }

    /** @dataProvider badKeys */
    public function testBadKeysAreRefusedAsInvalidPayload(mixed $key): void
    {
        try {
            ReplyRequest::fromPayload(self::REPLY + ['key' => $key]);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame('invalid_payload', $e->errorCode);
            self::assertSame(400, $e->httpStatus);
            self::assertSame(['key'], array_keys($e->details));
        }
    }

    public function testKeyProblemsAreReportedWithTheOtherFields(): void
    {
        try {
            ReplyRequest::fromPayload(['parent_id' => 'blog:1', 'message' => '', 'author_name' => 'Team', 'author_email' => '', 'key' => 7]);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame(['message', 'key'], array_keys($e->details));
        }
    }

    public function testLedgerRowPointsAtTheReplyOnTheRepliesPage(): void
    {
        $fields = ReplyLedger::fieldsFor('4711', new CommentId('pw_comments', 17), 'pw_comments', 23, 9);
        self::assertSame(['pid' => 9, 'reply_key' => '4711', 'parent_id' => 'pw_comments:17', 'source' => 'pw_comments', 'comment_uid' => 23], $fields);
        self::assertSame('pw_comments:23', (string)ReplyLedger::replyIdOf($fields));
    }

    public function testOutcome(): void
    {
        $entry = ['reply_key' => '4711', 'parent_id' => 'blog:4', 'source' => 'blog', 'comment_uid' => 8];
        self::assertSame(ReplyLedger::CREATE, ReplyLedger::outcome(null, null));
        self::assertSame(ReplyLedger::REUSE, ReplyLedger::outcome($entry, ['uid' => 8, 'deleted' => 0]));
        self::assertSame(ReplyLedger::REUSE, ReplyLedger::outcome($entry, ['uid' => 8, 'deleted' => 1]), 'a trashed reply is still posted');
        self::assertSame(ReplyLedger::GONE, ReplyLedger::outcome($entry, null));
        self::assertSame(ReplyLedger::CREATE, ReplyLedger::outcome(['comment_uid' => 0] + $entry, null), 'an entry without a reply proves nothing');
    }

    public function testLockIsPerKeyAndParent(): void
    {
        $a = ReplyLedger::lockId('1', new CommentId('blog', 4));
        self::assertSame($a, ReplyLedger::lockId('1', new CommentId('blog', 4)));
        self::assertNotSame($a, ReplyLedger::lockId('1', new CommentId('blog', 5)));
        self::assertNotSame($a, ReplyLedger::lockId('2', new CommentId('blog', 4)));
        self::assertMatchesRegularExpression('/^[a-z0-9_]+$/', $a);
    }
}

<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Privacy\CommenterErasure;
use PHPUnit\Framework\TestCase;

/** bridge-erase-commenter: what a request may say, and which columns of each comment table are anonymised. */
final class CommenterErasureTest extends TestCase
{
    public function testAnAddressAndIdsAreRead(): void
    {
        $request = CommenterErasure::fromPayload(['email' => ' Ann@Example.org ', 'ids' => ['pw_comments:17', 'blog:4']]);
        self::assertSame('Ann@Example.org', $request->email);
        self::assertSame(['pw_comments:17', 'blog:4'], array_map('strval', $request->ids));
    }

    public function testIdsAloneAreEnough(): void
    {
        self::assertSame('', CommenterErasure::fromPayload(['email' => '', 'ids' => ['blog:4']])->email);
    }

    /** @return iterable<string,array{0:array<string,mixed>,1:list<string>}> */
    public static function invalidRequests(): iterable
    {
        yield 'nothing to erase' => [['email' => '', 'ids' => []], ['email']];
        yield 'not an address' => [['email' => 'ann.example.org', 'ids' => []], ['email']];
        yield 'bad id' => [['email' => 'ann@example.org', 'ids' => ['wp:1']], ['ids']];
        yield 'ids missing' => [['email' => 'ann@example.org'], ['ids']];
        yield 'email missing' => [['ids' => ['blog:1']], ['email']];
        yield 'too many ids' => [['email' => '', 'ids' => array_map(static fn (int $i): string => 'blog:' . $i, range(1, 101))], ['ids']];
    }

    /**
     * @dataProvider invalidRequests
     * @param array<string,mixed> $payload
     * @param list<string> $keys
     */
    public function testInvalidRequestsNameTheKey(array $payload, array $keys): void
    {
        try {
            CommenterErasure::fromPayload($payload);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame('invalid_payload', $e->errorCode);
            self::assertSame($keys, array_keys($e->details));
        }
    }

    public function testPwCommentsLosesNameMailIdentAndUserButKeepsTheText(): void
    {
        $row = ['uid' => 17, 'author_name' => 'Ann', 'author_mail' => 'ann@example.org', 'author_ident' => 'a1b2', 'author' => 9, 'message' => 'Hello'];
        self::assertSame(
            ['author_name' => 'Anonymous', 'author_mail' => '', 'author_ident' => '', 'author' => 0],
            CommenterErasure::fieldsFor(CommentSource::PW_COMMENTS, $row),
        );
    }

    public function testBlogLosesNameMailAndUrl(): void
    {
        $row = ['uid' => 4, 'name' => 'Ann', 'email' => 'ann@example.org', 'url' => 'https://ann.example/', 'comment' => 'Hi'];
        self::assertSame(['name' => 'Anonymous', 'email' => '', 'url' => ''], CommenterErasure::fieldsFor(CommentSource::BLOG, $row));
    }

    public function testAnAnonymisedRowIsNotWrittenAgain(): void
    {
        $row = ['uid' => 4, 'name' => 'Anonymous', 'email' => '', 'url' => ''];
        self::assertSame([], CommenterErasure::fieldsFor(CommentSource::BLOG, $row));
    }

    public function testTheAddressMatchesCaseInsensitively(): void
    {
        $request = CommenterErasure::fromPayload(['email' => 'ann@example.org', 'ids' => []]);
        self::assertTrue($request->matches(CommentSource::PW_COMMENTS, ['author_mail' => 'ANN@example.org ']));
        self::assertFalse($request->matches(CommentSource::BLOG, ['email' => 'bob@example.org']));
    }

    public function testEveryCommentSourceHasItsColumns(): void
    {
        self::assertSame(CommentSource::all(), array_values(array_intersect(CommentSource::all(), array_keys(CommenterErasure::FIELDS))));
        self::assertSame(array_keys(CommenterErasure::FIELDS), array_keys(CommenterErasure::EMAIL_COLUMNS));
    }
}

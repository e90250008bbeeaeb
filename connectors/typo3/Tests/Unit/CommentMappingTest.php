<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\Comment\CommentCursor;
use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Comment\CommentNormalizer;
use CmsBridge\Connector\Domain\Comment\CommentStatusMapper;
use CmsBridge\Connector\Domain\Comment\ModerationPlan;
use CmsBridge\Connector\Domain\Comment\ReplyBuilder;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use PHPUnit\Framework\TestCase;

final class CommentMappingTest extends TestCase
{
    /** @return iterable<string,array{string,array<string,mixed>,string}> */
    public static function statuses(): iterable
    {
        yield 'blog pending' => ['blog', ['status' => 0, 'hidden' => 0, 'deleted' => 0], 'pending'];
        yield 'blog approved' => ['blog', ['status' => 10, 'hidden' => 0, 'deleted' => 0], 'approved'];
        yield 'blog approved but hidden' => ['blog', ['status' => 10, 'hidden' => 1, 'deleted' => 0], 'pending'];
        yield 'blog declined is spam' => ['blog', ['status' => 50, 'hidden' => 0, 'deleted' => 0], 'spam'];
        yield 'blog module delete' => ['blog', ['status' => 90, 'hidden' => 0, 'deleted' => 0], 'trash'];
        yield 'blog deleted row' => ['blog', ['status' => 10, 'hidden' => 0, 'deleted' => 1], 'trash'];
        yield 'pw visible' => ['pw_comments', ['hidden' => 0, 'deleted' => 0], 'approved'];
        yield 'pw hidden' => ['pw_comments', ['hidden' => 1, 'deleted' => 0, 'ai_moderation_status' => ''], 'pending'];
        yield 'pw hidden flagged' => ['pw_comments', ['hidden' => 1, 'deleted' => 0, 'ai_moderation_status' => 'flagged'], 'spam'];
        yield 'pw 6.x hidden (no ai column)' => ['pw_comments', ['hidden' => 1, 'deleted' => 0], 'pending'];
        yield 'pw deleted' => ['pw_comments', ['hidden' => 0, 'deleted' => 1], 'trash'];
    }

    /** @dataProvider statuses */
    public function testStatusOf(string $source, array $row, string $expected): void
    {
        self::assertSame($expected, CommentStatusMapper::statusOf($source, $row));
    }

    public function testBlogActions(): void
    {
        $row = ['status' => 0, 'hidden' => 0, 'deleted' => 0];
        self::assertSame(['status' => 10, 'hidden' => 0], CommentStatusMapper::planFor('blog', 'approve', $row)->fields);
        self::assertSame(['status' => 50], CommentStatusMapper::planFor('blog', 'spam', $row)->fields);
        self::assertSame(['status' => 0, 'hidden' => 0], CommentStatusMapper::planFor('blog', 'hold', $row)->fields);
        self::assertSame(ModerationPlan::CMD_DELETE, CommentStatusMapper::planFor('blog', 'trash', $row)->command);
        self::assertSame(ModerationPlan::CMD_HARD_DELETE, CommentStatusMapper::planFor('blog', 'delete', $row)->command);
        $restore = CommentStatusMapper::planFor('blog', 'restore', ['status' => 90, 'deleted' => 1]);
        self::assertSame([ModerationPlan::CMD_UNDELETE, ['status' => 0]], [$restore->command, $restore->fields]);
    }

    public function testPwCommentsSpamNeedsAiColumns(): void
    {
        $row = ['hidden' => 0, 'deleted' => 0, 'ai_moderation_status' => ''];
        $spam = CommentStatusMapper::planFor('pw_comments', 'spam', $row, true);
        self::assertSame(['hidden' => 1, 'ai_moderation_status' => 'flagged', 'ai_moderation_reason' => 'Marked as spam in cms-bridge'], $spam->fields);
        self::assertSame('spam', CommentStatusMapper::statusOf('pw_comments', $spam->fields + $row));
        // pw_comments 6.x: only hidden can be stored, so spam reads back as pending
        $legacy = CommentStatusMapper::planFor('pw_comments', 'spam', ['hidden' => 0, 'deleted' => 0], false);
        self::assertSame(['hidden' => 1], $legacy->fields);
        self::assertSame('pending', CommentStatusMapper::statusOf('pw_comments', $legacy->fields + ['deleted' => 0]));
        $unspam = CommentStatusMapper::planFor('pw_comments', 'unspam', ['hidden' => 1, 'deleted' => 0, 'ai_moderation_status' => 'flagged'], true);
        self::assertSame(['hidden' => 1, 'ai_moderation_status' => '', 'ai_moderation_reason' => ''], $unspam->fields);
        $approve = CommentStatusMapper::planFor('pw_comments', 'approve', ['hidden' => 1, 'deleted' => 1], false);
        self::assertSame([ModerationPlan::CMD_UNDELETE, ['hidden' => 0]], [$approve->command, $approve->fields]);
    }

    public function testUnknownActionIsRefused(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        CommentStatusMapper::planFor('blog', 'publish', []);
    }

    public function testCommentIdParsing(): void
    {
        self::assertSame('pw_comments:17', (string)CommentId::tryParse('pw_comments:17'));
        self::assertNull(CommentId::tryParse('wordpress:1'));
        self::assertNull(CommentId::tryParse('blog:0'));
        self::assertNull(CommentId::tryParse('blog:1; DROP'));
    }

    public function testCursorConstraintsPerSource(): void
    {
        $cursor = CommentCursor::fromPayload(['changed' => 1000, 'id' => 'blog:5']);
        self::assertSame(['min_changed_exclusive' => 1000, 'equal_changed' => 1000, 'uid_after' => 5], $cursor->constraintFor('blog'));
        self::assertSame(['min_changed_exclusive' => 1000, 'equal_changed' => 1000, 'uid_after' => 0], $cursor->constraintFor('pw_comments'));
        $later = CommentCursor::fromPayload(['changed' => 1000, 'id' => 'pw_comments:3']);
        self::assertSame(['min_changed_exclusive' => 1000, 'equal_changed' => null, 'uid_after' => 0], $later->constraintFor('blog'));
        self::assertTrue($cursor->isBefore(1000, 'blog', 6));
        self::assertTrue($cursor->isBefore(1000, 'pw_comments', 1));
        self::assertFalse($cursor->isBefore(1000, 'blog', 5));
        self::assertFalse($cursor->isBefore(999, 'pw_comments', 99));
        self::assertNull(CommentCursor::fromPayload(null));
        self::assertSame(['changed' => 1000, 'id' => 'blog:5'], $cursor->toPayload());
    }

    public function testInvalidCursorIsRefused(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        CommentCursor::fromPayload(['changed' => '1000', 'id' => 'blog:5']);
    }

    public function testMergePageOrdersAcrossSources(): void
    {
        $page = CommentCursor::mergePage([
            ['changed' => 2, 'source' => 'blog', 'uid' => 1],
            ['changed' => 1, 'source' => 'pw_comments', 'uid' => 1],
            ['changed' => 1, 'source' => 'blog', 'uid' => 9],
        ], 2);
        self::assertSame([['blog', 9], ['pw_comments', 1]], array_map(static fn ($c) => [$c['source'], $c['uid']], $page));
    }

    public function testNormalizePwCommentOnNews(): void
    {
        $row = ['uid' => 17, 'crdate' => 10, 'tstamp' => 20, 'hidden' => 1, 'deleted' => 0, 'author_name' => 'Ann', 'author_mail' => 'a@x.org',
            'message' => 'Hi', 'parent_comment' => 3, 'entry_uid' => 5, 'orig_pid' => 9, 'author' => 0];
        $target = CommentNormalizer::targetOf('pw_comments', $row);
        self::assertSame(['type' => 'news', 'uid' => 5], $target);
        $comment = CommentNormalizer::normalize('pw_comments', $row, $target + ['title' => 'T', 'url' => '']);
        self::assertSame('pw_comments:17', $comment['id']);
        self::assertSame('pw_comments:3', $comment['parent_id']);
        self::assertSame('pending', $comment['status']);
        self::assertSame([10, 20], [$comment['created'], $comment['changed']]);
        self::assertNull($comment['user_id']);
    }

    public function testPwCommentsAiModerationIsTheSitesReason(): void
    {
        $row = ['uid' => 17, 'hidden' => 1, 'deleted' => 0, 'ai_moderation_status' => 'flagged', 'ai_moderation_reason' => 'harassment'];
        self::assertSame([['code' => 'ai_moderation', 'detail' => 'harassment']], CommentNormalizer::heldBecause('pw_comments', $row));
        $error = ['ai_moderation_status' => 'error', 'ai_moderation_reason' => 'AI moderation failed: timeout'];
        self::assertSame([['code' => 'ai_moderation_error', 'detail' => 'AI moderation failed: timeout']], CommentNormalizer::heldBecause('pw_comments', $error));
        // cms-bridge's own spam mark, an approval, pw_comments 6.x (no columns) and EXT:blog give none
        self::assertSame([], CommentNormalizer::heldBecause('pw_comments', ['ai_moderation_status' => 'flagged', 'ai_moderation_reason' => 'Marked as spam in cms-bridge']));
        self::assertSame([], CommentNormalizer::heldBecause('pw_comments', ['ai_moderation_status' => 'approved', 'ai_moderation_reason' => '']));
        self::assertSame([], CommentNormalizer::heldBecause('pw_comments', ['hidden' => 1]));
        self::assertSame([], CommentNormalizer::heldBecause('blog', ['status' => 50, 'ai_moderation_status' => 'flagged']));
    }

    public function testNormalizeBlogComment(): void
    {
        $row = ['uid' => 4, 'crdate' => 1, 'tstamp' => 1, 'hidden' => 0, 'deleted' => 0, 'status' => 10, 'name' => 'Bo', 'email' => '', 'url' => 'https://bo.example',
            'comment' => 'Yes', 'parentid' => 12];
        $comment = CommentNormalizer::normalize('blog', $row, CommentNormalizer::targetOf('blog', $row) + ['title' => '', 'url' => '']);
        self::assertSame(['approved', 'https://bo.example', null], [$comment['status'], $comment['author_url'], $comment['parent_id']]);
        self::assertSame(['type' => 'page', 'uid' => 12, 'title' => '', 'url' => ''], $comment['target']);
    }

    public function testReplyRows(): void
    {
        $pw = ReplyBuilder::fieldsFor('pw_comments', ['uid' => 17, 'pid' => 9, 'entry_uid' => 5, 'orig_pid' => 3], 'Thanks', 'Team', '');
        self::assertSame([17, 5, 3, 9, 0], [$pw['parent_comment'], $pw['entry_uid'], $pw['orig_pid'], $pw['pid'], $pw['hidden']]);
        $blog = ReplyBuilder::fieldsFor('blog', ['uid' => 4, 'pid' => 12, 'parentid' => 12], 'Thanks', 'Team', 'team@example.org');
        self::assertSame([12, 12, 'pages', 10], [$blog['pid'], $blog['parentid'], $blog['parenttable'], $blog['status']]);
        self::assertArrayNotHasKey('parent_comment', $blog);
    }

    public function testReplyAuthorLongerThanBlogColumnIsRefused(): void
    {
        try {
            ReplyBuilder::fieldsFor('blog', ['uid' => 4, 'pid' => 12, 'parentid' => 12], 'x', str_repeat('n', 101), '');
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame('too_long', $e->errorCode);
            self::assertArrayHasKey('name', $e->details);
        }
    }
}

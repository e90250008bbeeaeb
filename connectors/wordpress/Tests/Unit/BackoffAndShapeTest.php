<?php

use CmsBridge\Connector\Backoff;
use CmsBridge\Connector\CommentShape;
use PHPUnit\Framework\TestCase;

final class BackoffAndShapeTest extends TestCase
{
    public function testBackoffDoublesUpToAnHour(): void
    {
        $this->assertSame([30, 60, 120, 240], array_map([Backoff::class, 'delay'], [1, 2, 3, 4]));
        $this->assertSame(3600, Backoff::delay(8));
        $this->assertSame(3600, Backoff::delay(500));
        $this->assertSame(33, Backoff::delay(1, 1.0)); // at most 10 % jitter
    }

    public function testWhatIsRetried(): void
    {
        foreach ([0, 401, 404, 408, 409, 429, 500, 502, 503] as $status) {
            $this->assertTrue(Backoff::retriable($status), (string) $status);
        }
        foreach ([400, 413, 415, 422] as $status) {
            $this->assertFalse(Backoff::retriable($status), (string) $status);
        }
    }

    public function testStatusesAsRestNamesThem(): void
    {
        $this->assertSame(['approved', 'hold', 'spam', 'trash', 'post-trashed', 'approved', 'hold'],
            array_map([CommentShape::class, 'status'], ['1', '0', 'spam', 'trash', 'post-trashed', 'approved', 'unapproved']));
    }

    public function testARowInRestsShape(): void
    {
        $shape = CommentShape::fromRow([
            'comment_ID' => '12', 'comment_post_ID' => '1', 'comment_parent' => '0', 'user_id' => '0',
            'comment_author' => 'Ann', 'comment_author_email' => 'ann@example.org', 'comment_author_url' => '',
            'comment_author_IP' => '127.0.0.1', 'comment_date_gmt' => '2026-12-02 10:00:01',
            'comment_content' => "Hi\n\nthere", 'comment_approved' => '0', 'comment_type' => '',
        ], 'http://x/?p=1#comment-12', '1764669601000000');
        $this->assertSame(12, $shape['id']);
        $this->assertSame('2026-12-02T10:00:01', $shape['date_gmt']);
        $this->assertSame(['raw' => "Hi\n\nthere"], $shape['content']);
        $this->assertSame('hold', $shape['status']);
        $this->assertSame('comment', $shape['type']);
        $this->assertSame('1764669601000000', $shape['modified']);
    }
}

<?php

use CmsBridge\Connector\ChangeCursor;
use PHPUnit\Framework\TestCase;

final class ChangeCursorTest extends TestCase
{
    public function testEmptyMeansFromTheStart(): void
    {
        $c = ChangeCursor::parse('');
        $this->assertSame('0000000000000000', $c->modified);
        $this->assertSame(0, $c->commentId);
        $this->assertSame('0-0', $c->format());
    }

    public function testRoundTrip(): void
    {
        $c = ChangeCursor::parse('1764669600123456-42');
        $this->assertSame('1764669600123456', $c->modified);
        $this->assertSame(42, $c->commentId);
        $this->assertSame('1764669600123456-42', $c->format());
    }

    public function testStampsCompareAsStringsInNumberOrder(): void
    {
        // MySQL compares meta_value as a string: fixed width makes that the number order
        $this->assertLessThan(0, strcmp(ChangeCursor::stamp(999999), ChangeCursor::stamp(1000000)));
        $this->assertSame(16, strlen(ChangeCursor::nowStamp()));
    }

    /** @dataProvider bad */
    public function testAMalformedCursorIsRefusedNamingIt(string $value): void
    {
        try {
            ChangeCursor::parse($value);
            $this->fail('accepted ' . $value);
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString("since={$value}", $e->getMessage());
            $this->assertStringContainsString('next', $e->getMessage());
        }
    }

    public function bad(): array
    {
        return [['abc'], ['12'], ['12-'], ['-3'], ['1-2-3'], ['12345678901234567-1'], ["1' OR 1=1 -- -1"]];
    }

    /** Ties in one microsecond are ordered by id: nothing at a page boundary is lost or repeated. */
    public function testIsBeforeBreaksTiesById(): void
    {
        $c = new ChangeCursor(ChangeCursor::stamp(100), 5);
        $this->assertFalse($c->isBefore('100', 5));
        $this->assertTrue($c->isBefore('100', 6));
        $this->assertFalse($c->isBefore('99', 9));
        $this->assertTrue($c->isBefore('101', 1));
    }

    public function testMergeOrdersChangesAndTombstonesTogether(): void
    {
        $changed = [['modified' => ChangeCursor::stamp(10), 'id' => 3], ['modified' => ChangeCursor::stamp(30), 'id' => 1]];
        $deleted = [['modified' => ChangeCursor::stamp(20), 'id' => 2, 'payload' => '{}'], ['modified' => ChangeCursor::stamp(30), 'id' => 0, 'payload' => '{}']];
        $page = ChangeCursor::merge($changed, $deleted, 3);
        $this->assertSame([3, 2, 0], array_map(static function ($r) { return $r['id']; }, $page));
    }
}

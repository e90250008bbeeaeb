<?php

use CmsBridge\Connector\CommentShape;
use CmsBridge\Connector\HoldReasons;
use PHPUnit\Framework\TestCase;

final class HoldReasonsTest extends TestCase
{
    public function testModerationWordsAreMatchedAsCheckCommentDoes(): void
    {
        $keys = "  casino \n\nfree#money\nCASINO\nviagra\n";
        $fields = ['Ann', 'ann@example.org', '', '<p>Visit the Casino, get free#money</p>', '127.0.0.1', 'curl'];
        // trimmed, empty lines skipped, case-insensitive, '#' quoted; each word once, in the list's order
        $this->assertSame(['casino', 'free#money'], HoldReasons::moderationWords($keys, $fields));
        $this->assertSame(['127.0.0'], HoldReasons::moderationWords("127.0.0", $fields)); // the IP is a field too
        $this->assertSame([], HoldReasons::moderationWords('', $fields));
    }

    public function testLinksAreCountedLikeCheckComment(): void
    {
        $this->assertSame(2, HoldReasons::linkCount('<a href="https://a">a</a> and <A class="x" HREF="//b">b</A> <a name="c">'));
    }

    public function testEveryRuleThatHoldsIsNamed(): void
    {
        $reasons = HoldReasons::explain(['approved' => '0', 'core_approves' => false, 'manual' => true,
            'links' => 3, 'max_links' => 2, 'words' => ['casino'], 'previously_required' => true,
            'previously_approved' => false]);
        $this->assertSame([
            ['code' => 'manual', 'detail' => ''],
            ['code' => 'max_links', 'detail' => '3 of 2'],
            ['code' => 'moderation_keys', 'detail' => 'casino'],
            ['code' => 'previously_approved', 'detail' => ''],
        ], $reasons);
    }

    public function testLinksBelowTheLimitAndAnAuthorApprovedBeforeHoldNothing(): void
    {
        $this->assertSame([['code' => 'wordpress', 'detail' => '']], HoldReasons::explain([
            'approved' => 0, 'core_approves' => false, 'links' => 1, 'max_links' => 2,
            'previously_required' => true, 'previously_approved' => true]));
    }

    public function testHeldAlthoughCoreApprovesIsAPlugin(): void
    {
        $this->assertSame([['code' => 'plugin', 'detail' => '']],
            HoldReasons::explain(['approved' => '0', 'core_approves' => true, 'links' => 5, 'max_links' => 2]));
    }

    public function testAkismetsVerdictFromItsMeta(): void
    {
        $this->assertSame([['code' => 'plugin', 'detail' => ''], ['code' => 'akismet', 'detail' => 'spam']],
            HoldReasons::explain(['approved' => 'spam', 'core_approves' => true, 'akismet_result' => 'true']));
        $this->assertSame([['code' => 'plugin', 'detail' => ''], ['code' => 'akismet', 'detail' => 'error']],
            HoldReasons::explain(['approved' => '0', 'core_approves' => true, 'akismet_error' => true]));
        $this->assertSame([['code' => 'manual', 'detail' => ''], ['code' => 'akismet', 'detail' => 'ham']],
            HoldReasons::explain(['approved' => '0', 'manual' => true, 'akismet_result' => 'false']));
    }

    public function testDisallowedKeysAndApprovedComments(): void
    {
        $this->assertSame([['code' => 'disallowed_keys', 'detail' => '']],
            HoldReasons::explain(['approved' => 'trash', 'core_approves' => true, 'disallowed' => true]));
        $this->assertSame([], HoldReasons::explain(['approved' => '1', 'manual' => true]));
        $this->assertSame([], HoldReasons::explain(['approved' => 1, 'core_approves' => false, 'manual' => true]));
    }

    public function testStoredValuesAreCleaned(): void
    {
        $this->assertSame([['code' => 'manual', 'detail' => '']],
            HoldReasons::clean([['code' => 'manual'], 'junk', ['detail' => 'no code']]));
        $this->assertSame([], HoldReasons::clean('a string someone stored'));
    }

    public function testTheShapeCarriesTheReasonsAsRestMeta(): void
    {
        $row = ['comment_ID' => '3', 'comment_date_gmt' => '2026-12-02 10:00:01', 'comment_approved' => '0'];
        $held = [['code' => 'moderation_keys', 'detail' => 'casino']];
        $this->assertSame(['_cms_bridge_held_because' => $held], CommentShape::fromRow($row, '', '1', null, $held)['meta']);
        $this->assertSame(['_cms_bridge_held_because' => []], CommentShape::fromRow($row, '', '1')['meta']);
    }
}
